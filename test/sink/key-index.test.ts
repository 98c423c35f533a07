import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compactTable } from '../../manager/compaction/compact-table.js';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { LocalFileIO } from '../../src/io/local-file-io.js';
import { scanTable } from '../../src/iceberg/read/table-scan.js';
import type { PartitionSpec } from '../../src/iceberg/spec/partition-spec.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { primitive } from '../../src/iceberg/spec/types.js';
import type { Table } from '../../src/iceberg/table.js';
import { PackedStrings } from '../../src/parquet/index.js';
import type { Logger } from '../../src/logging/logger.js';
import type { ChangeEvent } from '../../src/sink/change-event.js';
import { decodeKeyIndexCheckpoint, writeKeyIndexCheckpoint } from '../../src/sink/key-index-checkpoint.js';
import { newKeyTable, type KeyTable } from '../../src/sink/key-index.js';
import { TableWriter } from '../../src/sink/table-writer.js';
import { useTempDir } from '../support/temp-dir.js';

/** What a KeyTable holds, entry by entry, as strings (key -> "file:pos"). */
function contents(t: KeyTable, decode: (k: Uint8Array) => string): Map<string, string> {
  const out = new Map<string, string>();
  t.forEach((k, file, pos) => out.set(decode(k), `${file}:${pos}`));
  return out;
}
const hex = (k: Uint8Array) => Buffer.from(k).toString('hex');

describe('KeyTable (the index hash tables)', () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), k: fc.integer({ min: 0, max: 300 }), file: fc.nat(20), pos: fc.nat(1000) }),
    fc.record({ kind: fc.constant('remove' as const), k: fc.integer({ min: 0, max: 300 }) }),
    fc.record({ kind: fc.constant('dropFile' as const), file: fc.nat(20) }),
  );
  const layouts = [
    { name: 'single long key', long: true, key: (k: number) => [BigInt(k) * -7_919_000_000_001n] },
    { name: 'composite (string, int) key', long: false, key: (k: number) => [`customer-${k % 17}`, k] },
  ];
  for (const l of layouts) {
    it(`${l.name}: random sets, removes and removeWhere agree with a Map, through growth`, () => {
      fc.assert(
        fc.property(fc.array(op, { maxLength: 3000 }), (ops) => {
          const t = newKeyTable(l.long);
          const model = new Map<number, { file: number; pos: number }>();
          for (const o of ops) {
            if (o.kind === 'set') {
              t.set(l.key(o.k), o.file, o.pos);
              model.set(o.k, { file: o.file, pos: o.pos });
            } else if (o.kind === 'remove') {
              expect(t.remove(l.key(o.k))).toBe(model.delete(o.k));
            } else {
              const n = t.removeWhere((file) => file === o.file);
              let m = 0;
              for (const [k, v] of model) if (v.file === o.file && model.delete(k)) m++;
              expect(n).toBe(m);
            }
          }
          expect(t.size).toBe(model.size);
          for (let k = 0; k <= 300; k++) {
            const slot = t.find(l.key(k));
            const want = model.get(k);
            if (!want) expect(slot).toBe(-1);
            else expect([t.fileAt(slot), t.posAt(slot)]).toEqual([want.file, want.pos]);
          }
        }),
        { numRuns: 60 },
      );
    });
  }

  it('setColumns indexes consecutive positions; 100k keys grow the table and stay findable', () => {
    const t = newKeyTable(true);
    const ids = new BigInt64Array(100_000).map((_, i) => BigInt(i) * 31n);
    t.setColumns([ids], 0, ids.length, 3, 10);
    expect(t.size).toBe(100_000);
    for (const i of [0, 1, 4_999, 99_999]) {
      const slot = t.find([BigInt(i) * 31n]);
      expect([t.fileAt(slot), t.posAt(slot)]).toEqual([3, 10 + i]);
    }
    expect(t.find([1n])).toBe(-1);
    expect(t.bytes / t.size).toBeLessThanOrEqual(32);
    const s = newKeyTable(false);
    const names = new PackedStrings(new TextEncoder().encode('abba'), Int32Array.from([0, 1, 3, 4]));
    s.setColumns([names], 0, 3, 1, 0);
    expect(s.size).toBe(2); // the later 'a' replaced the first
    const slot = s.find(['a']);
    expect(s.posAt(slot)).toBe(2);
  });

  for (const long of [true, false]) {
    it(`filesInUse and renumberFiles (${long ? 'long' : 'encoded'} keys): a compacted file list keeps every entry's row`, () => {
      const t = newKeyTable(long);
      const key = (i: number) => (long ? [BigInt(i)] : [`k${i}`]);
      for (let i = 0; i < 50; i++) t.set(key(i), i % 5, i);
      for (let i = 2; i < 50; i += 5) t.remove(key(i)); // file 2 is empty now
      expect([...t.filesInUse(6)]).toEqual([1, 1, 0, 1, 1, 0]);
      t.renumberFiles(Int32Array.from([0, 1, -1, 2, 3]));
      for (let i = 0; i < 50; i++) {
        const slot = t.find(key(i));
        if (i % 5 === 2) expect(slot).toBe(-1);
        else expect([t.fileAt(slot), t.posAt(slot)]).toEqual([[0, 1, -1, 2, 3][i % 5], i]);
      }
    });
  }

  it('a row position beyond uint32 is refused with a clear error', () => {
    expect(() => newKeyTable(true).set([1n], 0, 2 ** 32)).toThrow(/row position .* is beyond/);
  });
});

