import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, fixtureTablesWithData, parquetFilesUnder } from '../fixtures-path.js';
import { InvalidDataFileError } from '../../src/errors.js';
import { schemaFromJson } from '../../src/iceberg/spec/schema-json.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import type { IcebergType, NestedField } from '../../src/iceberg/spec/types.js';
import {
  ParquetFileWriter, columnValue, gatherColumns, isFlatProjection, readParquetColumns, readParquetMetadata, readParquetRows, type ColumnarBatch, type Row,
} from '../../src/parquet/index.js';
import type { ReadOptions } from '../../src/parquet/reader.js';
import type { ColumnReadOptions } from '../../src/parquet/column-reader.js';
import { PackedBinary, PackedStrings } from '../../src/parquet/packed-bytes.js';
import { collect, io, query, tempDir } from './helpers.js';
import { ROWS, WIDE } from './wide.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const f = (id: number, name: string, type: IcebergType, required = false, extra: Partial<NestedField> = {}): NestedField => ({ id, name, required, type, ...extra });

/** The top-level primitive fields of a schema (what the columnar reader handles). */
function flatPart(s: Schema): Schema {
  return new Schema(s.schemaId, s.fields.filter((x) => x.type.kind !== 'struct' && x.type.kind !== 'list' && x.type.kind !== 'map'));
}

async function columnsAsRows(file: string, proj: Schema, opts: ColumnReadOptions = {}): Promise<Row[]> {
  const out: Row[] = [];
  for await (const b of readParquetColumns(io, file, proj, opts)) {
    for (let i = 0; i < b.length; i++) out.push(Object.fromEntries(proj.fields.map((x) => [x.name, columnValue(b, x.name, i)])));
  }
  return out;
}

/** The columnar reader, strings and binaries packed or not, yields exactly the values readParquetRows yields. */
async function expectSame(file: string, proj: Schema, opts: ReadOptions = {}): Promise<Row[]> {
  const rows = await collect(readParquetRows(io, file, proj, opts));
  for (const packed of [false, true]) {
    const cols = await columnsAsRows(file, proj, { ...opts, packed });
    expect(cols.length).toBe(rows.length);
    // row by row, so a failure shows the first differing row
    for (let i = 0; i < rows.length; i++) expect({ packed, row: i, ...cols[i] }).toEqual({ packed, row: i, ...rows[i] });
  }
  return rows;
}

async function write(name: string, schema: Schema, rows: Row[], opts = {}): Promise<string> {
  const file = tmp.file(name);
  const w = await ParquetFileWriter.open(io, file, schema, opts);
  await w.write(rows);
  await w.close();
  return file;
}

const FLAT = flatPart(WIDE);
/** Many rows of every primitive type: repeats (dictionaries), nulls every few rows, several pages. */
const MANY: Row[] = Array.from({ length: 3000 }, (_, k) => {
  const base = ROWS[k % ROWS.length]!;
  const r: Row = { ...base, id: BigInt(k) };
  if (k % 7 === 3) for (const x of FLAT.fields) if (!x.required) r[x.name] = null;
  r['s'] = k % 11 === 0 ? null : `tag-${k % 13}`;
  return r;
});

