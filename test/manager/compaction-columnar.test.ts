import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { compactTable } from '../../manager/compaction/compact-table.js';
import { resolveCompactionOptions } from '../../manager/compaction/compaction-options.js';
import { planCompaction } from '../../manager/compaction/compaction-planner.js';
import { rewriteGroup } from '../../manager/compaction/group-rewriter.js';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { scanTable } from '../../src/iceberg/read/table-scan.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import type { IcebergType, NestedField } from '../../src/iceberg/spec/types.js';
import type { Table } from '../../src/iceberg/table.js';
import { parquetWriteOptionsFromProperties, readParquetRows, type Row } from '../../src/parquet/index.js';
import { writeEqualityDeletes } from '../../src/sink/delete-file-writers.js';
import { commitDeletes, commitPositionDeletes, writeDataFile } from '../support/data-files.js';
import { useTempDir } from '../support/temp-dir.js';
import { localPath } from './compaction-support.js';

const tempDir = useTempDir('icetide-columnar-');
const f = (id: number, name: string, type: IcebergType, required = false): NestedField => ({ id, name, required, type });
const p = (kind: string): IcebergType => ({ kind } as IcebergType);

/** Every primitive type, flat: the columnar rewrite path applies. */
const schema = new Schema(0, [
  f(1, 'id', p('long'), true), f(2, 'b', p('boolean')), f(3, 'i', p('int')), f(4, 'l', p('long')), f(5, 'fl', p('float')), f(6, 'db', p('double')),
  f(7, 'dec9', { kind: 'decimal', precision: 9, scale: 2 }), f(8, 'dec18', { kind: 'decimal', precision: 18, scale: 6 }),
  f(9, 'dec38', { kind: 'decimal', precision: 38, scale: 10 }), f(10, 'dt', p('date')), f(11, 'tm', p('time')), f(12, 'ts', p('timestamp')),
  f(13, 'tstz', p('timestamptz')), f(14, 's', p('string')), f(15, 'u', p('uuid')), f(16, 'fx', { kind: 'fixed', length: 4 }), f(17, 'bin', p('binary')),
]);

/** Row k: every column null on every 6th row (but the id), repeating strings, negative numbers. */
function row(k: number): Row {
  const nul = k % 6 === 5;
  const v = <T>(x: T): T | null => (nul ? null : x);
  return {
    id: BigInt(k), b: v(k % 3 === 0), i: v(k % 2 ? -k : k * 1000), l: v(BigInt(k) * -7919n), fl: v(k / 4), db: v(k % 10 === 0 ? NaN : -k / 3),
    dec9: v(BigInt(k) * 101n), dec18: v(-BigInt(k) * 1_000_003n), dec38: v(10n ** 30n + BigInt(k)), dt: v(18000 + k), tm: v(BigInt(k) * 1_000_000n),
    ts: v(1_600_000_000_000_000n + BigInt(k)), tstz: v(-BigInt(k)), s: k % 4 === 3 ? null : `tag-${k % 9}${k % 2 ? 'é' : ''}`,
    u: v(`00000000-0000-4000-8000-${k.toString(16).padStart(12, '0')}`), fx: v(Uint8Array.of(k & 255, 1, 2, 3)), bin: v(new TextEncoder().encode(`bin-${k}`)),
  };
}

const key = (r: Row): string => schema.fields.map((x) => {
  const v = r[x.name];
  return v instanceof Uint8Array ? Buffer.from(v).toString('hex') : String(v);
}).join('|');

async function scanKeys(t: Table): Promise<string[]> {
  const out: string[] = [];
  for await (const b of scanTable(t)) for (const r of b) out.push(key(r));
  return out.sort();
}

async function fileKeys(t: Table, locations: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const l of locations) for await (const b of readParquetRows(t.io, l, schema)) for (const r of b) out.push(key(r));
  return out.sort();
}

/**
 * 12 small files in 3 appends, equality deletes on id (every 7th) and on s (one tag and
 * null), position deletes in two files, then a later file whose ids the equality deletes
 * name but must not delete (spec "Scan Planning": only lower data sequence numbers).
 */
async function buildTable(o: { tagDeletes?: boolean; keyColumn?: 'id' | 'l' } = {}): Promise<{ t: Table; expected: string[] }> {
  const keyColumn = o.keyColumn ?? 'id';
  const t = await new FilesystemCatalog(tempDir()).createTable({ namespace: ['c'], name: 't' }, { schema });
  const opts = parquetWriteOptionsFromProperties(t.metadata.properties);
  const writeFile = (rows: Row[]) => writeDataFile(t, rows, { pageRowLimit: 40 });
  const files = [];
  for (let c = 0; c < 3; c++) {
    const append = t.newAppend();
    for (let k = 0; k < 4; k++) {
      const n = c * 4 + k;
      const df = await writeFile(Array.from({ length: 250 }, (_, j) => row(n * 250 + j)));
      files.push(df);
      append.appendFile(df);
    }
    await append.commit();
  }
  const target = { io: t.io, opts, newLocation: (name: string) => t.ops.newDataLocation(name) };
  // keyed by id, or by the nullable long l (null keys delete null values: null equals null)
  const byKey = keyColumn === 'id'
    ? Array.from({ length: 3000 / 7 }, (_, j) => ({ id: BigInt(j * 7) }))
    : [...Array.from({ length: 3000 / 7 }, (_, j) => ({ l: row(j * 7)['l'] as bigint | null })).filter((r) => r.l !== null), { l: null }];
  const byTag = [{ s: 'tag-4' }, { s: null }];
  const eq = [
    ...(await writeEqualityDeletes(target, schema, [keyColumn === 'id' ? 1 : 4], [{ specId: 0, values: [], path: '', rows: byKey }])),
    ...(o.tagDeletes === false ? [] : await writeEqualityDeletes(target, schema, [14], [{ specId: 0, values: [], path: '', rows: byTag }])),
  ];
  await commitDeletes(t, eq);
  await commitPositionDeletes(t, [files[0]!, files[5]!], Array.from({ length: 20 }, (_, j) => j * 11));
  const late = t.newAppend();
  late.appendFile(await writeFile(Array.from({ length: 100 }, (_, j) => ({ ...row(j * 7), id: BigInt(j * 7) }))));
  await late.commit();
  return { t, expected: await scanKeys(t) };
}

