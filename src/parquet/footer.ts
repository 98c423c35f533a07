/** FileMetaData (parquet-format `parquet.thrift`) serialisation. */
import type { LogicalAnnotation, SchemaElement } from './parquet-schema.js';
import { ThriftWriter, TType } from './thrift.js';

export interface ColumnChunkMeta {
  physical: number;
  path: readonly string[];
  codec: number;
  numValues: number;
  uncompressedSize: number;
  compressedSize: number;
  dataPageOffset: number;
  dictionaryPageOffset?: number;
  nullCount: number;
  minBytes?: Uint8Array;
  maxBytes?: Uint8Array;
}

export interface RowGroupMeta {
  columns: ColumnChunkMeta[];
  numRows: number;
  fileOffset: number;
  totalByteSize: number;
  totalCompressedSize: number;
}

function writeLogical(w: ThriftWriter, l: LogicalAnnotation): void {
  w.struct(10);
  switch (l.kind) {
    case 'string': w.struct(1).end(); break;
    case 'map': w.struct(2).end(); break;
    case 'list': w.struct(3).end(); break;
    case 'decimal': w.struct(5).i32(1, l.scale).i32(2, l.precision).end(); break;
    case 'date': w.struct(6).end(); break;
    case 'time':
    case 'timestamp':
      w.struct(l.kind === 'time' ? 7 : 8).bool(1, l.utc).struct(2).struct(l.unit === 'MICROS' ? 2 : 3).end().end().end();
      break;
    case 'uuid': w.struct(14).end(); break;
  }
  w.end();
}

export function writeFooter(
  schema: readonly SchemaElement[], rowGroups: readonly RowGroupMeta[], numRows: number, createdBy: string,
  kv: Readonly<Record<string, string>> | undefined,
): Uint8Array {
  const w = new ThriftWriter();
  w.i32(1, 1);
  w.list(2, TType.Struct, schema.length);
  for (const e of schema) {
    w.elem();
    if (e.physical !== undefined) w.i32(1, e.physical);
    if (e.typeLength) w.i32(2, e.typeLength);
    if (e.repetition !== undefined) w.i32(3, e.repetition);
    w.binary(4, e.name);
    if (e.numChildren !== undefined) w.i32(5, e.numChildren);
    if (e.converted !== undefined) w.i32(6, e.converted);
    if (e.scale !== undefined) w.i32(7, e.scale);
    if (e.precision !== undefined) w.i32(8, e.precision);
    if (e.fieldId !== undefined) w.i32(9, e.fieldId);
    if (e.logical) writeLogical(w, e.logical);
    w.end();
  }
  w.i64(3, numRows);
  w.list(4, TType.Struct, rowGroups.length);
  rowGroups.forEach((rg, ordinal) => {
    w.elem();
    w.list(1, TType.Struct, rg.columns.length);
    for (const c of rg.columns) {
      w.elem().i64(2, c.dictionaryPageOffset ?? c.dataPageOffset).struct(3);
      w.i32(1, c.physical).listI32(2, c.dictionaryPageOffset !== undefined ? [0, 3, 8] : [0, 3]).listString(3, c.path).i32(4, c.codec);
      w.i64(5, c.numValues).i64(6, c.uncompressedSize).i64(7, c.compressedSize).i64(9, c.dataPageOffset);
      if (c.dictionaryPageOffset !== undefined) w.i64(11, c.dictionaryPageOffset);
      w.struct(12).i64(3, c.nullCount);
      if (c.maxBytes && c.minBytes) w.binary(5, c.maxBytes).binary(6, c.minBytes);
      w.end();
      w.end().end();
    }
    w.i64(2, rg.totalByteSize).i64(3, rg.numRows).i64(5, rg.fileOffset).i64(6, rg.totalCompressedSize).i16(7, ordinal);
    w.end();
  });
  const kvs = Object.entries(kv ?? {});
  if (kvs.length) {
    w.list(5, TType.Struct, kvs.length);
    for (const [k, v] of kvs) w.elem().binary(1, k).binary(2, v).end();
  }
  w.binary(6, createdBy);
  const leaves = schema.filter((e) => e.physical !== undefined).length;
  w.list(7, TType.Struct, leaves);
  for (let i = 0; i < leaves; i++) w.elem().struct(1).end().end();
  return w.finish();
}