describe('columnar reader = row reader', () => {
  for (const codec of ['zstd', 'snappy', 'gzip', 'uncompressed'] as const) {
    it(`every primitive type, nulls, dictionaries, many pages (${codec})`, async () => {
      const file = await write(`many-${codec}.parquet`, WIDE, MANY, { codec, pageRowLimit: 700 });
      expect(isFlatProjection(FLAT)).toBe(true);
      expect(isFlatProjection(WIDE)).toBe(false);
      const rows = await expectSame(file, FLAT);
      expect(rows.length).toBe(MANY.length);
    });
  }

  it('several row groups, and the rowGroups filter', async () => {
    const file = await write('groups.parquet', WIDE, MANY, { rowGroupSizeBytes: 20_000 });
    const meta = await readParquetMetadata(io, file);
    expect(meta.rowGroups.length).toBeGreaterThan(2);
    await expectSame(file, FLAT);
    await expectSame(file, FLAT, { rowGroups: (_, g) => g % 2 === 1 });
  });

  it('promotion, projection by id, initial defaults and identity-partition constants', async () => {
    const base = new Schema(0, [f(1, 'id', { kind: 'long' }, true), f(2, 'qty', { kind: 'int' }), f(3, 'price', { kind: 'float' }), f(4, 'amount', { kind: 'decimal', precision: 9, scale: 2 }), f(5, 'name', { kind: 'string' })]);
    const file = await write('promote.parquet', base, Array.from({ length: 500 }, (_, i) => ({ id: BigInt(i), qty: i % 3 ? i : null, price: i / 2, amount: BigInt(i * 100), name: `n${i}` })));
    await expectSame(file, new Schema(1, [
      f(5, 'renamed', { kind: 'string' }), f(2, 'qty', { kind: 'long' }), f(3, 'price', { kind: 'double' }), f(4, 'amount', { kind: 'decimal', precision: 18, scale: 2 }),
      f(10, 'added', { kind: 'string' }), f(11, 'with_default', { kind: 'int' }, true, { initialDefault: 42 }),
      f(12, 'dec_default', { kind: 'decimal', precision: 9, scale: 2 }, false, { initialDefault: '3.14' }),
      f(13, 'long_default', { kind: 'long' }, false, { initialDefault: 7 }),
    ]));
    await expectSame(file, new Schema(1, [f(1, 'id', { kind: 'long' }, true), f(20, 'region', { kind: 'string' }, true, { initialDefault: 'nope' }), f(21, 'day', { kind: 'date' }), f(2, 'qty', { kind: 'int' })]), {
      constants: new Map<number, unknown>([[20, 'eu'], [21, null], [2, 999]]),
    });
  });

  it('files DuckDB writes: no field ids (by name), v2 pages, delta and other encodings', async () => {
    const sel = `SELECT i::BIGINT AS id, (i % 5)::INTEGER AS qty, CASE WHEN i % 4 = 0 THEN NULL ELSE 'n' || (i % 50) END AS name,
      i / 3.0::DOUBLE AS x, (i * 1.5)::FLOAT AS fl, CAST(i AS DECIMAL(9,2)) AS d9, CAST(i AS DECIMAL(18,3)) AS d18, CAST(i AS DECIMAL(30,4)) AS d30,
      DATE '2020-01-01' + (i % 400)::INTEGER AS day, TIMESTAMP '2024-01-01' + INTERVAL (i) SECOND AS ts, i % 3 = 0 AS flag, uuid() IS NULL AS never
      FROM range(5000) t(i)`;
    const proj = new Schema(0, [
      f(1, 'id', { kind: 'long' }, true), f(2, 'qty', { kind: 'int' }), f(3, 'name', { kind: 'string' }), f(4, 'x', { kind: 'double' }), f(5, 'fl', { kind: 'float' }),
      f(6, 'd9', { kind: 'decimal', precision: 9, scale: 2 }), f(7, 'd18', { kind: 'decimal', precision: 18, scale: 3 }), f(8, 'd30', { kind: 'decimal', precision: 30, scale: 4 }),
      f(9, 'day', { kind: 'date' }), f(10, 'ts', { kind: 'timestamp' }), f(11, 'flag', { kind: 'boolean' }), f(12, 'missing', { kind: 'string' }),
    ]);
    for (const opts of ['', ', PARQUET_VERSION V2', ", COMPRESSION 'uncompressed', ROW_GROUP_SIZE 1000"]) {
      const file = tmp.file(`duck-${opts.length}.parquet`);
      await query(`COPY (${sel}) TO '${file}' (FORMAT parquet${opts})`);
      expect((await readParquetMetadata(io, file)).hasFieldIds).toBe(false);
      const rows = await expectSame(file, proj);
      expect(rows.length).toBe(5000);
    }
  });

  it('a ColumnarBatch written back with writeColumns gives the bytes write() gives for the same rows', async () => {
    const file = await write('roundtrip-src.parquet', WIDE, MANY, { pageRowLimit: 500 });
    const a = tmp.file('roundtrip-rows.parquet');
    const b = tmp.file('roundtrip-cols.parquet');
    const wa = await ParquetFileWriter.open(io, a, FLAT, { rowGroupSizeBytes: 60_000 });
    const wb = await ParquetFileWriter.open(io, b, FLAT, { rowGroupSizeBytes: 60_000 });
    for await (const rows of readParquetRows(io, file, FLAT, { batchSize: 1 << 20 })) await wa.write(rows);
    for await (const batch of readParquetColumns(io, file, FLAT)) {
      expect(batch.columns['id']).toBeInstanceOf(BigInt64Array);
      expect(batch.columns['i']).toBeInstanceOf(Int32Array);
      expect(batch.columns['fl']).toBeInstanceOf(Float32Array);
      expect(batch.columns['db']).toBeInstanceOf(Float64Array);
      expect(batch.columns['dec9']).toBeInstanceOf(BigInt64Array);
      await wb.writeColumns(batch);
    }
    expect(await wb.close()).toEqual(await wa.close());
    expect(Buffer.compare(readFileSync(a), readFileSync(b))).toBe(0);
  });

  it('strings: ASCII, multi-byte UTF-8, NUL and a leading byte-order mark read as the row reader reads them', async () => {
    const schema = new Schema(0, [f(1, 'id', { kind: 'long' }, true), f(2, 's', { kind: 'string' })]);
    const values = ['plain', '\uFEFFbom first', 'mid\uFEFFbom', 'ünïcödé', '\u0000', '', '😀', 'x'.repeat(300), null];
    const file = await write('strings.parquet', schema, Array.from({ length: 90 }, (_, i) => ({ id: BigInt(i), s: values[i % values.length] ?? null })));
    await expectSame(file, schema);
  });

  it('packed: strings and binaries come as PackedStrings/PackedBinary; malformed UTF-8 and a leading byte-order mark fall back to decoded strings', async () => {
    const schema = new Schema(0, [f(1, 'id', { kind: 'long' }, true), f(2, 's', { kind: 'string' }), f(3, 'b', { kind: 'binary' }), f(4, 'dict', { kind: 'string' })]);
    const rows = Array.from({ length: 3000 }, (_, i) => ({
      id: BigInt(i), s: i % 5 === 4 ? null : `value-${i}-ü`, b: i % 7 === 6 ? null : Uint8Array.of(i & 255, 0, 255), dict: i % 3 === 0 ? null : `tag-${i % 4}`,
    }));
    // small pages and a small hint force the packed buffer to grow across pages and dictionary expansion
    const file = await write('packed.parquet', schema, rows, { pageRowLimit: 100 });
    for await (const b of readParquetColumns(io, file, schema, { packed: true })) {
      expect(b.columns['s']).toBeInstanceOf(PackedStrings);
      expect(b.columns['dict']).toBeInstanceOf(PackedStrings);
      expect(b.columns['b']).toBeInstanceOf(PackedBinary);
    }
    await expectSame(file, schema);
    // malformed UTF-8: an uncompressed file whose string value ZZZZ is patched to 0xFF bytes
    const plain = await write('packed-bad.parquet', schema, rows.map((r, i) => (i === 10 ? { ...r, s: 'ZZZZ' } : r)), { codec: 'uncompressed' });
    const bytes = Buffer.from(readFileSync(plain));
    for (let at = bytes.indexOf('ZZZZ'); at >= 0; at = bytes.indexOf('ZZZZ', at + 4)) bytes.fill(0xff, at, at + 4);
    const bad = tmp.file('packed-bad-patched.parquet');
    writeFileSync(bad, bytes);
    for await (const b of readParquetColumns(io, bad, schema, { packed: true })) expect(Array.isArray(b.columns['s'])).toBe(true);
    const got = await expectSame(bad, schema);
    expect(got[10]!['s']).toBe('\uFFFD'.repeat(4));
  });

  it('gatherColumns keeps the masked rows of every column, nulls included (packed or not)', async () => {
    const file = await write('gather.parquet', WIDE, MANY);
    for await (const b of readParquetColumns(io, file, FLAT, { packed: true })) expect(b.columns['s']).toBeInstanceOf(PackedStrings);
    for (const packed of [false, true]) for await (const b of readParquetColumns(io, file, FLAT, { packed })) {
      const mask = new Uint8Array(b.length);
      let kept = 0;
      for (let i = 0; i < b.length; i++) if (i % 3 !== 1) kept += mask[i] = 1;
      const g: ColumnarBatch = gatherColumns(b, mask, kept);
      expect(g.length).toBe(kept);
      for (let i = 0, j = 0; i < b.length; i++) {
        if (!mask[i]) continue;
        for (const x of FLAT.fields) expect(columnValue(g, x.name, j)).toEqual(columnValue(b, x.name, i));
        j++;
      }
    }
  });
});

