/**
 * Columnar Parquet reader for flat projections (top-level primitive fields only): a row group
 * becomes one ColumnBatch of typed arrays (int/date -> Int32Array, long/time/timestamps/
 * decimal(P <= 18) -> BigInt64Array, float/double -> Float32Array/Float64Array; other types
 * as arrays of values.ts values) plus a null mask per nullable column. Values are never
 * boxed through per-row objects: PLAIN numbers are copied from the page, dictionary pages
 * are converted once and expanded by index, strings are decoded once each.
 *
 * Same semantics as readParquetRows (reader.ts): columns matched by field id (by name when
 * the file has no field ids), type promotion, fields missing from the file as the data
 * file's identity-partition constant or the initial default, errors as InvalidDataFileError.
 * Projections with nested types are not handled here: `isFlatProjection` says when to use
 * the row reader instead.
 */
import type { ColumnMetaData, CompressionCodec, SchemaTree } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { DEFAULT_PARSERS } from 'hyparquet/src/convert.js';
import { decompressPage, readDataPage, readDataPageV2 } from 'hyparquet/src/datapage.js';
import { readRleBitPackedHybrid } from 'hyparquet/src/encoding.js';
import { readPlain } from 'hyparquet/src/plain.js';
import { getSchemaPath } from 'hyparquet/src/schema.js';
import { IcetideError, type InvalidDataFileError } from '../errors.js';
import type { Schema } from '../iceberg/spec/schema.js';
import { typeToString, type NestedField, type PrimitiveType } from '../iceberg/spec/types.js';
import type { FileIO } from '../io/file-io.js';
import { DECOMPRESSORS } from './compression.js';
import { converter, defaultValue, fileType, fileTypeString, invalid, readParquetMetadata, type Convert, type FileType, type ParquetFileMetadata, type ReadOptions } from './reader.js';
import { PackedBytes } from './packed-bytes.js';
import { selectRows } from './row-selection.js';
import { expandByteRefs, PackedChunk, plainByteRefs, valueByteRefs, type ByteRefs } from './packed-column-reads.js';
import type { ColumnBatch } from './writer.js';

/**
 * In-memory form of one column of a batch; chosen by the projected (Iceberg) type, except
 * that with `packed` a string or binary column may come as PackedStrings/PackedBinary.
 */
export type ColumnData = Int32Array | BigInt64Array | Float32Array | Float64Array | unknown[] | PackedBytes;

/** A ColumnBatch whose columns are ColumnData, with a null mask (1 = null) per nullable column. */
export interface ColumnarBatch extends ColumnBatch {
  readonly columns: Readonly<Record<string, ColumnData>>;
  readonly nulls: Readonly<Record<string, Uint8Array | undefined>>;
}

type Repr = 'i32' | 'i64' | 'f32' | 'f64' | 'any';

/** The representation of a projected type (identical for every file read with it). */
export function columnRepr(t: PrimitiveType): Repr {
  switch (t.kind) {
    case 'int':
    case 'date':
      return 'i32';
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return 'i64';
    case 'decimal':
      return t.precision <= 18 ? 'i64' : 'any';
    case 'float':
      return 'f32';
    case 'double':
      return 'f64';
    default:
      return 'any';
  }
}

function allocate(repr: Repr, n: number): ColumnData {
  switch (repr) {
    case 'i32':
      return new Int32Array(n);
    case 'i64':
      return new BigInt64Array(n);
    case 'f32':
      return new Float32Array(n);
    case 'f64':
      return new Float64Array(n);
    case 'any':
      return new Array<unknown>(n);
  }
}

/** True when every projected field is primitive (the columnar reader handles it). */
export function isFlatProjection(projection: Schema): boolean {
  return projection.fields.every((f) => f.type.kind !== 'struct' && f.type.kind !== 'list' && f.type.kind !== 'map');
}

