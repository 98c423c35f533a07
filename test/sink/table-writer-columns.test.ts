import { describe, expect, it } from 'vitest';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { ValidationError } from '../../src/errors.js';
import { scanTable } from '../../src/iceberg/read/table-scan.js';
import type { PartitionSpec } from '../../src/iceberg/spec/partition-spec.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { decimal, primitive } from '../../src/iceberg/spec/types.js';
import type { Table } from '../../src/iceberg/table.js';
import { PackedBinary, PackedStrings } from '../../src/parquet/index.js';
import type { InsertColumns } from '../../src/sink/change-event.js';
import { coerceColumns, gatherRows } from '../../src/sink/column-values.js';
import { firstUncommitted, insertEvents, rowAt, withConstantColumns } from '../../src/sink/insert-columns.js';
import { TableWriter } from '../../src/sink/table-writer.js';
import { query } from '../parquet/helpers.js';
import { useTempDir } from '../support/temp-dir.js';

const schema = new Schema(0, [
  { id: 1, name: 'id', required: true, type: primitive('long') },
  { id: 2, name: 'n', required: false, type: primitive('int') },
  { id: 3, name: 'x', required: false, type: primitive('double') },
  { id: 4, name: 'amount', required: false, type: decimal(12, 2) },
  { id: 5, name: 'name', required: false, type: primitive('string') },
  { id: 6, name: 'raw', required: false, type: primitive('binary') },
  { id: 7, name: 'day', required: false, type: primitive('date') },
  { id: 8, name: 'ts', required: false, type: primitive('timestamptz') },
], [1]);

/** Values packed as the MySQL full load hands them over (nulls as empty values). */
function packed<T extends PackedStrings | PackedBinary>(make: new (b: Uint8Array, o: Int32Array) => T, values: readonly (string | Uint8Array)[], nulls: Uint8Array): T {
  const parts = values.map((v, i) => (nulls[i] ? new Uint8Array(0) : typeof v === 'string' ? Buffer.from(v, 'utf8') : v));
  const offsets = new Int32Array(parts.length + 1);
  parts.forEach((b, i) => (offsets[i + 1] = offsets[i]! + b.length));
  return new make(new Uint8Array(Buffer.concat(parts)), offsets);
}

/**
 * Rows [from, from + n) of a deterministic page, every 7th value null; `pack`: strings and
 * binaries packed (PackedStrings, PackedBinary) rather than as arrays of values.
 */
function page(from: number, n: number, pack = false): InsertColumns {
  const nullEvery7 = Uint8Array.from({ length: n }, (_, i) => ((from + i) % 7 === 3 ? 1 : 0));
  const names = Array.from({ length: n }, (_, i) => `name ${from + i} ${i % 3 ? '😀' : 'é'}`);
  const raws = Array.from({ length: n }, (_, i) => new Uint8Array([(from + i) & 0xff, 1, 2]));
  return {
    table: 'db.t',
    length: n,
    columns: {
      id: BigInt64Array.from({ length: n }, (_, i) => BigInt(from + i)),
      n: Int32Array.from({ length: n }, (_, i) => (from + i) % 5),
      x: Float64Array.from({ length: n }, (_, i) => (from + i) / 3),
      amount: BigInt64Array.from({ length: n }, (_, i) => BigInt((from + i) * 101 - 5000)),
      name: pack ? packed(PackedStrings, names, nullEvery7) : names,
      raw: pack ? packed(PackedBinary, raws, nullEvery7) : raws,
      day: Int32Array.from({ length: n }, (_, i) => 19000 + ((from + i) % 40)),
      ts: BigInt64Array.from({ length: n }, (_, i) => 1_700_000_000_000_000n + BigInt(from + i)),
    },
    nulls: { n: nullEvery7, name: nullEvery7, raw: nullEvery7, ts: nullEvery7 },
    sourceTsMs: 1,
    origin: 'test page',
    positionOf: (i) => from + i,
  };
}

async function rows(t: Table): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const b of scanTable(t)) out.push(...b);
  return out.sort((a, b) => Number((a.id as bigint) - (b.id as bigint)));
}

const byDayAndN: PartitionSpec = { specId: 0, fields: [{ sourceId: 7, fieldId: 1000, name: 'day_month', transform: { kind: 'month' } }, { sourceId: 2, fieldId: 1001, name: 'n', transform: { kind: 'identity' } }] };
/** Transforms of string and binary values (computed from packed values one at a time): 6 partitions. */
const byNameAndRaw: PartitionSpec = { specId: 0, fields: [{ sourceId: 5, fieldId: 1000, name: 'name_bucket', transform: { kind: 'bucket', n: 3 } }, { sourceId: 6, fieldId: 1001, name: 'raw_bucket', transform: { kind: 'bucket', n: 2 } }] };