describe('key index checkpoint', () => {
  const tempDir = useTempDir();
  for (const long of [true, false]) {
    it(`round-trips every entry and the file list (${long ? 'long' : 'encoded'} keys); a damaged file is refused`, async () => {
      const t = newKeyTable(long);
      for (let i = 0; i < 5000; i++) t.set(long ? [BigInt(i) << 33n] : [`k${i}`, i], i % 7, i * 3);
      const loc = path.join(tempDir(), 'cp.bin');
      const io = new LocalFileIO();
      await writeKeyIndexCheckpoint(io, loc, long, ['a.parquet', 'b.parquet', 'c', 'd', 'e', 'f', 'g'], t);
      const cp = decodeKeyIndexCheckpoint(await io.read(loc), loc, long);
      expect(cp.paths).toHaveLength(7);
      const back = newKeyTable(long);
      cp.forEachEntry((k, file, pos) => back.setEncoded(k, file, pos));
      expect(contents(back, hex)).toEqual(contents(t, hex));
      const bytes = await io.read(loc);
      expect(() => decodeKeyIndexCheckpoint(bytes.subarray(0, bytes.length - 5), loc, long).forEachEntry(() => undefined)).toThrow(/cp\.bin: truncated/);
      expect(() => decodeKeyIndexCheckpoint(bytes, loc, !long)).toThrow(/cp\.bin/);
    });
  }
});

// --- the sink with the index: the three shapes of issue 17 on a day(order_date) table ---

const ordersSchema = new Schema(0, [
  { id: 1, name: 'id', required: true, type: primitive('long') },
  { id: 2, name: 'order_date', required: false, type: primitive('date') },
  { id: 3, name: 'purchaser', required: false, type: primitive('long') },
  { id: 4, name: 'quantity', required: false, type: primitive('int') },
], [1]);
const byDay: PartitionSpec = { specId: 0, fields: [{ sourceId: 2, fieldId: 1000, name: 'order_date_day', transform: { kind: 'day' } }] };
const D = (iso: string) => Math.round(Date.parse(`${iso}T00:00:00Z`) / 86_400_000);
type Order = { id: bigint; order_date: number; purchaser: bigint; quantity: number };
const order = (id: number, date: string, quantity = 1): Order => ({ id: BigInt(id), order_date: D(date), purchaser: 1001n, quantity });

