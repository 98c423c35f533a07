import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readChangelogLines, type LineItem } from '../../../connectors/file/line-reader.js';
import { useTempDir } from '../../support/temp-dir.js';
import { change, source } from './helpers.js';

describe('file source: streaming', () => {
  const tempDir = useTempDir();

  it('streams a 200k-line file in small batches', async () => {
    const N = 200_000;
    const file = path.join(tempDir(), 'big.jsonl');
    const fd = fs.openSync(file, 'w');
    let chunk = '';
    for (let i = 1; i <= N; i++) {
      chunk += `${change(i % 10 === 0 ? 'u' : 'c', 'shop.orders', i % 10 === 0 ? { id: i } : null, { id: i, qty: i % 1000, note: `n${i}` }, 1_700_000_000_000 + i)}\n`;
      if (i % 10_000 === 0) {
        fs.writeSync(fd, chunk);
        chunk = '';
      }
    }
    fs.closeSync(fd);

    const src = source({ path: file, batchMaxEvents: 997 });
    let events = 0;
    let batches = 0;
    let expectedId = 1n;
    let lastLine = 0;
    for await (const b of src.read(undefined, { signal: new AbortController().signal, untilDrained: true })) {
      batches++;
      expect(b.events.length).toBeLessThanOrEqual(997);
      for (const e of b.events) {
        expect(e.after!.id).toBe(expectedId++);
      }
      events += b.events.length;
      const line = (b.position as { line: number }).line;
      expect(line).toBeGreaterThan(lastLine);
      lastLine = line;
      expect(b.watermarkMs).toBe(1_700_000_000_000 + line);
    }
    expect(events).toBe(N);
    expect(batches).toBe(Math.ceil(N / 997));
    expect(lastLine).toBe(N);

    // Resuming near the end reads only the tail.
    let tail = 0;
    for await (const b of src.read({ file: 'big.jsonl', line: N - 5 }, { signal: new AbortController().signal, untilDrained: true })) tail += b.events.length;
    expect(tail).toBe(5);
  });

  it('splits lines correctly across read chunks, multi-byte characters included', async () => {
    const lines = ['a', '', 'ééé🍵🍵', 'x'.repeat(100), '🍵', 'last without newline'];
    const file = path.join(tempDir(), 'chunks.jsonl');
    fs.writeFileSync(file, lines.join('\n'));
    for (const chunkSize of [1, 2, 3, 5, 7, 64]) {
      for (const after of [0, 2, 3, 6]) {
        const got: LineItem[] = [];
        const opts = { path: file, follow: false, pollIntervalMs: 10, signal: new AbortController().signal, chunkSize, ...(after ? { after: { file: 'chunks.jsonl', line: after } } : {}) };
        for await (const item of readChangelogLines(opts)) if (item.kind === 'line') got.push(item);
        expect(got.map((l) => [l.line, l.text, l.invalidUtf8])).toEqual(lines.slice(after).map((t, i) => [after + i + 1, t, false]));
      }
    }
  });
});
