import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { parsePipelineConfig } from '../../../src/pipeline/config-loader.js';
import type { ChangeBatch } from '../../../src/sink/change-event.js';
import { createFileSource, FileChangelogSource } from '../../../connectors/file/index.js';
import { useTempDir } from '../../support/temp-dir.js';
import { change, ORDERS, readAll, source, writeLines } from './helpers.js';

const ids = (batches: readonly ChangeBatch[]): bigint[] =>
  batches.flatMap((b) => b.events.map((e) => (e.after ?? e.before)!.id as bigint));

describe('file source: reading and resuming', () => {
  const tempDir = useTempDir();

  it('maps ops, tables, positions, origins and source times', async () => {
    const file = writeLines(tempDir(), 'changes.jsonl', [
      change('r', 'shop.orders', null, { id: 1, qty: 1 }, 1000),
      change('c', 'shop.orders', null, { id: 2, qty: 2 }, 2000),
      change('u', 'shop.orders', { id: 2, qty: 2 }, { id: 2, qty: 3 }, 3000),
      change('d', 'shop.orders', { id: 1, qty: 1 }, null, 4000),
    ]);
    const batches = await readAll(source({ path: file }));
    const events = batches.flatMap((b) => b.events);
    expect(events.map((e) => [e.op, e.table, e.position, e.origin, e.sourceTsMs])).toEqual([
      ['insert', 'shop.orders', { file: 'changes.jsonl', line: 1 }, 'changes.jsonl:1', 1000],
      ['insert', 'shop.orders', { file: 'changes.jsonl', line: 2 }, 'changes.jsonl:2', 2000],
      ['update', 'shop.orders', { file: 'changes.jsonl', line: 3 }, 'changes.jsonl:3', 3000],
      ['delete', 'shop.orders', { file: 'changes.jsonl', line: 4 }, 'changes.jsonl:4', 4000],
    ]);
    expect(events[2]!.before).toEqual({ id: 2n, qty: 2, note: null });
    expect(events[2]!.after).toEqual({ id: 2n, qty: 3, note: null });
    expect(events[3]!.after).toBeUndefined();
    expect(batches.map((b) => [b.phase, b.position, b.watermarkMs])).toEqual([
      ['snapshot', { file: 'changes.jsonl', line: 1 }, 1000],
      ['incremental', { file: 'changes.jsonl', line: 4 }, 4000],
    ]);
  });

  it('resuming after a position skips exactly the lines up to it', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => change('c', 'shop.orders', null, { id: i + 1 }));
    const file = writeLines(tempDir(), 'changes.jsonl', lines);
    const src = source({ path: file, batchMaxEvents: 7 });
    for (const after of [0, 1, 17, 49, 50, 60]) {
      const batches = await readAll(src, { file: 'changes.jsonl', line: after });
      const expected = Array.from({ length: Math.max(0, 50 - after) }, (_, i) => BigInt(after + i + 1));
      expect(ids(batches)).toEqual(expected);
      expect(batches.flatMap((b) => b.events.map((e) => e.position))).toEqual(expected.map((id) => ({ file: 'changes.jsonl', line: Number(id) })));
    }
    // Resuming from each batch's position continues exactly where it ended.
    const all = await readAll(src);
    for (const b of all) {
      const rest = await readAll(src, b.position);
      const last = b.events.at(-1)!.after!.id as bigint;
      expect(ids(rest)).toEqual(Array.from({ length: 50 - Number(last) }, (_, i) => last + BigInt(i) + 1n));
    }
  });

  it('lines resumed past are not parsed: a bad line before the position is not an error', async () => {
    const file = writeLines(tempDir(), 'changes.jsonl', ['{ not json', change('c', 'shop.orders', null, { id: 2 })]);
    expect(ids(await readAll(source({ path: file }), { file: 'changes.jsonl', line: 1 }))).toEqual([2n]);
  });

  it('reads a directory of *.jsonl files in name order and resumes across files', async () => {
    const dir = tempDir();
    writeLines(dir, '002.jsonl', [change('c', 'shop.orders', null, { id: 3 }), change('c', 'shop.orders', null, { id: 4 })]);
    writeLines(dir, '001.jsonl', [change('c', 'shop.orders', null, { id: 1 }), change('c', 'shop.orders', null, { id: 2 })]);
    writeLines(dir, 'notes.txt', ['ignored']);
    const src = source({ path: dir, batchMaxEvents: 3 });
    const batches = await readAll(src);
    expect(ids(batches)).toEqual([1n, 2n, 3n, 4n]);
    expect(batches.map((b) => b.position)).toEqual([{ file: '002.jsonl', line: 1 }, { file: '002.jsonl', line: 2 }]);
    expect(ids(await readAll(src, { file: '001.jsonl', line: 2 }))).toEqual([3n, 4n]);
    expect(ids(await readAll(src, { file: '002.jsonl', line: 1 }))).toEqual([4n]);
    expect(ids(await readAll(src, { file: '0015.jsonl', line: 7 }))).toEqual([3n, 4n]); // a file that is gone
  });

  it('orders positions by file name, then line', () => {
    const src = source({ path: 'x' });
    expect(src.comparePositions({ file: 'a.jsonl', line: 10 }, { file: 'b.jsonl', line: 1 })).toBeLessThan(0);
    expect(src.comparePositions({ file: 'b.jsonl', line: 2 }, { file: 'b.jsonl', line: 10 })).toBeLessThan(0);
    expect(src.comparePositions({ file: 'b.jsonl', line: 2 }, { file: 'b.jsonl', line: 2 })).toBe(0);
    expect(src.comparePositions({ file: 'b.jsonl', line: 1 }, { file: 'a.jsonl', line: 9 })).toBeGreaterThan(0);
    expect(() => src.comparePositions({ offset: 1 }, { file: 'a', line: 1 })).toThrow(/not a file source position/);
  });

  it('batches never mix snapshot reads with changes, and respect batchMaxEvents', async () => {
    const ops = 'rrrrrcucdrrrcrrrrrrrd'.split('') as ('r' | 'c' | 'u' | 'd')[];
    const file = writeLines(tempDir(), 'changes.jsonl', ops.map((op, i) => change(op, 'shop.orders', op === 'u' || op === 'd' ? { id: i } : null, op === 'd' ? null : { id: i }, 1000 + i)));
    const batches = await readAll(source({ path: file, batchMaxEvents: 4 }));
    for (const b of batches) {
      expect(b.events.length).toBeGreaterThan(0);
      expect(b.events.length).toBeLessThanOrEqual(4);
      const lines = b.events.map((e) => (e.position as { line: number }).line);
      const kinds = new Set(lines.map((l) => (ops[l - 1] === 'r' ? 'snapshot' : 'incremental')));
      expect([...kinds]).toEqual([b.phase]);
      expect(b.position).toEqual({ file: 'changes.jsonl', line: lines.at(-1) });
      expect(b.watermarkMs).toBe(1000 + lines.at(-1)! - 1); // max ts so far (ts grows with the line here)
    }
    expect(batches.flatMap((b) => b.events).length).toBe(ops.length);
    expect(batches.map((b) => `${b.phase[0]}${b.events.length}`).join(' ')).toBe('s4 s1 i4 s3 i1 s4 s3 i1');
  });

  it('watermark is the highest source time read so far, even when times go back', async () => {
    const file = writeLines(tempDir(), 'changes.jsonl', [5000, 3000, 9000, 4000].map((ts, i) => change('c', 'shop.orders', null, { id: i }, ts)));
    const batches = await readAll(source({ path: file, batchMaxEvents: 1 }));
    expect(batches.map((b) => b.watermarkMs)).toEqual([5000, 5000, 9000, 9000]);
  });

  it('skips blank lines and tombstones; handles CRLF, a BOM and a last line without newline', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'changes.jsonl');
    fs.writeFileSync(file, `\uFEFF${change('c', 'shop.orders', null, { id: 1 })}\r\n\r\n   \nnull\n{"schema":null,"payload":null}\n${change('c', 'shop.orders', null, { id: 2 })}`);
    const batches = await readAll(source({ path: file }));
    expect(ids(batches)).toEqual([1n, 2n]);
    expect(batches.at(-1)!.position).toEqual({ file: 'changes.jsonl', line: 6 });
  });

  it('accepts the {"schema", "payload"} wrapping and source.schema when there is no db', async () => {
    const payload = { before: null, after: { id: 1, qty: 5 }, source: { schema: 'shop', table: 'orders', ts_ms: 7 }, op: 'c' };
    const file = writeLines(tempDir(), 'changes.jsonl', [JSON.stringify({ schema: { type: 'struct', fields: [] }, payload })]);
    const [b] = await readAll(source({ path: file }));
    expect(b!.events[0]).toMatchObject({ table: 'shop.orders', op: 'insert', after: { id: 1n, qty: 5 }, sourceTsMs: 7 });
  });

  it('uses a Debezium schema block for types and encodings when no columns are declared', async () => {
    const schema = {
      type: 'struct',
      name: 'shop.shop.items.Envelope',
      fields: [
        {
          type: 'struct', optional: true, field: 'before', name: 'shop.shop.items.Value',
          fields: [],
        },
        {
          type: 'struct', optional: true, field: 'after', name: 'shop.shop.items.Value',
          fields: [
            { type: 'int64', optional: false, field: 'id' },
            { type: 'bytes', optional: true, field: 'price', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '2', 'connect.decimal.precision': '10' } },
            { type: 'int32', optional: true, field: 'day', name: 'io.debezium.time.Date' },
            { type: 'int64', optional: true, field: 'at', name: 'io.debezium.time.MicroTimestamp' },
            { type: 'int64', optional: true, field: 'at_ms', name: 'io.debezium.time.Timestamp' },
            { type: 'string', optional: true, field: 'zoned', name: 'io.debezium.time.ZonedTimestamp' },
            { type: 'array', optional: true, field: 'tags', items: { type: 'string', optional: false } },
          ],
        },
        { type: 'struct', optional: false, field: 'source', fields: [] },
        { type: 'string', optional: false, field: 'op' },
      ],
    };
    // price 12345.67 -> unscaled 1234567 = 0x12D687 -> base64 "EtaH"
    const payload = {
      before: null,
      after: { id: 1, price: 'EtaH', day: 19000, at: 1_700_000_000_123_456, at_ms: 1_700_000_000_123, zoned: '2023-11-14T22:13:20.5Z', tags: ['a'] },
      source: { db: 'shop', table: 'items', ts_ms: 1 },
      op: 'c',
    };
    const file = writeLines(tempDir(), 'changes.jsonl', [JSON.stringify({ schema, payload })]);
    const src = new FileChangelogSource({ path: file, tables: [{ name: 'shop.items', primaryKey: ['id'] }] });
    expect(await src.discover()).toEqual([{
      name: 'shop.items',
      primaryKey: ['id'],
      columns: [
        { name: 'id', type: { kind: 'long' }, nullable: false },
        { name: 'price', type: { kind: 'decimal', precision: 10, scale: 2 }, nullable: true },
        { name: 'day', type: { kind: 'date' }, nullable: true },
        { name: 'at', type: { kind: 'timestamp' }, nullable: true },
        { name: 'at_ms', type: { kind: 'timestamp' }, nullable: true },
        { name: 'zoned', type: { kind: 'timestamptz' }, nullable: true },
        { name: 'tags', type: { kind: 'list', elementId: 0, elementRequired: true, element: { kind: 'string' } }, nullable: true },
      ],
    }]);
    const [b] = await readAll(src);
    expect(b!.events[0]!.after).toEqual({
      id: 1n, price: 1234567n, day: 19000, at: 1_700_000_000_123_456n, at_ms: 1_700_000_000_123_000n,
      zoned: 1_700_000_000_500_000n, tags: ['a'],
    });
  });

  it('discover returns the configured tables, regex matches found in the file, and fails clearly without columns', async () => {
    const dir = tempDir();
    writeLines(dir, 'changes.jsonl', [
      change('c', 'shard_1.orders', null, { id: 1 }),
      change('c', 'shard_2.orders', null, { id: 2 }),
      change('c', 'shop.orders', null, { id: 3 }),
    ]);
    const src = new FileChangelogSource({
      path: dir,
      tables: [ORDERS, { name: /^shard_\d+\.orders$/, columns: ORDERS.columns, primaryKey: ['id'] }],
    });
    expect((await src.discover()).map((t) => t.name)).toEqual(['shop.orders', 'shard_1.orders', 'shard_2.orders']);
    expect(ids(await readAll(src))).toEqual([1n, 2n, 3n]);
    const bare = new FileChangelogSource({ path: dir, tables: [{ name: 'shop.orders', primaryKey: [] }] });
    await expect(bare.discover()).rejects.toThrow(ConfigError);
    await expect(bare.discover()).rejects.toThrow('table shop.orders: no columns declared and no Debezium schema block for it');
  });

  it('createFileSource wires a pipeline config (paths relative to cwd)', async () => {
    const dir = tempDir();
    writeLines(dir, 'in.jsonl', [change('c', 'shop.orders', null, { id: 1, qty: 2 }), '{bad']);
    const config = parsePipelineConfig(`
pipeline-id: p
source: { type: file, path: in.jsonl }
tables:
  - source: shop.orders
    key-columns: [id]
    columns: [{ name: id, type: long }, { name: qty, type: int }]
target: { warehouse: wh, namespace: demo }
on-error: { mode: dead-letter, dead-letter-path: out/dead.jsonl }
`, 'p.yaml', {});
    const src = createFileSource(config, { cwd: dir });
    expect(await src.discover()).toEqual([{ name: 'shop.orders', primaryKey: ['id'], columns: [
      { name: 'id', type: { kind: 'long' }, nullable: false },
      { name: 'qty', type: { kind: 'int' }, nullable: true },
    ] }]);
    expect(ids(await readAll(src))).toEqual([1n]);
    await src.close();
    expect(fs.readFileSync(path.join(dir, 'out/dead.jsonl'), 'utf8')).toContain('"raw":"{bad"');
  });

  it('quickstart example: discovers both tables and reads every line', async () => {
    const config = parsePipelineConfig(fs.readFileSync('examples/quickstart.yaml', 'utf8'), 'quickstart.yaml', {});
    const src = createFileSource(config);
    expect((await src.discover()).map((t) => [t.name, t.primaryKey])).toEqual([['shop.orders', ['id']], ['shop.events', []]]);
    const batches = await readAll(src);
    const lineCount = fs.readFileSync('examples/quickstart-changes.jsonl', 'utf8').trim().split('\n').length;
    expect(batches.flatMap((b) => b.events)).toHaveLength(lineCount);
    expect(batches[0]!.phase).toBe('snapshot');
    expect(batches.at(-1)!.phase).toBe('incremental');
  });

  it('follow mode yields appended lines and new files until aborted', async () => {
    const dir = tempDir();
    writeLines(dir, 'a.jsonl', [change('c', 'shop.orders', null, { id: 1 })]);
    const src = source({ path: dir, pollIntervalMs: 10 });
    const ctrl = new AbortController();
    const seen: bigint[] = [];
    const reading = (async () => {
      for await (const b of src.read(undefined, { signal: ctrl.signal, untilDrained: false })) {
        if (b.events.length === 0) continue; // idle batches carry the watermark only
        seen.push(...ids([b]));
        if (seen.length === 1) {
          // A half-written line is not read until its newline arrives.
          fs.appendFileSync(path.join(dir, 'a.jsonl'), change('c', 'shop.orders', null, { id: 2 }).slice(0, 20));
          setTimeout(() => fs.appendFileSync(path.join(dir, 'a.jsonl'), `${change('c', 'shop.orders', null, { id: 2 }).slice(20)}\n`), 50);
        }
        if (seen.length === 2) writeLines(dir, 'b.jsonl', [change('c', 'shop.orders', null, { id: 3 })]);
        if (seen.length === 3) ctrl.abort();
      }
    })();
    await reading;
    expect(seen).toEqual([1n, 2n, 3n]);
  });

  it('follow mode: when drained, empty batches carry the watermark forward to now', async () => {
    const dir = tempDir();
    writeLines(dir, 'a.jsonl', [change('c', 'shop.orders', null, { id: 1 })]);
    const src = source({ path: dir, pollIntervalMs: 10 });
    const ctrl = new AbortController();
    const before = Date.now();
    const batches = [];
    for await (const b of src.read(undefined, { signal: ctrl.signal, untilDrained: false })) {
      batches.push(b);
      if (batches.length === 3) ctrl.abort();
    }
    expect(batches[0]!.events).toHaveLength(1);
    expect(batches[1]!.events).toHaveLength(0);
    expect(batches[1]!.position).toEqual(batches[0]!.position);
    expect(batches[1]!.watermarkMs).toBeGreaterThanOrEqual(before);
    expect(batches[2]!.watermarkMs).toBeGreaterThanOrEqual(batches[1]!.watermarkMs!);
  });
});
