import { afterAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import {
  DELETE_FILE_PATH_ID, DELETE_POS_ID, POSITION_DELETE_SCHEMA, ParquetFileWriter, checkPositionDeletesSorted, equalityDeleteSchema,
  readParquetRows, sortPositionDeletes,
} from '../../src/parquet/index.js';
import { collect, io, query, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('position delete files', () => {
  it('sortPositionDeletes orders by file_path (code points) then pos, without mutating', () => {
    const input = [
      { file_path: 's3://b/f2.parquet', pos: 5n },
      { file_path: 's3://b/f1.parquet', pos: 10n },
      { file_path: 's3://b/f1.parquet', pos: 2n },
      { file_path: 's3://b/\uFFFD.parquet', pos: 0n },
      { file_path: 's3://b/😀.parquet', pos: 0n },
    ];
    const sorted = sortPositionDeletes(input);
    expect(sorted.map((d) => `${d.file_path}#${d.pos}`)).toEqual([
      's3://b/f1.parquet#2', 's3://b/f1.parquet#10', 's3://b/f2.parquet#5', 's3://b/\uFFFD.parquet#0', 's3://b/😀.parquet#0',
    ]);
    expect(input[0]!.pos).toBe(5n);
    expect(() => checkPositionDeletesSorted(sorted)).not.toThrow();
    expect(() => checkPositionDeletesSorted(input)).toThrow(ValidationError);
  });

  it('writes (file_path, pos) with the reserved field ids; DuckDB and our reader read it', async () => {
    const file = tmp.file('pos-deletes.parquet');
    const deletes = sortPositionDeletes(Array.from({ length: 5000 }, (_, i) => ({ file_path: `s3://bucket/data/f-${i % 3}.parquet`, pos: BigInt(4999 - i) })));
    const w = await ParquetFileWriter.open(io, file, POSITION_DELETE_SCHEMA);
    await w.write(deletes);
    const m = await w.close();
    expect(m.recordCount).toBe(5000n);
    expect(m.lowerBounds.get(DELETE_FILE_PATH_ID)).toBe('s3://bucket/data/f-0.parquet'.slice(0, 16));
    expect(m.lowerBounds.get(DELETE_POS_ID)).toBe(0n);
    const ids = await query(`SELECT name, field_id::INTEGER AS id FROM parquet_schema('${file}') WHERE field_id IS NOT NULL`);
    expect(ids).toEqual([{ name: 'file_path', id: 2147483546 }, { name: 'pos', id: 2147483545 }]);
    const duck = await query(`SELECT file_path, pos FROM read_parquet('${file}')`);
    expect(duck).toEqual(deletes);
    expect(await collect(readParquetRows(io, file, POSITION_DELETE_SCHEMA))).toEqual(deletes);
  });
});

describe('equality delete files', () => {
  const table = new Schema(3, [
    { id: 1, name: 'id', required: true, type: { kind: 'long' } },
    { id: 2, name: 'name', required: false, type: { kind: 'string' } },
    { id: 3, name: 'score', required: false, type: { kind: 'double' } },
    { id: 4, name: 'addr', required: false, type: { kind: 'struct', fields: [
      { id: 5, name: 'city', required: false, type: { kind: 'string' } },
      { id: 6, name: 'zip', required: false, type: { kind: 'int' } },
    ] } },
    { id: 7, name: 'tags', required: false, type: { kind: 'list', elementId: 8, elementRequired: true, element: { kind: 'string' } } },
  ]);

  it('keeps the equality columns (nested ones inside their structs) with their ids', () => {
    const s = equalityDeleteSchema(table, [1, 6]);
    expect(s.fields.map((f) => f.id)).toEqual([1, 4]);
    expect(s.findField(6)?.name).toBe('zip');
    expect(s.findField(5)).toBeUndefined();
    expect(s.findField(2)).toBeUndefined();
  });

  it('rejects missing, nested-in-list, non-primitive and floating-point columns', () => {
    expect(() => equalityDeleteSchema(table, [])).toThrow(ValidationError);
    expect(() => equalityDeleteSchema(table, [99])).toThrow(/99/);
    expect(() => equalityDeleteSchema(table, [3])).toThrow(/floating point/);
    expect(() => equalityDeleteSchema(table, [4])).toThrow(/not a primitive/);
    expect(() => equalityDeleteSchema(table, [8])).toThrow(/inside a list/);
  });

  it('writes an equality delete file DuckDB reads with the table ids', async () => {
    const eq = equalityDeleteSchema(table, [1, 2]);
    const file = tmp.file('eq-deletes.parquet');
    const rows = [{ id: 1n, name: 'a' }, { id: 2n, name: null }];
    const w = await ParquetFileWriter.open(io, file, eq);
    await w.write(rows);
    await w.close();
    const ids = await query(`SELECT name, field_id::INTEGER AS id FROM parquet_schema('${file}') WHERE field_id IS NOT NULL`);
    expect(ids).toEqual([{ name: 'id', id: 1 }, { name: 'name', id: 2 }]);
    expect(await query(`SELECT id, name FROM read_parquet('${file}')`)).toEqual(rows);
    expect(await collect(readParquetRows(io, file, eq))).toEqual(rows);
  });
});