interface FileColumn {
  readonly name: string;
  readonly repr: Repr;
  readonly source:
    | { kind: 'constant'; value: unknown }
    | { kind: 'leaf'; path: string[]; tree: SchemaTree[]; optional: boolean; ft: FileType; conv: Convert; identity: boolean; packed: 'string' | 'binary' | undefined };
}

/** Whether a file value needs no conversion to land in the repr (typed copies are exact). */
function isIdentity(ft: FileType, physical: string, repr: Repr): boolean {
  switch (repr) {
    case 'i32':
      return ft.kind === 'int' || ft.kind === 'date';
    case 'f32':
      return ft.kind === 'float';
    case 'f64':
      return ft.kind === 'double' || ft.kind === 'float';
    case 'i64':
      // INT64 physical values already hold micros/nanos/unscaled decimals (INT32 ones need widening).
      return ft.kind === 'long' || ft.kind === 'time' || ft.kind === 'timestamp' || ft.kind === 'timestamptz' || ft.kind === 'timestamp_ns' || ft.kind === 'timestamptz_ns' ||
        (ft.kind === 'decimal' && physical === 'INT64');
    case 'any':
      return false;
  }
}

/** Plans the columns of one file (throws the same errors the row reader throws). */
function planColumns(meta: ParquetFileMetadata, projection: Schema, constants: ReadonlyMap<number, unknown> | undefined, packed: boolean): FileColumn[] {
  const loc = meta.location;
  const byId = meta.hasFieldIds;
  return projection.fields.map((f: NestedField): FileColumn => {
    const t = f.type as PrimitiveType;
    const repr = columnRepr(t);
    const node = meta.schema.children.find((c) => (byId ? c.element.field_id === f.id : c.element.name === f.name));
    if (!node) {
      if (constants?.has(f.id)) return { name: f.name, repr, source: { kind: 'constant', value: constants.get(f.id) } };
      if (f.required && f.initialDefault === undefined) {
        throw invalid(loc, `required field id ${f.id} is missing from the file${byId ? '' : ' (the file has no field ids; matched by name)'}`, f.name);
      }
      return { name: f.name, repr, source: { kind: 'constant', value: defaultValue(f, loc) } };
    }
    const el = node.element;
    const mismatch = (what: string): InvalidDataFileError => invalid(loc, `cannot read ${what} as ${typeToString(t)} (field id ${f.id})`, f.name);
    if (el.repetition_type === 'REPEATED') throw invalid(loc, 'repeated field outside a LIST/MAP group is not supported', f.name);
    if (node.children.length || el.type === undefined) throw mismatch('a group');
    const ft = fileType(el);
    if (!ft) throw mismatch(`physical type ${el.type}`);
    const conv = converter(ft, t);
    if (!conv) throw mismatch(fileTypeString(ft));
    // packed: BYTE_ARRAY strings/binaries read as they are stored (no conversion between the two)
    const pack = packed && el.type === 'BYTE_ARRAY' && (t.kind === 'string' || t.kind === 'binary') && ft.kind === t.kind ? t.kind : undefined;
    return {
      name: f.name, repr,
      source: { kind: 'leaf', path: node.path, tree: getSchemaPath(meta.raw.schema, node.path), optional: el.repetition_type !== 'REQUIRED', ft, conv, identity: isIdentity(ft, el.type, repr), packed: pack },
    };
  });
}

function constantColumn(repr: Repr, value: unknown, n: number): { data: ColumnData; nulls: Uint8Array | undefined } {
  const data = allocate(repr, n);
  if (value === null || value === undefined) {
    if (Array.isArray(data)) data.fill(null);
    return { data, nulls: new Uint8Array(n).fill(1) };
  }
  (data as { fill(v: unknown): unknown }).fill(value);
  return { data, nulls: undefined };
}

const utf8 = new TextDecoder();