let lineNo = 0;
const ev = (op: ChangeEvent['op'], before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined): ChangeEvent => ({
  table: 'inventory.orders', op, ...(before ? { before } : {}), ...(after ? { after } : {}), position: { line: ++lineNo }, sourceTsMs: lineNo, origin: `orders.jsonl:${lineNo}`,
});

async function rowsOf(t: Table): Promise<string[]> {
  const out: string[] = [];
  for await (const b of scanTable(t)) for (const r of b) out.push(`${r['id']}|${r['order_date']}|${r['quantity']}`);
  return out.sort();
}
const expected = (os: Order[]) => os.map((o) => `${o.id}|${o.order_date}|${o.quantity}`).sort();

async function deleteFileKinds(t: Table): Promise<string[]> {
  const kinds = new Set<string>();
  for (const task of await t.planFiles()) for (const d of task.deletes) kinds.add(d.file.content);
  return [...kinds].sort();
}

describe('TableWriter with the key index (partitioned by day(order_date))', () => {
  const tempDir = useTempDir();
  const newTable = async (wh = tempDir()) => new FilesystemCatalog(wh).createTable({ namespace: ['inventory'], name: 'orders' }, { schema: ordersSchema, spec: byDay });
  const open = (t: Table, every = 10) => TableWriter.open(t, { pipelineId: 'pg', mode: 'upsert', keyIndex: { checkpointEveryCommits: every } });
  const seed = [order(10001, '2016-01-16', 1), order(10002, '2016-01-17', 2), order(10003, '2016-02-19', 2), order(10004, '2016-02-21', 1)];

  async function seeded(every = 10): Promise<{ t: Table; w: TableWriter }> {
    const t = await newTable();
    const w = await open(t, every);
    await w.write(seed.map((o) => ev('insert', undefined, o)), 'snapshot');
    await w.commit({ position: { line: lineNo }, phase: 'snapshot' });
    return { t, w };
  }

  it('(a) a delete whose before-image holds the key and defaults (REPLICA IDENTITY DEFAULT) removes the row', async () => {
    const { t, w } = await seeded();
    await w.write([ev('delete', { id: 10002n, order_date: 0, purchaser: 0n, quantity: 0 }, undefined)], 'incremental');
    const stats = await w.commit({ position: { line: lineNo }, phase: 'incremental' });
    expect(stats).toMatchObject({ positionDeletes: 1, equalityDeletes: 0 });
    expect(await rowsOf(t)).toEqual(expected(seed.filter((o) => o.id !== 10002n)));
    expect(await deleteFileKinds(t)).toEqual(['position-deletes']);
  });

  it('(b) a key-only before-image (binlog_row_image=MINIMAL) removes the row from its real partition', async () => {
    const { t, w } = await seeded();
    await w.write([ev('delete', { id: 10003n }, undefined)], 'incremental');
    await w.commit({ position: { line: lineNo }, phase: 'incremental' });
    expect(await rowsOf(t)).toEqual(expected(seed.filter((o) => o.id !== 10003n)));
    const deletes = (await t.planFiles()).flatMap((task) => task.deletes);
    expect(deletes.map((d) => d.file.partition)).toEqual([[D('2016-02-19')]]);
  });

  it('(c) a key-only update that moves the row to another day leaves one live row', async () => {
    const { t, w } = await seeded();
    const moved = order(10001, '2016-03-01', 5);
    await w.write([ev('update', { id: 10001n }, moved)], 'incremental');
    await w.commit({ position: { line: lineNo }, phase: 'incremental' });
    expect(await rowsOf(t)).toEqual(expected([moved, ...seed.slice(1)]));
  });

  it('a delete of a key never written writes nothing; repeated changes in one commit drop in-flight rows', async () => {
    const { t, w } = await seeded();
    await w.write([ev('delete', { id: 999n }, undefined), ev('insert', undefined, order(20000, '2016-04-01')), ev('update', { id: 20000n }, order(20000, '2016-04-02', 7)), ev('delete', { id: 20000n }, undefined)], 'incremental');
    const stats = await w.commit({ position: { line: lineNo }, phase: 'incremental' });
    expect(stats).toMatchObject({ rows: 2, positionDeletes: 2, equalityDeletes: 0 });
    expect(await rowsOf(t)).toEqual(expected(seed));
  });

  it('a restart loads the checkpoint and replays the commits after it; without one it rebuilds; both stay exact', async () => {
    const { t, w } = await seeded(2);
    await w.write([ev('update', { id: 10001n }, order(10001, '2016-01-16', 9))], 'incremental');
    await w.commit({ position: { line: lineNo }, phase: 'incremental' }); // commit 2: checkpoint
    await w.write([ev('update', { id: 10002n }, order(10002, '2016-05-05', 3))], 'incremental');
    await w.commit({ position: { line: lineNo }, phase: 'incremental' }); // replayed on load
    expect(t.currentSnapshot()!.summary['icetide.key-index']).toBeUndefined();
    expect(t.snapshots().some((s) => s.summary['icetide.key-index'] !== undefined)).toBe(true);
    const recorder = (into: string[]): Logger => ({ info: (m) => void into.push(m), warn: (m) => void into.push(m), error: (m) => void into.push(m) });
    const logs: string[] = [];
    const log = recorder(logs);
    const reloaded = await new FilesystemCatalog(path.dirname(path.dirname(t.location))).loadTable({ namespace: ['inventory'], name: 'orders' });
    const w2 = await TableWriter.open(reloaded, { pipelineId: 'pg', mode: 'upsert', keyIndex: { checkpointEveryCommits: 2 }, log });
    expect(logs).toContain('key index loaded');
    expect(w2.keyIndex!.size).toBe(4);
    await w2.write([ev('delete', { id: 10002n }, undefined), ev('delete', { id: 10001n }, undefined)], 'incremental');
    await w2.commit({ position: { line: lineNo }, phase: 'incremental' });
    expect(await rowsOf(reloaded)).toEqual(expected(seed.slice(2)));
    // the checkpoint gone: rebuilt from the data files with their deletes applied
    for (const s of reloaded.snapshots()) if (s.summary['icetide.key-index']) fs.rmSync(s.summary['icetide.key-index'].replace(/^file:\/\//, ''), { force: true });
    const logs3: string[] = [];
    const log3 = recorder(logs3);
    const w3 = await TableWriter.open(await reloaded.refresh(), { pipelineId: 'pg', mode: 'upsert', keyIndex: { checkpointEveryCommits: 2 }, log: log3 });
    expect(logs3).toContain('key index rebuilt from the data files');
    expect(w3.keyIndex!.size).toBe(2);
    await w3.write([ev('delete', { id: 10004n }, undefined)], 'incremental');
    await w3.commit({ position: { line: lineNo }, phase: 'incremental' });
    expect(await rowsOf(reloaded)).toEqual(expected([seed[2]!]));
  });

  it('compaction between commits: the index follows the rewrite and deletes land on the new files by position', async () => {
    const t = await newTable();
    const w = await open(t);
    for (let c = 0; c < 3; c++) {
      await w.write([ev('insert', undefined, order(c * 2, '2016-01-16', c)), ev('insert', undefined, order(c * 2 + 1, '2016-01-17', c))], 'incremental');
      await w.commit({ position: { line: lineNo }, phase: 'incremental' });
    }
    const other = await new FilesystemCatalog(path.dirname(path.dirname(t.location))).loadTable({ namespace: ['inventory'], name: 'orders' });
    const report = await compactTable(other, { decodeWorkers: 0 });
    expect(report.commits.length).toBeGreaterThan(0);
    await t.refresh();
    await w.write([ev('delete', { id: 0n }, undefined), ev('update', { id: 3n }, order(3, '2016-01-18', 42))], 'incremental');
    const stats = await w.commit({ position: { line: lineNo }, phase: 'incremental' });
    expect(stats).toMatchObject({ positionDeletes: 2, equalityDeletes: 0 });
    expect(await rowsOf(t)).toEqual(expected([order(1, '2016-01-17', 0), order(2, '2016-01-16', 1), order(3, '2016-01-18', 42), order(4, '2016-01-16', 2), order(5, '2016-01-17', 2)]));
  });

  it('a compaction that commits while the writer holds position deletes on the files it rewrote: the commit retries with equality deletes', async () => {
    const t = await newTable();
    const w = await open(t);
    for (let c = 0; c < 3; c++) {
      await w.write([ev('insert', undefined, order(c, '2016-01-16', c))], 'incremental');
      await w.commit({ position: { line: lineNo }, phase: 'incremental' });
    }
    await w.write([ev('delete', { id: 0n }, undefined), ev('update', { id: 1n }, order(1, '2016-02-01', 11))], 'incremental');
    const other = await new FilesystemCatalog(path.dirname(path.dirname(t.location))).loadTable({ namespace: ['inventory'], name: 'orders' });
    expect((await compactTable(other, { decodeWorkers: 0 })).commits.length).toBeGreaterThan(0);
    const stats = await w.commit({ position: { line: lineNo }, phase: 'incremental' });
    expect(stats).toMatchObject({ positionDeletes: 0, equalityDeletes: 2 });
    expect(await rowsOf(t)).toEqual(expected([order(1, '2016-02-01', 11), order(2, '2016-01-16', 2)]));
    // the index learnt the rewrite: the next delete goes by position into the compacted file
    await w.write([ev('delete', { id: 2n }, undefined)], 'incremental');
    expect(await w.commit({ position: { line: lineNo }, phase: 'incremental' })).toMatchObject({ positionDeletes: 1, equalityDeletes: 0 });
    expect(await rowsOf(t)).toEqual(expected([order(1, '2016-02-01', 11)]));
  });

  it('a failed write invalidates the index; the next write rebuilds it from the table', async () => {
    const { t, w } = await seeded();
    await expect(w.write([ev('delete', { id: 10001n }, undefined), ev('insert', undefined, { id: null, order_date: 1 })], 'incremental')).rejects.toThrow(/key column id/);
    await w.abort();
    expect(w.keyIndex!.isValid).toBe(false);
    await w.write([ev('delete', { id: 10004n }, undefined)], 'incremental');
    await w.commit({ position: { line: lineNo }, phase: 'incremental' });
    expect(await rowsOf(t)).toEqual(expected(seed.slice(0, 3)));
  });

  it('checkpoint-interval (a fake clock): a checkpoint after the interval before N commits, none while nothing changed, one on a clean stop', async () => {
    const t = await newTable();
    let now = 0;
    const w = await TableWriter.open(t, { pipelineId: 'pg', mode: 'upsert', keyIndex: { checkpointEveryCommits: 100, checkpointIntervalMs: 60_000 }, clock: () => now });
    const commitOne = async (o: Order) => {
      await w.write([ev('insert', undefined, o)], 'incremental');
      return (await w.commit({ position: { line: lineNo }, phase: 'incremental' }))!.snapshot.summary['icetide.key-index'];
    };
    expect(await commitOne(order(1, '2016-01-01'))).toBeUndefined();
    now = 61_000;
    expect(await commitOne(order(2, '2016-01-02'))).toBeDefined(); // the interval passed
    now = 62_000;
    expect(await commitOne(order(3, '2016-01-03'))).toBeUndefined();
    expect(await w.checkpointOnStop()).toBeDefined(); // changed since: a metadata-only commit carries it
    expect(t.currentSnapshot()!.summary['icetide.key-index']).toBeDefined();
    expect(await w.checkpointOnStop()).toBeUndefined(); // nothing changed since
    now = 500_000;
    expect(await w.commit({ position: { line: lineNo }, phase: 'incremental', force: true })).toBeDefined();
    expect(t.currentSnapshot()!.summary['icetide.key-index']).toBeUndefined(); // due, but nothing to add
  });
});