describe('columnar reader: errors match the row reader', () => {
  const schema = new Schema(0, [f(1, 'id', { kind: 'long' }, true), f(2, 'qty', { kind: 'int' }), f(5, 'name', { kind: 'string' })]);
  async function expectInvalid(file: string, proj: Schema, ...patterns: RegExp[]): Promise<void> {
    const err = await columnsAsRows(file, proj).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidDataFileError);
    const msg = (err as Error).message;
    expect(msg).toContain(file);
    for (const p of patterns) expect(msg).toMatch(p);
  }

  it('corrupt page data, missing required field, unpromotable type, non-Parquet file', async () => {
    const good = await write('err-good.parquet', schema, Array.from({ length: 1000 }, (_, i) => ({ id: BigInt(i), qty: i, name: `n${i}` })));
    const bytes = Buffer.from(readFileSync(good));
    const meta = await readParquetMetadata(io, good);
    const off = Number(meta.rowGroups[0]!.columns[2]!.meta_data!.data_page_offset);
    for (let i = off + 30; i < off + 60; i++) bytes[i] = 0xff;
    const corrupt = tmp.file('err-corrupt.parquet');
    writeFileSync(corrupt, bytes);
    await expectInvalid(corrupt, schema, /column name/);
    await expectInvalid(good, new Schema(0, [f(9, 'gone', { kind: 'string' }, true)]), /column gone/, /field id 9 is missing/);
    await expectInvalid(good, new Schema(0, [f(1, 'id', { kind: 'int' }, true)]), /column id.*cannot read long as int/);
    await expectInvalid(good, new Schema(0, [f(5, 'name', { kind: 'long' })]), /column name.*cannot read string as long/);
    const junk = tmp.file('err-junk.parquet');
    writeFileSync(junk, 'not parquet at all, not at all');
    await expectInvalid(junk, schema, /not a Parquet file/);
  });
});

const ROOT = FIXTURES;
const fixtureTables = fixtureTablesWithData();
const parquetFiles = parquetFilesUnder;

describe.each(fixtureTables)('fixture %s: columnar reader = row reader', (table) => {
  it('every data file, read with the flat part of the current schema', async () => {
    const oracle = JSON.parse(readFileSync(path.join(ROOT, table, 'expected', 'oracle-plan.json'), 'utf8')) as { currentSchema: unknown };
    const proj = flatPart(schemaFromJson(oracle.currentSchema, 'currentSchema'));
    for (const file of parquetFiles(path.join(ROOT, table, 'table', 'data'))) {
      if (/delete/.test(path.basename(file))) continue;
      await expectSame(file, proj);
    }
  });
});