/**
 * PLAIN BYTE_ARRAY values (parquet-format Encodings.md: 4-byte little-endian length, then the
 * bytes), decoded straight to strings or copied to owned byte arrays. Strings: the page is
 * read once as latin1 (one char per byte, so byte offsets are char offsets) and an all-ASCII
 * value, where latin1 and UTF-8 agree, is a substring of it; other values are decoded as UTF-8.
 */
function readPlainByteArrays(bytes: Uint8Array, offset: number, count: number, asString: boolean): unknown[] {
  const out = new Array<unknown>(count);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = asString ? buf.toString('latin1', offset, buf.length) : '';
  const { starts, ends } = plainByteRefs(bytes, offset, count);
  for (let i = 0; i < count; i++) {
    const s = starts[i]!, e = ends[i]!;
    if (asString) {
      let ascii = true;
      for (let k = s; k < e; k++) {
        if (buf[k]! >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) out[i] = text.substring(s - offset, e - offset);
      else {
        let v = buf.toString('utf8', s, e);
        // The row reader decodes with TextDecoder, which drops a leading byte-order mark.
        if (v.charCodeAt(0) === 0xfeff) v = utf8.decode(bytes.subarray(s, e));
        out[i] = v;
      }
    } else {
      // a plain Uint8Array copy (the page may be a Buffer, whose slice() is a view)
      const b = new Uint8Array(e - s);
      b.set(bytes.subarray(s, e));
      out[i] = b;
    }
  }
  return out;
}

/** Non-null values of a page (or a dictionary) converted into the column's representation. */
function toRepr(col: Extract<FileColumn['source'], { kind: 'leaf' }>, repr: Repr, raw: ArrayLike<unknown>): ColumnData {
  const n = raw.length;
  if (col.identity && repr !== 'any') {
    if (repr === 'i64' && raw instanceof BigInt64Array) return raw;
    if (repr === 'i32' && raw instanceof Int32Array) return raw;
    if (repr === 'f32' && raw instanceof Float32Array) return raw;
    if (repr === 'f64' && raw instanceof Float64Array) return raw;
    const out = allocate(repr, n) as { [i: number]: unknown };
    for (let i = 0; i < n; i++) out[i] = raw[i];
    return out as ColumnData;
  }
  const out = allocate(repr, n) as { [i: number]: unknown };
  const conv = col.conv;
  for (let i = 0; i < n; i++) out[i] = conv(raw[i]);
  return out as ColumnData;
}

/** Two int32 words per 64-bit value: copies without materialising a bigint per element. */
function words(a: BigInt64Array): Int32Array {
  return new Int32Array(a.buffer, a.byteOffset, a.length * 2);
}

/** out[rows...] = dense[...] for the rows whose def level is the max (the others are nulls). */
function scatter(out: ColumnData, at: number, dense: ColumnData, defs: ArrayLike<number> | undefined, maxDef: number, count: number, nulls: Uint8Array): void {
  if (!defs) {
    if (Array.isArray(out)) for (let i = 0; i < count; i++) out[at + i] = (dense as ArrayLike<unknown>)[i];
    else (out as Int32Array).set(dense as Int32Array, at);
    return;
  }
  if (out instanceof BigInt64Array) {
    const o = words(out), d = words(dense as BigInt64Array);
    for (let i = 0, v = 0; i < count; i++) {
      if (defs[i] === maxDef) {
        o[2 * (at + i)] = d[2 * v]!;
        o[2 * (at + i) + 1] = d[2 * v + 1]!;
        v++;
      } else nulls[at + i] = 1;
    }
    return;
  }
  const o = out as { [i: number]: unknown };
  const d = dense as ArrayLike<unknown>;
  const any = Array.isArray(out);
  for (let i = 0, v = 0; i < count; i++) {
    if (defs[i] === maxDef) o[at + i] = d[v++];
    else {
      nulls[at + i] = 1;
      if (any) o[at + i] = null;
    }
  }
}

/** dense[i] = dict[idx[i]] without boxing typed values. */
function expand(dict: ColumnData, idx: ArrayLike<number>, n: number): ColumnData {
  if (dict instanceof BigInt64Array) {
    const out = new BigInt64Array(n);
    const o = words(out), d = words(dict);
    for (let i = 0; i < n; i++) {
      const k = idx[i]!;
      if (k >= dict.length) throw new Error(`dictionary index ${k} out of range (${dict.length} entries)`);
      o[2 * i] = d[2 * k]!;
      o[2 * i + 1] = d[2 * k + 1]!;
    }
    return out;
  }
  const out = Array.isArray(dict) ? new Array<unknown>(n) : new (dict.constructor as new (n: number) => Int32Array)(n);
  const o = out as { [i: number]: unknown };
  const d = dict as ArrayLike<unknown>;
  for (let i = 0; i < n; i++) {
    const k = idx[i]!;
    if (k >= d.length) throw new Error(`dictionary index ${k} out of range (${d.length} entries)`);
    o[i] = d[k];
  }
  return out as ColumnData;
}

function bitWidth(max: number): number {
  return max === 0 ? 0 : 32 - Math.clz32(max);
}

/** Decodes one flat column chunk of `rows` rows into its representation and null mask. */
async function readChunk(io: FileIO, meta: ParquetFileMetadata, chunks: ReadonlyMap<string, ColumnMetaData>, col: FileColumn, rows: number): Promise<{ data: ColumnData; nulls: Uint8Array | undefined }> {
  const src = col.source;
  if (src.kind === 'constant') return constantColumn(col.repr, src.value, rows);
  const loc = meta.location;
  const name = src.path.join('.');
  const md = chunks.get(src.path.join('\u0000'));
  if (!md) throw invalid(loc, 'column chunk missing from row group', name);
  const dictOffset = md.dictionary_page_offset !== undefined && md.dictionary_page_offset > 0n && md.dictionary_page_offset < md.data_page_offset ? md.dictionary_page_offset : undefined;
  const start = Number(dictOffset ?? md.data_page_offset);
  const bytes = await io.readRange(loc, start, Number(md.total_compressed_size));
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  const element = src.tree[src.tree.length - 1]!.element;
  const codec = md.codec as CompressionCodec;
  const decoder = { pathInSchema: src.path, type: md.type, element, schemaPath: src.tree, codec, parsers: DEFAULT_PARSERS, compressors: DECOMPRESSORS, utf8: false };
  const maxDef = src.optional ? 1 : 0;
  const total = Number(md.num_values);
  const nulls = new Uint8Array(maxDef ? rows : 0);
  // packed: values stay bytes (ByteRefs per page, one PackedChunk for the chunk)
  const packed = src.packed && md.type === 'BYTE_ARRAY' ? new PackedChunk(rows, Number(md.total_uncompressed_size)) : undefined;
  const out = packed ? undefined : allocate(col.repr, rows);
  const asString = md.type === 'BYTE_ARRAY' && (src.ft.kind === 'string');
  let dict: ColumnData | undefined;
  let dictRefs: ByteRefs | undefined;
  let seen = 0;
  try {
    if (total !== rows) throw new Error(`${total} values in a row group of ${rows} rows`);
    while (seen < total && reader.offset < bytes.length) {
      const header = parquetHeader(reader);
      const body = bytes.subarray(reader.offset, reader.offset + header.compressed_page_size);
      reader.offset += header.compressed_page_size;
      if (body.length < header.compressed_page_size) throw new Error('page extends past the column chunk');
      if (header.type === 'DICTIONARY_PAGE') {
        const dph = header.dictionary_page_header!;
        const raw = decompressPage(body, header.uncompressed_page_size, codec, DECOMPRESSORS);
        if (packed) {
          dictRefs = plainByteRefs(raw, 0, dph.num_values);
          continue;
        }
        const values = md.type === 'BYTE_ARRAY'
          ? readPlainByteArrays(raw, 0, dph.num_values, asString)
          : readPlain({ view: new DataView(raw.buffer, raw.byteOffset, raw.byteLength), offset: 0 }, md.type, dph.num_values, element.type_length);
        dict = asString ? (values as unknown[]) : toRepr(src, col.repr, values as ArrayLike<unknown>);
        continue;
      }
      let count: number;
      let defs: ArrayLike<number> | undefined;
      let dense: ColumnData | ByteRefs;
      const daph = header.type === 'DATA_PAGE' ? header.data_page_header : undefined;
      if (daph && (daph.encoding === 'PLAIN' || daph.encoding.endsWith('_DICTIONARY')) && md.type !== 'BOOLEAN') {
        // Data page v1 (parquet-format DataPage): [def levels: 4-byte length + RLE/bit-packed
        // hybrid] then the values; flat columns have no repetition levels.
        const raw = decompressPage(body, header.uncompressed_page_size, codec, DECOMPRESSORS);
        const r = { view: new DataView(raw.buffer, raw.byteOffset, raw.byteLength), offset: 0 };
        count = daph.num_values;
        let present = count;
        if (maxDef) {
          const lv = new Uint8Array(count);
          readRleBitPackedHybrid(r, bitWidth(maxDef), lv);
          present = 0;
          for (let i = 0; i < count; i++) present += lv[i]!;
          if (present < count) defs = lv;
        }
        if (daph.encoding === 'PLAIN' && packed) dense = plainByteRefs(raw, r.offset, present);
        else if (daph.encoding === 'PLAIN') {
          const values = md.type === 'BYTE_ARRAY' ? readPlainByteArrays(raw, r.offset, present, asString) : readPlain(r, md.type, present, element.type_length);
          dense = asString ? (values as unknown[]) : toRepr(src, col.repr, values as ArrayLike<unknown>);
        } else {
          if (!dict && !dictRefs) throw new Error('dictionary-encoded page without a dictionary page');
          const idx = new Int32Array(present);
          if (present > 0) {
            const w = r.view.getUint8(r.offset++);
            if (w) readRleBitPackedHybrid(r, w, idx, raw.length - r.offset);
          }
          dense = dictRefs ? expandByteRefs(dictRefs, idx, present) : expand(dict!, idx, present);
        }
      } else if (header.type === 'DATA_PAGE' || header.type === 'DATA_PAGE_V2') {
        // Other encodings (delta, byte-stream-split, RLE booleans) and v2 pages: hyparquet's decoders.
        let page;
        let encoding: string;
        if (header.type === 'DATA_PAGE') {
          const raw = decompressPage(body, header.uncompressed_page_size, codec, DECOMPRESSORS);
          page = readDataPage(raw, header.data_page_header!, decoder);
          encoding = header.data_page_header!.encoding;
          count = header.data_page_header!.num_values;
        } else {
          page = readDataPageV2(body, header, decoder);
          encoding = header.data_page_header_v2!.encoding;
          count = header.data_page_header_v2!.num_values;
        }
        defs = page.definitionLevels && page.definitionLevels.length ? page.definitionLevels : undefined;
        const data = page.dataPage as ArrayLike<unknown>;
        if (encoding.endsWith('_DICTIONARY')) {
          if (!dict && !dictRefs) throw new Error('dictionary-encoded page without a dictionary page');
          dense = dictRefs ? expandByteRefs(dictRefs, data as ArrayLike<number>, data.length) : expand(dict!, data as ArrayLike<number>, data.length);
        } else if (packed) dense = valueByteRefs(data);
        else if (md.type === 'BOOLEAN') {
          const b = new Array<unknown>(data.length);
          for (let i = 0; i < data.length; i++) b[i] = Boolean(data[i]);
          dense = b;
        } else dense = toRepr(src, col.repr, data);
      } else continue;
      if (seen + count > rows) throw new Error(`pages hold more than the ${rows} values of the row group`);
      if (packed) packed.scatter(seen, dense as ByteRefs, defs, maxDef, count, nulls);
      else scatter(out!, seen, dense as ColumnData, defs, maxDef, count, nulls);
      seen += count;
    }
  } catch (err) {
    if (err instanceof IcetideError) throw err;
    throw invalid(loc, `cannot decode column chunk: ${err instanceof Error ? err.message : String(err)}`, name, err);
  }
  if (seen !== total) throw invalid(loc, `column chunk has ${seen} values, metadata says ${total}`, name);
  let anyNull = false;
  for (let i = 0; i < nulls.length && !anyNull; i++) if (nulls[i]) anyNull = true;
  return { data: packed ? packed.finish(src.packed!, nulls) : out!, nulls: anyNull ? nulls : undefined };
}

export interface ColumnReadOptions extends Pick<ReadOptions, 'rowGroups' | 'constants'> {
  /**
   * String and binary columns stored as BYTE_ARRAY come as PackedStrings/PackedBinary (bytes
   * as stored, no value made per row) for a reader that passes them on to the Parquet writer.
   * A string chunk that is not well-formed UTF-8 still comes as decoded strings.
   */
  readonly packed?: boolean;
}

/**
 * Reads a file projected onto a flat `projection`, one ColumnarBatch per row group (the
 * batch's arrays are the row group's; memory is bounded by one decoded row group).
 * Throws for a nested projection (see isFlatProjection).
 */
export async function* readParquetColumns(io: FileIO, location: string, projection: Schema, opts: ColumnReadOptions = {}): AsyncIterable<ColumnarBatch> {
  if (!isFlatProjection(projection)) throw new IcetideError(`readParquetColumns: projection of ${location} has nested fields; use readParquetRows`);
  const meta = await readParquetMetadata(io, location);
  const cols = planColumns(meta, projection, opts.constants, opts.packed === true);
  for (let g = 0; g < meta.rowGroups.length; g++) {
    const rg = meta.rowGroups[g]!;
    if (opts.rowGroups && !opts.rowGroups(rg, g)) continue;
    const rows = Number(rg.num_rows);
    // the row group's column chunks by path (first one wins, as a find() would)
    const chunks = new Map<string, ColumnMetaData>();
    for (const c of rg.columns) {
      const k = c.meta_data?.path_in_schema.join('\u0000');
      if (k !== undefined && !chunks.has(k)) chunks.set(k, c.meta_data!);
    }
    const columns: Record<string, ColumnData> = {};
    const nulls: Record<string, Uint8Array | undefined> = {};
    for (const c of cols) {
      const { data, nulls: n } = await readChunk(io, meta, chunks, c, rows);
      columns[c.name] = data;
      nulls[c.name] = n;
    }
    yield { length: rows, columns, nulls };
  }
}

/** The value of row i of a column (values.ts representation, null for null). */
export function columnValue(batch: ColumnarBatch, name: string, i: number): unknown {
  if (batch.nulls[name]?.[i]) return null;
  const col = batch.columns[name];
  const v = col instanceof PackedBytes ? col.get(i) : col?.[i];
  return v === undefined ? null : v;
}

/** Keeps the rows whose mask entry is non-zero (`kept` of them), column by column. */
export function gatherColumns(batch: ColumnarBatch, mask: Uint8Array, kept: number): ColumnarBatch {
  if (kept === batch.length) return batch;
  // The kept rows' indices once, then each column copied by them.
  const rows = new Int32Array(kept);
  for (let i = 0, j = 0; j < kept; i++) if (mask[i]) rows[j++] = i;
  const columns: Record<string, ColumnData> = {};
  const nulls: Record<string, Uint8Array | undefined> = {};
  for (const name in batch.columns) {
    columns[name] = selectRows(batch.columns[name]!, rows) as ColumnData;
    const nm = batch.nulls[name];
    const kn = nm ? (selectRows(nm, rows) as Uint8Array) : undefined;
    nulls[name] = kn?.includes(1) ? kn : undefined;
  }
  return { length: kept, columns, nulls };
}
