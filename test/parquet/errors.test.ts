import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidDataFileError } from '../../src/errors.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import type { IcebergType, NestedField } from '../../src/iceberg/spec/types.js';
import { ParquetFileWriter, readParquetMetadata, readParquetRows } from '../../src/parquet/index.js';
import { collect, io, query, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const f = (id: number, name: string, type: IcebergType, required = false, extra: Partial<NestedField> = {}): NestedField => ({ id, name, required, type, ...extra });

const schema = new Schema(0, [
  f(1, 'id', { kind: 'long' }, true),
  f(2, 'qty', { kind: 'int' }),
  f(3, 'price', { kind: 'float' }),
  f(4, 'amount', { kind: 'decimal', precision: 9, scale: 2 }),
  f(5, 'name', { kind: 'string' }),
]);
const good = tmp.file('good.parquet');

beforeAll(async () => {
  const w = await ParquetFileWriter.open(io, good, schema);
  await w.write(Array.from({ length: 1000 }, (_, i) => ({ id: BigInt(i), qty: i, price: i / 2, amount: BigInt(i * 100), name: `n${i}` })));
  await w.close();
});

async function expectInvalid(file: string, proj: Schema, ...patterns: RegExp[]): Promise<void> {
  const err = await collect(readParquetRows(io, file, proj)).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(InvalidDataFileError);
  const msg = (err as Error).message;
  expect(msg).toContain(file);
  for (const p of patterns) expect(msg).toMatch(p);
}

describe('reader: projection, promotion, defaults', () => {
  it('promotes int->long, float->double, decimal(9,2)->decimal(18,2); projects by id, not name', async () => {
    const proj = new Schema(1, [
      f(5, 'renamed', { kind: 'string' }),
      f(2, 'qty', { kind: 'long' }),
      f(3, 'price', { kind: 'double' }),
      f(4, 'amount', { kind: 'decimal', precision: 18, scale: 2 }),
    ]);
    const rows = await collect(readParquetRows(io, good, proj));
    expect(rows[3]).toEqual({ renamed: 'n3', qty: 3n, price: 1.5, amount: 300n });
  });

  it('columns added later read as their initial default, or null', async () => {
    const proj = new Schema(1, [
      f(1, 'id', { kind: 'long' }, true),
      f(10, 'added', { kind: 'string' }),
      f(11, 'with_default', { kind: 'int' }, true, { initialDefault: 42 }),
      f(12, 'dec_default', { kind: 'decimal', precision: 9, scale: 2 }, false, { initialDefault: '3.14' }),
      f(13, 'st', { kind: 'struct', fields: [f(14, 'a', { kind: 'long' })] }),
    ]);
    const rows = await collect(readParquetRows(io, good, proj));
    expect(rows[7]).toEqual({ id: 7n, added: null, with_default: 42, dec_default: 314n, st: null });
  });

  it('identity-partition constants fill columns missing from the file (before initial defaults)', async () => {
    const proj = new Schema(1, [f(1, 'id', { kind: 'long' }, true), f(20, 'region', { kind: 'string' }, true, { initialDefault: 'nope' }), f(2, 'qty', { kind: 'int' })]);
    const rows = await collect(readParquetRows(io, good, proj, { constants: new Map<number, unknown>([[20, 'eu'], [2, 999]]) }));
    // a constant only applies when the file lacks the column
    expect(rows[1]).toEqual({ id: 1n, region: 'eu', qty: 1 });
  });

  it('a file without any field ids falls back to matching top-level names', async () => {
    const file = tmp.file('noids.parquet');
    await query(`COPY (SELECT 7::BIGINT AS id, 'x' AS name, 5::INTEGER AS qty) TO '${file}' (FORMAT parquet)`);
    const meta = await readParquetMetadata(io, file);
    expect(meta.hasFieldIds).toBe(false);
    const rows = await collect(readParquetRows(io, file, schema));
    expect(rows).toEqual([{ id: 7n, qty: 5, price: null, amount: null, name: 'x' }]);
  });
});

describe('reader: bad input is an InvalidDataFileError naming the file (and column)', () => {
  it('non-Parquet file', async () => {
    const file = tmp.file('text.parquet');
    writeFileSync(file, 'this is not a parquet file at all, just some text');
    await expectInvalid(file, schema, /not a Parquet file/);
  });

  it('empty and tiny files', async () => {
    const file = tmp.file('empty.parquet');
    writeFileSync(file, '');
    await expectInvalid(file, schema, /too short/);
  });

  it('truncated file', async () => {
    const bytes = readFileSync(good);
    for (const keep of [bytes.length - 1, bytes.length - 20, Math.floor(bytes.length / 2), 8]) {
      const file = tmp.file(`trunc-${keep}.parquet`);
      writeFileSync(file, bytes.subarray(0, keep));
      await expectInvalid(file, schema, /truncated|not a Parquet file|too short|corrupt/);
    }
  });

  it('a truncated file whose footer is intact but data is cut (column chunk past the footer)', async () => {
    const bytes = readFileSync(good);
    const footerLen = bytes.readUInt32LE(bytes.length - 8);
    const tail = bytes.subarray(bytes.length - 8 - footerLen);
    const file = tmp.file('cut-data.parquet');
    writeFileSync(file, Buffer.concat([bytes.subarray(0, 100), tail]));
    await expectInvalid(file, schema, /truncated/);
  });

  it('corrupt page data names the column', async () => {
    const bytes = Buffer.from(readFileSync(good));
    const meta = await readParquetMetadata(io, good);
    const off = Number(meta.rowGroups[0]!.columns[4]!.meta_data!.data_page_offset);
    for (let i = off + 30; i < off + 60; i++) bytes[i] = 0xff;
    const file = tmp.file('corrupt.parquet');
    writeFileSync(file, bytes);
    await expectInvalid(file, schema, /column name/);
  });

  it('a required column whose field id is missing from the file', async () => {
    const file = tmp.file('partial-ids.parquet');
    await query(`COPY (SELECT 1::BIGINT AS id, 'x' AS name) TO '${file}' (FORMAT parquet, FIELD_IDS {id: 1})`);
    const proj = new Schema(0, [f(1, 'id', { kind: 'long' }, true), f(5, 'name', { kind: 'string' }, true)]);
    await expectInvalid(file, proj, /column name/, /field id 5 is missing/);
  });

  it('a column that cannot be promoted', async () => {
    const cases: [NestedField, RegExp][] = [
      [f(1, 'id', { kind: 'int' }, true), /column id.*cannot read long as int/],
      [f(5, 'name', { kind: 'long' }), /column name.*cannot read string as long/],
      [f(4, 'amount', { kind: 'decimal', precision: 9, scale: 3 }), /column amount.*decimal\(9, 2\) as decimal\(9, 3\)/],
      [f(3, 'price', { kind: 'struct', fields: [] }), /column price/],
      [f(2, 'qty', { kind: 'list', elementId: 9, elementRequired: false, element: { kind: 'int' } }), /column qty/],
    ];
    for (const [field, re] of cases) await expectInvalid(good, new Schema(0, [field]), re);
  });
});