describe('column-wise inserts (a full load) write what the same insert events write', () => {
  const tempDir = useTempDir();

  // [case, spec, packed strings and binaries, files at least (partitions; unpartitioned: rolled at 64 KiB)]
  const cases = [
    ['unpartitioned', undefined, false, 3], ['partitioned by month(day), identity(n)', byDayAndN, false, 12],
    ['packed strings and binaries', undefined, true, 3], ['packed, partitioned by bucket[3](name), bucket[2](raw)', byNameAndRaw, true, 6],
  ] as const;
  for (const [name, spec, pack, minFiles] of cases) {
    it(`${name}: same rows, DuckDB reads every file, rolling at the target file size`, async () => {
      const catalog = new FilesystemCatalog(tempDir());
      const props = { 'write.target-file-size-bytes': String(64 * 1024), 'write.parquet.row-group-size-bytes': String(32 * 1024) };
      const a = await catalog.createTable({ namespace: ['d'], name: 'columns' }, { schema, ...(spec ? { spec } : {}), properties: props });
      const b = await catalog.createTable({ namespace: ['d'], name: 'events' }, { schema, ...(spec ? { spec } : {}), properties: props });
      const wa = await TableWriter.open(a, { pipelineId: 'p', mode: 'append' });
      const wb = await TableWriter.open(b, { pipelineId: 'p', mode: 'append' });
      for (let from = 0; from < 30_000; from += 10_000) {
        await wa.writeInserts(page(from, 10_000, pack), 0, 10_000, 'snapshot');
        await wb.write(insertEvents(page(from, 10_000)), 'snapshot');
      }
      await wa.commit({ position: 1, phase: 'snapshot' });
      await wb.commit({ position: 1, phase: 'snapshot' });
      const ra = await rows(a);
      expect(ra.length).toBe(30_000);
      expect(ra).toEqual(await rows(b));
      const files = await a.planFiles();
      expect(files.length).toBeGreaterThanOrEqual(minFiles);
      for (const task of files) {
        const [r] = await query(`SELECT count(*) AS n, min(id) AS lo, max(id) AS hi FROM read_parquet('${task.file.filePath}')`);
        expect(BigInt(r!['n'] as bigint)).toBe(task.file.recordCount);
        if (spec === byDayAndN) {
          // every row of a file is in that file's partition
          const [p] = await query(`SELECT count(DISTINCT n) AS k FROM read_parquet('${task.file.filePath}')`);
          expect(Number(p!['k'])).toBeLessThanOrEqual(1);
        }
      }
      // the bounds (UTF-8 byte order, truncated) and the partition values are the ones the events gave
      const summary = async (t: Table) => (await t.planFiles()).map((f) => ({ p: f.file.partition, n: f.file.recordCount, lo: f.file.lowerBounds, hi: f.file.upperBounds })).sort((x, y) => JSON.stringify(x.p).localeCompare(JSON.stringify(y.p)) || Number(x.n - y.n));
      if (spec) expect(await summary(a)).toEqual(await summary(b));
    });
  }

  it('a snapshot into an upsert table puts every key into the key filter (later upserts delete them)', async () => {
    const t = await new FilesystemCatalog(tempDir()).createTable({ namespace: ['d'], name: 'up' }, { schema, properties: { 'format-version': '2' } });
    const w = await TableWriter.open(t, { pipelineId: 'p', mode: 'upsert', keyFilter: { expectedKeys: 1000, fpp: 0.01, checkpointEveryCommits: 10 } });
    const p = page(0, 5000);
    await w.writeInserts(p, 1000, 5000, 'snapshot');
    await w.commit({ position: 5000, phase: 'snapshot' });
    for (let id = 1000; id < 5000; id += 97) expect(w.keyFilter!.mightContain([BigInt(id)])).toBe(true);
    // An update of a snapshot key is an equality delete, not a skipped one.
    await w.write([{ table: 'db.t', op: 'update', before: rowAt(p, 1500), after: { ...rowAt(p, 1500), name: 'changed' }, position: 6000, sourceTsMs: 2 }], 'incremental');
    const stats = await w.commit({ position: 6000, phase: 'incremental' });
    expect(stats!.equalityDeletes).toBe(1);
    const all = await rows(t);
    expect(all.length).toBe(4000);
    expect(all.find((r) => r.id === 1500n)!.name).toBe('changed');
  });

  it('upserts outside the snapshot phase take the rows as events (keys and locations per row)', async () => {
    const t = await new FilesystemCatalog(tempDir()).createTable({ namespace: ['d'], name: 'up2' }, { schema, properties: { 'format-version': '2' } });
    const w = await TableWriter.open(t, { pipelineId: 'p', mode: 'upsert', keyFilter: false });
    await w.writeInserts(page(0, 100), 0, 100, 'incremental');
    await w.writeInserts(page(50, 100), 0, 100, 'incremental');
    const stats = await w.commit({ position: 1, phase: 'incremental' });
    expect(stats!.positionDeletes).toBe(50); // ids 50..99 rewritten in the same commit
    expect((await rows(t)).length).toBe(150);
  });

  it('a snapshot with a packed string key: every key into the key filter; a null key is an error', async () => {
    const s = new Schema(0, [{ id: 1, name: 'k', required: true, type: primitive('string') }, { id: 2, name: 'v', required: false, type: primitive('int') }], [1]);
    const t = await new FilesystemCatalog(tempDir()).createTable({ namespace: ['d'], name: 'sk' }, { schema: s, properties: { 'format-version': '2' } });
    const w = await TableWriter.open(t, { pipelineId: 'p', mode: 'upsert', keyFilter: { expectedKeys: 1000, fpp: 0.001, checkpointEveryCommits: 10 } });
    const keys = Array.from({ length: 500 }, (_, i) => `key ${i} ✓`);
    const none = new Uint8Array(500);
    const ins: InsertColumns = { table: 'db.sk', length: 500, columns: { k: packed(PackedStrings, keys, none), v: Int32Array.from(keys, (_, i) => i) }, sourceTsMs: 0, origin: 'snapshot db.sk', positionOf: (i) => i };
    await w.writeInserts(ins, 0, 500, 'snapshot');
    await w.commit({ position: 500, phase: 'snapshot' });
    for (const k of keys) expect(w.keyFilter!.mightContain([k])).toBe(true);
    const withNull: InsertColumns = { ...ins, nulls: { k: Uint8Array.from(keys, (_, i) => (i === 7 ? 1 : 0)) } };
    await expect(w.writeInserts(withNull, 0, 500, 'snapshot')).rejects.toThrow(/snapshot db\.sk: db\.sk: key column k is missing or null/);
  });

  it('a null key in an upsert table is an error naming the column and where the row came from', async () => {
    const t = await new FilesystemCatalog(tempDir()).createTable({ namespace: ['d'], name: 'nk' }, { schema: new Schema(0, [{ id: 1, name: 'k', required: false, type: primitive('int') }, { id: 2, name: 'v', required: false, type: primitive('int') }], [1]), properties: { 'format-version': '2' } });
    const w = await TableWriter.open(t, { pipelineId: 'p', mode: 'upsert', keyFilter: { expectedKeys: 10, fpp: 0.01, checkpointEveryCommits: 10 } });
    const ins: InsertColumns = { table: 'db.nk', length: 2, columns: { k: Int32Array.of(1, 0), v: Int32Array.of(5, 6) }, nulls: { k: Uint8Array.of(0, 1) }, sourceTsMs: 0, origin: 'snapshot db.nk', positionOf: (i) => i };
    await expect(w.writeInserts(ins, 0, 2, 'snapshot')).rejects.toThrow(ValidationError);
    await expect(w.writeInserts(ins, 0, 2, 'snapshot')).rejects.toThrow(/snapshot db\.nk: db\.nk: key column k is missing or null/);
  });
});

