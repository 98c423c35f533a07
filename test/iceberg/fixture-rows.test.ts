import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openTable } from '../../src/catalog/open-table.js';
import { LocalFileIO } from '../../src/io/local-file-io.js';
import { readParquetRows, type Row } from '../../src/parquet/index.js';
import { countRows, scanTable } from '../../src/iceberg/read/table-scan.js';
import { parsePredicate } from '../../src/iceberg/read/predicate.js';
import type { Table } from '../../src/iceberg/table.js';
import type { IcebergType } from '../../src/iceberg/spec/types.js';
import { formatIsoDate } from '../../src/iceberg/spec/value-serialization.js';
import { FIXTURES } from '../fixtures-path.js';

/**
 * Every valid fixture scans to exactly its expected rows: DuckDB's rows.tsv, Spark's own
 * `SELECT *` output (expected/data/*.parquet), count.csv, and TPC-H Q6 on lineitem.
 */
async function allRows(t: Table): Promise<Row[]> {
  const out: Row[] = [];
  for await (const b of scanTable(t)) out.push(...b);
  return out;
}

/** DuckDB's text form for the types the rows.tsv fixtures use. */
function duckText(type: IcebergType, v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  switch (type.kind) {
    case 'date':
      return formatIsoDate(v as number);
    case 'timestamptz': {
      const iso = new Date(Number((v as bigint) / 1000n)).toISOString();
      return `${iso.slice(0, 10)} ${iso.slice(11, 19)}+00`;
    }
    case 'map':
      return `{${[...(v as Map<unknown, unknown>)].map(([k, x]) => `${String(k)}=${String(x)}`).join(', ')}}`;
    default:
      return String(v);
  }
}

/** A canonical, type-exact string of a row for multiset comparison. */
function canonical(r: Row): string {
  return JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v instanceof Map ? [...v] : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}

describe('fixture rows', () => {
  const tsvFixtures = ['pyiceberg-v2-day-partition', 'spark-v2-eqdeletes', 'spark-v2-eqdeletes-partitioned', 'v1-legacy-embedded-manifests', 'spark-v2-partition-evolution-duckdb-rewritten'];

  it.each(tsvFixtures)('%s scans to expected/rows.tsv', async (name) => {
    const t = await openTable(path.join(FIXTURES, name, 'table'));
    const [header, ...lines] = fs.readFileSync(path.join(FIXTURES, name, 'expected', 'rows.tsv'), 'utf8').trim().split('\n');
    const columns = header!.split('\t');
    const fields = columns.map((c) => t.schema().fields.find((f) => f.name === c)!);
    const got = (await allRows(t)).map((r) => fields.map((f) => duckText(f.type, r[f.name])).join('\t')).sort();
    expect(got).toEqual([...lines].sort());
  });

  it.each(['spark-v2-posdeletes', 'spark-v1-overwrites'])('%s scans to Spark\'s own SELECT * output and count.csv', async (name) => {
    const t = await openTable(path.join(FIXTURES, name, 'table'));
    const expectedCount = BigInt(fs.readFileSync(path.join(FIXTURES, name, 'expected', 'count.csv'), 'utf8').trim().split('\n')[1]!);
    const dir = path.join(FIXTURES, name, 'expected', 'data');
    const expected: Row[] = [];
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.parquet'))) {
      for await (const b of readParquetRows(new LocalFileIO(), path.join(dir, f), t.schema())) expected.push(...b);
    }
    const got = await allRows(t);
    expect(BigInt(got.length)).toBe(expectedCount);
    expect(BigInt(expected.length)).toBe(expectedCount);
    expect(got.map(canonical).sort()).toEqual(expected.map(canonical).sort());
    expect(await countRows(t)).toBe(expectedCount);
  });

  it('lineitem: 51793 rows and TPC-H Q6 revenue 1077536.9101 as Spark computed it', async () => {
    const t = await openTable(path.join(FIXTURES, 'spark-v2-lineitem-cow', 'table'));
    expect(await countRows(t)).toBe(51793n);
    const filter = parsePredicate('l_shipdate >= 1994-01-01 AND l_shipdate < 1995-01-01 AND l_discount >= 0.05 AND l_discount <= 0.07 AND l_quantity < 24', t.schema());
    let revenue = 0n; // decimal(15,2) x decimal(15,2) -> scale 4
    for await (const b of scanTable(t, { filter, columns: ['l_extendedprice', 'l_discount'] })) {
      for (const r of b) revenue += (r['l_extendedprice'] as bigint) * (r['l_discount'] as bigint);
    }
    expect(revenue).toBe(10775369101n);
  });

  it('projection, limit and filters agree with a full scan', async () => {
    const t = await openTable(path.join(FIXTURES, 'spark-v2-posdeletes', 'table'));
    const all = await allRows(t);
    const some: Row[] = [];
    for await (const b of scanTable(t, { columns: ['l_partkey_int'], limit: 10 })) some.push(...b);
    expect(some).toHaveLength(10);
    expect(Object.keys(some[0]!)).toEqual(['l_partkey_int']);
    const filter = parsePredicate('l_partkey_int < 50', t.schema());
    expect(await countRows(t, { filter })).toBe(BigInt(all.filter((r) => r['l_partkey_int'] !== null && (r['l_partkey_int'] as number) < 50).length));
  });
});
