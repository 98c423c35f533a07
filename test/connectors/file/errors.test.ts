import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChangeBatch } from '../../../src/sink/change-event.js';
import { ChangeLineError } from '../../../connectors/file/index.js';
import { useTempDir } from '../../support/temp-dir.js';
import { change, readAll, source, writeLines } from './helpers.js';

const good = (id: number): string => change('c', 'shop.orders', null, { id });

const BAD_LINES: [string, string, string][] = [
  ['malformed JSON', '{"op":"c",', 'malformed JSON at column 11: unexpected end of input, expected a string key'],
  ['NaN literal (JSON has none)', '{"op":"c","after":{"id":NaN}}', 'malformed JSON at column 25: unexpected character "N"'],
  ['not an object', '[1,2]', 'expected a JSON object (a Debezium change event)'],
  ['unknown op', change('x' as 'c', 'shop.orders', null, { id: 1 }), 'unknown op "x" (expected c, u, d, r or t)'],
  ['missing op', '{"after":{"id":1},"source":{"db":"shop","table":"orders","ts_ms":1}}', 'missing "op"'],
  [
    'missing op: an unwrapped record',
    '{"id":1,"qty":2,"__deleted":"false","__table":"orders","__db":"shop","__source_ts_ms":1}',
    'missing "op": the line looks like an unwrapped ExtractNewRecordState record (it has __deleted, __table, __db); set source.envelope: unwrapped',
  ],
  [
    'missing op: a plain row',
    '{"id":1,"qty":2}',
    'missing "op": the line looks like a plain row (no before, after or source), not a Debezium change event; if these are ExtractNewRecordState records, set source.envelope: unwrapped and add.fields=op,table,db,source.ts_ms',
  ],
  ['unknown table', change('c', 'shop.customers', null, { id: 1 }), 'table shop.customers is not in the configured tables (shop.orders)'],
  ['missing source', '{"op":"c","after":{"id":1}}', 'missing "source" (the Debezium source block with db and table)'],
  ['missing ts', '{"op":"c","after":{"id":1},"source":{"db":"shop","table":"orders"}}', 'missing source.ts_ms (the source commit time, ms since epoch)'],
  ['missing key in after', change('c', 'shop.orders', null, { qty: 1 }), 'after: missing key column id of table shop.orders'],
  [
    'delete without before',
    change('d', 'shop.orders', null, null),
    'op d without "before": a delete must say which row it removes; make the source send at least the key columns in before-images (Postgres: REPLICA IDENTITY FULL, or DEFAULT on a table with a primary key; MySQL: binlog_row_image=FULL)',
  ],
  ['insert without after', change('c', 'shop.orders', null, null), 'op c without "after"'],
  ['bad value', change('c', 'shop.orders', null, { id: 1, qty: 'abc' }), 'column qty: value "abc" is not an int'],
];

describe('file source: bad lines', () => {
  const tempDir = useTempDir();

  it.each(BAD_LINES)('stop mode: %s is an error naming file:line', async (_name, bad, problem) => {
    const file = writeLines(tempDir(), 'changes.jsonl', [good(1), good(2), bad, good(4)]);
    const batches: ChangeBatch[] = [];
    let error: unknown;
    try {
      for await (const b of source({ path: file }).read(undefined, { signal: new AbortController().signal, untilDrained: true })) batches.push(b);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ChangeLineError);
    expect((error as Error).message).toBe(`changes.jsonl:3: ${problem}`);
    expect((error as ChangeLineError).context).toMatchObject({ file: 'changes.jsonl', line: 3 });
    // The good events before the bad line are handed on first; nothing after it is.
    expect(batches.map((b) => [b.events.length, b.position])).toEqual([[2, { file: 'changes.jsonl', line: 2 }]]);
  });

  it('stop mode: invalid UTF-8', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'changes.jsonl');
    fs.writeFileSync(file, Buffer.concat([Buffer.from(`${good(1)}\n`), Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a])]));
    await expect(readAll(source({ path: file }))).rejects.toThrow('changes.jsonl:2: the line is not valid UTF-8');
  });

  it('dead-letter mode: every bad line is recorded with its raw text, error and position, and skipped', async () => {
    const dir = tempDir();
    const lines = [good(1), ...BAD_LINES.map(([, bad]) => bad), good(99)];
    const file = writeLines(dir, 'changes.jsonl', lines);
    fs.appendFileSync(file, Buffer.from([0x7b, 0xff, 0x7d, 0x0a])); // invalid UTF-8
    const deadLetterPath = path.join(dir, 'dlq', 'dead.jsonl');
    const src = source({ path: file, onError: { mode: 'dead-letter', path: deadLetterPath } });
    const batches = await readAll(src);
    await src.close();
    expect(batches.flatMap((b) => b.events.map((e) => e.after!.id))).toEqual([1n, 99n]);
    // The last batch's position covers the skipped lines, including the trailing bad one.
    expect(batches.at(-1)!.position).toEqual({ file: 'changes.jsonl', line: lines.length + 1 });

    const records = fs.readFileSync(deadLetterPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toHaveLength(BAD_LINES.length + 1);
    BAD_LINES.forEach(([, bad, problem], i) => {
      expect(records[i]).toMatchObject({
        position: { file: 'changes.jsonl', line: i + 2 },
        error: `changes.jsonl:${i + 2}: ${problem}`,
        raw: bad,
      });
      expect(typeof records[i]!.at).toBe('string');
    });
    expect(records.at(-1)).toMatchObject({ error: `changes.jsonl:${lines.length + 1}: the line is not valid UTF-8`, rawBase64: Buffer.from([0x7b, 0xff, 0x7d]).toString('base64') });
  });

  it('dead-letter mode: the file is appended to across runs (nothing is overwritten)', async () => {
    const dir = tempDir();
    const file = writeLines(dir, 'changes.jsonl', ['{bad', good(2)]);
    const deadLetterPath = path.join(dir, 'dead.jsonl');
    for (let run = 0; run < 2; run++) {
      const src = source({ path: file, onError: { mode: 'dead-letter', path: deadLetterPath } });
      await readAll(src);
      await src.close();
    }
    expect(fs.readFileSync(deadLetterPath, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('a missing changelog is a clear error', async () => {
    await expect(readAll(source({ path: path.join(tempDir(), 'nope.jsonl') }))).rejects.toThrow(/nope\.jsonl: changelog file or directory does not exist/);
  });

  it('rejects a bad batch size and a bad resume position', async () => {
    expect(() => source({ path: 'x', batchMaxEvents: 0 })).toThrow('batchMaxEvents must be a positive integer, got 0');
    const file = writeLines(tempDir(), 'changes.jsonl', [good(1)]);
    await expect(readAll(source({ path: file }), { line: 3 })).rejects.toThrow(/not a file source position/);
  });
});
