import { describe, expect, it } from 'vitest';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { parsePredicate } from '../../src/iceberg/read/predicate.js';
import { countRows, scanTable, type ScanOptions } from '../../src/iceberg/read/table-scan.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import type { IcebergType, NestedField } from '../../src/iceberg/spec/types.js';
import type { Table } from '../../src/iceberg/table.js';
import { parquetWriteOptionsFromProperties, type Row } from '../../src/parquet/index.js';
import { writeEqualityDeletes } from '../../src/sink/delete-file-writers.js';
import { commitDeletes, commitPositionDeletes, writeDataFile } from '../support/data-files.js';
import { useTempDir } from '../support/temp-dir.js';

/**
 * scanTable reads flat projections column-wise (typed arrays, deletes as a keep-mask) and
 * nested ones through row assembly. The same table scanned both ways must give the same rows:
 * a projection with the struct column takes the row path, one without it the columnar path.
 */
const tempDir = useTempDir('icetide-scan-paths-');
const f = (id: number, name: string, type: IcebergType, required = false): NestedField => ({ id, name, required, type });
const p = (kind: string): IcebergType => ({ kind } as IcebergType);

const schema = new Schema(0, [
  f(1, 'id', p('long'), true), f(2, 'b', p('boolean')), f(3, 'i', p('int')), f(4, 'l', p('long')), f(5, 'fl', p('float')), f(6, 'db', p('double')),
  f(7, 'dec9', { kind: 'decimal', precision: 9, scale: 2 }), f(8, 'dec38', { kind: 'decimal', precision: 38, scale: 10 }), f(9, 'dt', p('date')),
  f(10, 'ts', p('timestamptz')), f(11, 's', p('string')), f(12, 'u', p('uuid')), f(13, 'bin', p('binary')), f(14, 'big', p('long')),
  f(15, 'st', { kind: 'struct', fields: [f(16, 'a', p('int'))] }),
]);
const FLAT = schema.fields.filter((x) => x.type.kind !== 'struct').map((x) => x.name);

function row(k: number): Row {
  const nul = k % 6 === 5;
  const v = <T>(x: T): T | null => (nul ? null : x);
  return {
    id: BigInt(k), b: v(k % 3 === 0), i: v(k % 5), l: v(BigInt(k) * -7919n), fl: v(k / 4), db: v(k % 10 === 0 ? NaN : -k / 3), dec9: v(BigInt(k) * 101n),
    dec38: v(10n ** 30n + BigInt(k)), dt: v(18000 + k), ts: v(1_600_000_000_000_000n + BigInt(k)), s: k % 4 === 3 ? null : `tag-${k % 9}${k % 2 ? 'é' : ''}`,
    u: v(`00000000-0000-4000-8000-${k.toString(16).padStart(12, '0')}`), bin: v(new TextEncoder().encode(`bin-${k}`)),
    // beyond 2^53: keys that do not fit a double stay exact
    big: v(2n ** 60n + BigInt(k)), st: k % 7 === 0 ? null : { a: k },
  };
}

/** 6 files in 2 appends; equality deletes on id, on (s, i) with null keys, on big (> 2^53); position deletes; a late file. */
async function buildTable(): Promise<Table> {
  const t = await new FilesystemCatalog(tempDir()).createTable({ namespace: ['c'], name: 't' }, { schema });
  const opts = parquetWriteOptionsFromProperties(t.metadata.properties);
  const writeFile = (rows: Row[]) => writeDataFile(t, rows, { pageRowLimit: 50, rowGroupSizeBytes: 8 * 1024 });
  const files = [];
  for (let c = 0; c < 2; c++) {
    const append = t.newAppend();
    for (let k = 0; k < 3; k++) {
      const df = await writeFile(Array.from({ length: 400 }, (_, j) => row((c * 3 + k) * 400 + j)));
      files.push(df);
      append.appendFile(df);
    }
    await append.commit();
  }
  const target = { io: t.io, opts, newLocation: (name: string) => t.ops.newDataLocation(name) };
  const eq = [
    ...(await writeEqualityDeletes(target, schema, [1], [{ specId: 0, values: [], path: '', rows: Array.from({ length: 300 }, (_, j) => ({ id: BigInt(j * 7) })) }])),
    ...(await writeEqualityDeletes(target, schema, [1], [{ specId: 0, values: [], path: '', rows: [{ id: 1n }, { id: 2n }] }])),
    ...(await writeEqualityDeletes(target, schema, [11, 3], [{ specId: 0, values: [], path: '', rows: [{ s: 'tag-4', i: 4 }, { s: null, i: 3 }, { s: 'tag-1é', i: null }] }])),
    ...(await writeEqualityDeletes(target, schema, [14], [{ specId: 0, values: [], path: '', rows: [{ big: 2n ** 60n + 10n }, { big: null }] }])),
  ];
  await commitDeletes(t, eq);
  await commitPositionDeletes(t, [files[0]!, files[4]!], Array.from({ length: 30 }, (_, j) => j * 13));
  // newer than the deletes: none of them applies (spec "Scan Planning")
  const late = t.newAppend();
  late.appendFile(await writeFile(Array.from({ length: 50 }, (_, j) => row(j * 7))));
  await late.commit();
  return t;
}

const text = (r: Row, names: readonly string[]): string =>
  names.map((n) => {
    const v = r[n];
    return v instanceof Uint8Array ? `0x${Buffer.from(v).toString('hex')}` : typeof v === 'bigint' ? `${v}n` : v === null ? 'null' : typeof v === 'object' ? JSON.stringify(v) : `${typeof v}:${String(v)}`;
  }).join('|');

async function scan(t: Table, o: ScanOptions, names: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for await (const b of scanTable(t, o)) for (const r of b) out.push(text(r, names));
  return out;
}

describe('scan paths', () => {
  it('flat projections (columnar) give exactly the rows of the row path, deletes applied, in the same order', async () => {
    const t = await buildTable();
    const rowPath = await scan(t, {}, FLAT);
    const columnar = await scan(t, { columns: FLAT }, FLAT);
    expect(columnar).toEqual(rowPath);
    expect(rowPath.length).toBeGreaterThan(1500);
    expect(rowPath.length).toBeLessThan(2300);
    // the late file's copy of id 0 survives the (older) delete of id 0
    expect(rowPath.filter((r) => r.startsWith('0n|')).length).toBe(1);
    expect(rowPath.some((r) => r.startsWith('1n|') || r.startsWith('2n|'))).toBe(false);
    expect(rowPath.some((r) => r.includes(`|${2n ** 60n + 10n}n|`))).toBe(false);
    expect(await countRows(t)).toBe(BigInt(rowPath.length));
  });

  it('filters, small batches, limits and column subsets agree between the paths', async () => {
    const t = await buildTable();
    const filter = parsePredicate('i < 3 AND s != tag-2', schema);
    const names = ['s', 'dec9', 'id'];
    const rowPath = (await scan(t, { filter, batchSize: 7 }, FLAT)).map((r) => {
      const parts = r.split('|');
      return names.map((n) => parts[FLAT.indexOf(n)]).join('|');
    });
    const columnar = await scan(t, { filter, columns: names, batchSize: 7 }, names);
    expect(columnar).toEqual(rowPath);
    expect(columnar.length).toBeGreaterThan(300);
    expect(await countRows(t, { filter })).toBe(BigInt(columnar.length));
    const limited = await scan(t, { columns: ['id'], limit: 33, batchSize: 10 }, ['id']);
    expect(limited.length).toBe(33);
  });
});