describe('columnar compaction path', () => {
  it('writes the same rows as the row path: position deletes, two equality signatures, nulls, every primitive type, multi-pass buckets', async () => {
    const { t, expected } = await buildTable();
    expect(expected.length).toBeGreaterThan(1500);
    expect(expected.length).toBeLessThan(3100);
    // the late file's id 0 survives the equality delete of id 0 (an older sequence number's)
    expect(expected.filter((k) => k.startsWith('0|')).length).toBe(1);
    const opts = resolveCompactionOptions({ maxEqualityKeysInMemory: 1_000_000 }, t.metadata.properties);
    const groups = planCompaction(await t.planFiles(), t.specs(), opts);
    expect(groups.length).toBe(1);
    const results = [];
    // columnar: decoded on this thread, by one worker and by two; then the row path
    for (const [columnar, decodeWorkers] of [[true, 0], [true, 1], [true, 2], [false, 0]] as const) {
      for (const maxEqualityKeysInMemory of [1_000_000, 37]) {
        const r = await rewriteGroup(t, groups[0]!, { ...opts, maxEqualityKeysInMemory, columnar, decodeWorkers });
        if (maxEqualityKeysInMemory === 37) expect(r.passes).toBeGreaterThan(5);
        expect(r.path).toBe(columnar ? 'columnar' : 'rows');
        expect(r.decodeWorkers).toBe(decodeWorkers);
        const got = await fileKeys(t, r.added.map((a) => a.filePath));
        expect({ columnar, decodeWorkers, maxEqualityKeysInMemory, rows: r.rowsWritten }).toEqual({ columnar, decodeWorkers, maxEqualityKeysInMemory, rows: expected.length });
        expect(got).toEqual(expected);
        results.push(r);
      }
    }
    // same metrics (bounds, counts) from both paths
    const rows = results[6]!.added[0]!;
    for (const col of [results[0]!.added[0]!, results[2]!.added[0]!, results[4]!.added[0]!]) {
      expect(col.recordCount).toBe(rows.recordCount);
      expect(col.nullValueCounts).toEqual(rows.nullValueCounts);
      expect(col.lowerBounds).toEqual(rows.lowerBounds);
      expect(col.upperBounds).toEqual(rows.upperBounds);
    }
  });

  it.each(['id', 'l'] as const)('one equality signature on a long column (%s; nulls as keys), in one pass and in buckets: same rows as the row path', async (keyColumn) => {
    const { t, expected } = await buildTable({ tagDeletes: false, keyColumn });
    const opts = resolveCompactionOptions({}, t.metadata.properties);
    const [group] = planCompaction(await t.planFiles(), t.specs(), opts);
    for (const maxEqualityKeysInMemory of [1_000_000, 100]) {
      for (const [columnar, decodeWorkers] of [[true, 0], [true, 1], [false, 0]] as const) {
        const r = await rewriteGroup(t, group!, { ...opts, maxEqualityKeysInMemory, columnar, decodeWorkers });
        expect(r.passes > 1).toBe(maxEqualityKeysInMemory === 100);
        expect(await fileKeys(t, r.added.map((a) => a.filePath))).toEqual(expected);
      }
    }
    expect(expected.length).toBeLessThan(keyColumn === 'id' ? 2700 : 2300);
  });

  it('compactTable: scans identically afterwards; DuckDB reads the written files with the same values', async () => {
    const { t, expected } = await buildTable();
    const report = await compactTable(t, { maxEqualityKeysInMemory: 50 });
    expect(report.maxEqualityPasses).toBeGreaterThan(1);
    expect(report.rowsWritten).toBe(expected.length);
    expect(await scanKeys(t)).toEqual(expected);
    const live = (await t.planFiles()).map((x) => x.file);
    expect(live.length).toBe(1);
    expect(live[0]!.recordCount).toBe(BigInt(expected.length));
    const db = await (await DuckDBInstance.create()).connect();
    try {
      const file = localPath(t, live[0]!.filePath).replace(/'/g, "''");
      const got = (await db.runAndReadAll(`SELECT count(*) AS n, sum(id) AS ids, count(s) AS ns, sum(i) AS si, CAST(sum(dec18) * 1000000 AS HUGEINT) AS d18, count(u) AS nu FROM read_parquet('${file}')`)).getRowObjects()[0]!;
      const rows: Row[] = [];
      for await (const b of scanTable(t)) rows.push(...b);
      const sum = (name: string) => rows.reduce((acc, r) => acc + (r[name] === null ? 0n : BigInt(r[name] as bigint | number)), 0n);
      expect(BigInt(got['n'] as bigint)).toBe(BigInt(rows.length));
      expect(BigInt(got['ids'] as bigint)).toBe(sum('id'));
      expect(BigInt(got['ns'] as bigint)).toBe(BigInt(rows.filter((r) => r['s'] !== null).length));
      expect(BigInt(got['si'] as bigint)).toBe(sum('i'));
      expect(BigInt(got['nu'] as bigint)).toBe(BigInt(rows.filter((r) => r['u'] !== null).length));
      expect(BigInt(got['d18'] as bigint)).toBe(sum('dec18'));
    } finally {
      db.closeSync();
    }
  });
});
