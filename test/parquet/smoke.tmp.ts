import { LocalFileIO } from '../../src/io/local-file-io.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { ParquetFileWriter } from '../../src/parquet/writer.js';
import { DuckDBInstance } from '@duckdb/node-api';
const schema = new Schema(0, [
  { id: 1, name: 'id', required: true, type: { kind: 'long' } },
  { id: 2, name: 's', required: false, type: { kind: 'string' } },
  { id: 3, name: 'd', required: false, type: { kind: 'decimal', precision: 38, scale: 10 } },
  { id: 4, name: 'l', required: false, type: { kind: 'list', elementId: 5, elementRequired: false, element: { kind: 'int' } } },
  { id: 6, name: 'm', required: false, type: { kind: 'map', keyId: 7, key: { kind: 'string' }, valueId: 8, valueRequired: false, value: { kind: 'double' } } },
  { id: 9, name: 'st', required: false, type: { kind: 'struct', fields: [{ id: 10, name: 'a', required: false, type: { kind: 'timestamptz' } }, { id: 11, name: 'u', required: false, type: { kind: 'uuid' } }] } },
]);
const io = new LocalFileIO();
const w = await ParquetFileWriter.open(io, '/tmp/pq/smoke.parquet', schema);
await w.write([
  { id: 1n, s: 'héllo 😀', d: 12345678901234567890123456789012345678n, l: [1, null, 3], m: new Map([['a', 1.5], ['b', NaN]]), st: { a: 1700000000123456n, u: '123e4567-e89b-12d3-a456-426614174000' } },
  { id: -(2n ** 63n), s: null, d: null, l: [], m: new Map(), st: null },
  { id: 2n ** 63n - 1n, s: '', d: -1n, l: null, m: null, st: { a: null, u: null } },
]);
const m = await w.close();
console.log(m);
const db = await DuckDBInstance.create(':memory:'); const c = await db.connect();
const r = await c.runAndReadAll(`select * from read_parquet('/tmp/pq/smoke.parquet')`);
console.log(r.getRowObjectsJson());
const s = await c.runAndReadAll(`select name, type, field_id, converted_type, logical_type from parquet_schema('/tmp/pq/smoke.parquet')`);
console.log(s.getRowObjectsJson());
