import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, fixtureTablesWithData, parquetFilesUnder } from '../fixtures-path.js';
import { schemaFromJson } from '../../src/iceberg/spec/schema-json.js';
import type { Schema } from '../../src/iceberg/spec/schema.js';
import {
  POSITION_DELETE_SCHEMA, checkPositionDeletesSorted, equalityDeleteSchema, readParquetMetadata, readParquetRows, type PositionDelete,
} from '../../src/parquet/index.js';
import { collect, fromDuck, io, query } from './helpers.js';

const ROOT = FIXTURES;
const tables = fixtureTablesWithData();
const parquetFiles = parquetFilesUnder;

interface OracleFile { localPath: string; recordCount: number; content: string; equalityFieldIds?: number[]; deletes?: OracleFile[] }
interface Oracle { currentSchema: unknown; snapshot: { scan: { dataFiles: OracleFile[] } } }

describe.each(tables)('fixture %s', (table) => {
  const oracle = JSON.parse(readFileSync(path.join(ROOT, table, 'expected', 'oracle-plan.json'), 'utf8')) as Oracle;
  const schema: Schema = schemaFromJson(oracle.currentSchema, 'currentSchema');
  const tableDir = path.join(ROOT, table, 'table');
  const local = (p: string): string => path.join(tableDir, p);
  const files = parquetFiles(path.join(tableDir, 'data'));
  const dataFiles = oracle.snapshot.scan.dataFiles;
  const deleteFiles = [...new Map(dataFiles.flatMap((d) => d.deletes ?? []).map((d) => [d.localPath, d])).values()];

  it('current-snapshot data files: rows read = footer count = manifest record count', async () => {
    expect(dataFiles.length).toBeGreaterThan(0);
    for (const df of dataFiles) {
      const file = local(df.localPath);
      const meta = await readParquetMetadata(io, file);
      expect(meta.hasFieldIds).toBe(true);
      expect(Number(meta.numRows)).toBe(df.recordCount);
      const rows = await collect(readParquetRows(io, file, schema, { batchSize: 4096 }));
      expect(rows.length).toBe(df.recordCount);
    }
  });

  it('every Parquet file under data/ reads with the current schema, values equal to DuckDB', async () => {
    const deletes = new Set(deleteFiles.map((d) => path.resolve(local(d.localPath))));
    for (const file of files) {
      if (deletes.has(path.resolve(file)) || /delete/.test(path.basename(file))) continue;
      const meta = await readParquetMetadata(io, file);
      const ours = await collect(readParquetRows(io, file, schema));
      expect(ours.length).toBe(Number(meta.numRows));
      // columns present in the file (by field id) must equal DuckDB's reading, in file order
      const present = schema.fields.map((f) => ({ f, el: meta.schema.children.find((c) => c.element.field_id === f.id)?.element }))
        .filter((x) => x.el !== undefined);
      const cols = present.map((x) => `"${x.el!.name}"`).join(', ');
      const duck = await query(`SELECT ${cols} FROM read_parquet('${file}')`);
      expect(duck.length).toBe(ours.length);
      for (const { f, el } of present) {
        // DuckDB has no int->long promotion: compare as bigint when the table type is long
        const expected = duck.map((r) => {
          const dv = fromDuck(r[el!.name] ?? null, f.type);
          return f.type.kind === 'long' && typeof dv === 'number' ? BigInt(dv) : dv;
        });
        expect(ours.map((r) => r[f.name]), `${path.basename(file)} column ${f.name}`).toEqual(expected);
      }
    }
  });

  // Only fixtures that have delete files get this test (registered, never skipped).
  if (deleteFiles.length > 0) it('delete files read as their spec schemas', async () => {
    for (const d of deleteFiles) {
      const file = local(d.localPath);
      if (d.content === 'POSITION_DELETES') {
        const rows = (await collect(readParquetRows(io, file, POSITION_DELETE_SCHEMA))) as unknown as PositionDelete[];
        expect(rows.length).toBe(d.recordCount);
        expect(() => checkPositionDeletesSorted(rows)).not.toThrow();
        expect(typeof rows[0]!.file_path).toBe('string');
        expect(typeof rows[0]!.pos).toBe('bigint');
        const targets = new Set(dataFiles.map((x) => path.basename(x.localPath)));
        expect(rows.some((r) => targets.has(path.basename(r.file_path)))).toBe(true);
      } else {
        const eq = equalityDeleteSchema(schema, d.equalityFieldIds ?? []);
        const rows = await collect(readParquetRows(io, file, eq));
        expect(rows.length).toBe(d.recordCount);
        for (const r of rows) for (const f of eq.fields) expect(r[f.name]).not.toBeUndefined();
      }
    }
  });
});

it('spark-v2-posdeletes: decimal(9,2)/(18,6)/(38,10), timestamptz, binary and int->long values', async () => {
  const table = path.join(ROOT, 'spark-v2-posdeletes');
  const oracle = JSON.parse(readFileSync(path.join(table, 'expected', 'oracle-plan.json'), 'utf8')) as Oracle;
  const schema = schemaFromJson(oracle.currentSchema, 'currentSchema');
  const file = path.join(table, 'table', oracle.snapshot.scan.dataFiles[0]!.localPath);
  const rows = await collect(readParquetRows(io, file, schema));
  const r = rows.find((x) => x['l_extendedprice_dec38_10'] !== null)!;
  expect(typeof r['l_extendedprice_dec9_2']).toBe('bigint');
  expect(typeof r['l_extendedprice_dec38_10']).toBe('bigint');
  expect(typeof r['l_commitdate_timestamp_tz']).toBe('bigint');
  expect(r['l_comment_blob']).toBeInstanceOf(Uint8Array);
  const d = await query(`SELECT sum(l_extendedprice_dec38_10)::VARCHAR AS s FROM read_parquet('${file}')`);
  const ours = rows.reduce((a, x) => a + ((x['l_extendedprice_dec38_10'] as bigint | null) ?? 0n), 0n);
  const str = ours.toString().padStart(11, '0');
  expect(d[0]!['s']).toBe(`${str.slice(0, -10)}.${str.slice(-10)}`);
});