describe('column value helpers', () => {
  it('firstUncommitted finds the first row after a committed position (rows in position order)', () => {
    const p = page(10, 20); // positions 10..29
    const cmp = (a: unknown, b: unknown) => Number(a) - Number(b);
    expect(firstUncommitted(p, 9, cmp)).toBe(0);
    expect(firstUncommitted(p, 10, cmp)).toBe(1);
    expect(firstUncommitted(p, 21, cmp)).toBe(12);
    expect(firstUncommitted(p, 29, cmp)).toBe(20);
    expect(firstUncommitted(p, 1000, cmp)).toBe(20);
  });

  it('gatherRows keeps typed columns typed, packed columns packed, and carries null masks', () => {
    const g = gatherRows(page(0, 10, true), Int32Array.of(9, 3, 0));
    expect(g.length).toBe(3);
    expect(g.columns.id).toEqual(BigInt64Array.of(9n, 3n, 0n));
    expect(g.columns.name).toBeInstanceOf(PackedStrings);
    expect(g.nulls!.name).toEqual(Uint8Array.of(0, 1, 0));
    expect(rowAt(g, 1).name).toBeNull();
    expect([0, 2].map((i) => rowAt(g, i))).toEqual([rowAt(page(0, 10), 9), rowAt(page(0, 10), 0)]);
  });

  it('coerceColumns widens int columns written into long columns, and leaves the rest alone', () => {
    const s = new Schema(0, [{ id: 1, name: 'a', required: false, type: primitive('long') }, { id: 2, name: 'b', required: false, type: primitive('long') }, { id: 3, name: 'c', required: false, type: primitive('int') }]);
    const v = { length: 2, columns: { a: Int32Array.of(1, -2), b: [3, null], c: Int32Array.of(5, 6) } };
    const out = coerceColumns(s, v);
    expect(out.columns.a).toEqual(BigInt64Array.of(1n, -2n));
    expect(out.columns.b).toEqual([3n, null]);
    expect(out.columns.c).toBe(v.columns.c);
    const untouched = { length: 1, columns: { a: BigInt64Array.of(1n) } };
    expect(coerceColumns(s, untouched)).toBe(untouched);
  });

  it('withConstantColumns adds a column of one value and keeps the positions', () => {
    const p = withConstantColumns(page(0, 3), { _source_db: 'db0' });
    expect(p.columns._source_db).toEqual(['db0', 'db0', 'db0']);
    expect(p.positionOf(2)).toBe(2);
  });
});
