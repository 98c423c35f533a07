/**
 * Parquet reader for Iceberg data and delete files: columns are matched by field id (spec
 * "Column Projection"), with type promotion (int->long, float->double, decimal widening at the
 * same scale), fields missing from the file returned as their initial default or null, and
 * values mapped to the values.ts representations. Files written without any field ids (e.g.
 * imported files) fall back to matching by name, like a default name mapping would.
 *
 * Decoding of pages (encodings, codecs) is hyparquet's; level assembly and value conversion
 * are ours, so decimals stay exact and maps keep non-string keys.
 */
import { parquetMetadata, parquetSchema } from 'hyparquet';
import type { CompressionCodec, DecodedArray, FileMetaData, RowGroup, SchemaElement, SchemaTree } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { DEFAULT_PARSERS } from 'hyparquet/src/convert.js';
import { decompressPage, readDataPage, readDataPageV2 } from 'hyparquet/src/datapage.js';
import { readPlain } from 'hyparquet/src/plain.js';
import { getSchemaPath } from 'hyparquet/src/schema.js';
import { IcetideError, InvalidDataFileError } from '../errors.js';
import type { Schema } from '../iceberg/spec/schema.js';
import { canPromote, typeToString, type IcebergType, type NestedField, type PrimitiveType } from '../iceberg/spec/types.js';
import { twosComplementToBigint, uuidFromBytes, valueFromJson } from '../iceberg/spec/value-serialization.js';
import type { FileIO } from '../io/file-io.js';
import { DECOMPRESSORS } from './compression.js';
import type { Row } from './shred.js';

export type { FileMetaData, RowGroup, SchemaTree } from 'hyparquet';

export interface ParquetFileMetadata {
  readonly location: string;
  readonly fileSize: number;
  readonly numRows: bigint;
  readonly rowGroups: readonly RowGroup[];
  /** Schema tree (root first); `element.field_id` carries the Iceberg field ids. */
  readonly schema: SchemaTree;
  /** True when at least one schema element carries a field id. */
  readonly hasFieldIds: boolean;
  readonly createdBy?: string;
  readonly raw: FileMetaData;
}

export interface ReadOptions {
  /** Rows per yielded batch (default: 10000). Row groups are read one at a time. */
  batchSize?: number;
  /** Row-group filter: return false to skip one. */
  rowGroups?: (meta: RowGroup, index: number) => boolean;
  /**
   * Values for field ids missing from the file, used before initial defaults: the data file's
   * identity-partition values (spec "Column Projection", rule 1). values.ts representations.
   */
  constants?: ReadonlyMap<number, unknown>;
}

const MAGIC = 0x31524150; // "PAR1" little-endian

export function invalid(location: string, msg: string, column?: string, cause?: unknown): InvalidDataFileError {
  return new InvalidDataFileError(`${location}${column !== undefined ? `: column ${column}` : ''}: ${msg}`, { location, column }, { cause });
}

/** Reads and parses the footer; a truncated or foreign file is an InvalidDataFileError. */
export async function readParquetMetadata(io: FileIO, location: string): Promise<ParquetFileMetadata> {
  const size = await io.length(location);
  if (size < 12) throw invalid(location, `not a Parquet file (${size} bytes, too short)`);
  const head = await io.readRange(location, 0, 4);
  const tail = await io.readRange(location, size - 8, 8);
  const dv = new DataView(tail.buffer, tail.byteOffset, 8);
  if (new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true) !== MAGIC) throw invalid(location, 'not a Parquet file (no PAR1 magic at the start)');
  if (dv.getUint32(4, true) !== MAGIC) throw invalid(location, 'not a Parquet file or truncated (no PAR1 magic at the end)');
  const footerLen = dv.getUint32(0, true);
  if (footerLen + 12 > size) throw invalid(location, `truncated or corrupt footer (length ${footerLen} > file size ${size})`);
  const footer = await io.readRange(location, size - 8 - footerLen, footerLen + 8);
  let raw: FileMetaData;
  try {
    raw = parquetMetadata(footer);
  } catch (err) {
    throw invalid(location, `corrupt footer: ${err instanceof Error ? err.message : String(err)}`, undefined, err);
  }
  for (const rg of raw.row_groups) {
    for (const c of rg.columns) {
      const md = c.meta_data;
      if (!md) throw invalid(location, 'column chunk without metadata');
      const start = Number(md.dictionary_page_offset ?? md.data_page_offset);
      if (start + Number(md.total_compressed_size) > size - 8 - footerLen) {
        throw invalid(location, 'truncated: a column chunk extends past the footer', md.path_in_schema.join('.'));
      }
    }
  }
  const out: ParquetFileMetadata = {
    location, fileSize: size, numRows: raw.num_rows, rowGroups: raw.row_groups, schema: parquetSchema(raw),
    hasFieldIds: raw.schema.some((e) => e.field_id !== undefined), raw,
    ...(raw.created_by !== undefined ? { createdBy: raw.created_by } : {}),
  };
  return out;
}

// --- File types ---------------------------------------------------------------------------

export type FileType = PrimitiveType | { kind: 'time_millis' } | { kind: 'timestamp_millis'; utc: boolean };

export function fileType(el: SchemaElement): FileType | undefined {
  const lt = el.logical_type;
  const ct = el.converted_type;
  const dec = lt?.type === 'DECIMAL' ? { precision: lt.precision, scale: lt.scale } : ct === 'DECIMAL' ? { precision: el.precision ?? 0, scale: el.scale ?? 0 } : undefined;
  if (dec) return { kind: 'decimal', ...dec };
  switch (el.type) {
    case 'BOOLEAN':
      return { kind: 'boolean' };
    case 'INT32':
      if (lt?.type === 'DATE' || ct === 'DATE') return { kind: 'date' };
      if ((lt?.type === 'TIME' && lt.unit === 'MILLIS') || ct === 'TIME_MILLIS') return { kind: 'time_millis' };
      return { kind: 'int' };
    case 'INT64':
      if (lt?.type === 'TIMESTAMP') {
        if (lt.unit === 'NANOS') return { kind: lt.isAdjustedToUTC ? 'timestamptz_ns' : 'timestamp_ns' };
        if (lt.unit === 'MILLIS') return { kind: 'timestamp_millis', utc: lt.isAdjustedToUTC };
        return { kind: lt.isAdjustedToUTC ? 'timestamptz' : 'timestamp' };
      }
      if (ct === 'TIMESTAMP_MICROS') return { kind: 'timestamptz' };
      if (ct === 'TIMESTAMP_MILLIS') return { kind: 'timestamp_millis', utc: true };
      if ((lt?.type === 'TIME' && lt.unit === 'MICROS') || ct === 'TIME_MICROS') return { kind: 'time' };
      return { kind: 'long' };
    case 'FLOAT':
      return { kind: 'float' };
    case 'DOUBLE':
      return { kind: 'double' };
    case 'BYTE_ARRAY':
      if (lt?.type === 'STRING' || lt?.type === 'ENUM' || lt?.type === 'JSON' || ct === 'UTF8' || ct === 'ENUM' || ct === 'JSON') return { kind: 'string' };
      return { kind: 'binary' };
    case 'FIXED_LEN_BYTE_ARRAY':
      if (lt?.type === 'UUID') return { kind: 'uuid' };
      return { kind: 'fixed', length: el.type_length ?? 0 };
    default:
      return undefined;
  }
}

export function fileTypeString(t: FileType): string {
  if (t.kind === 'time_millis') return 'time(millis)';
  if (t.kind === 'timestamp_millis') return `timestamp${t.utc ? 'tz' : ''}(millis)`;
  return typeToString(t);
}

export type Convert = (raw: unknown) => unknown;
type ColumnDecoder = Parameters<typeof readDataPage>[2];
const utf8 = new TextDecoder();
const copy = (b: unknown): Uint8Array => (b as Uint8Array).slice();

function decimalFromRaw(raw: unknown): bigint {
  if (typeof raw === 'bigint') return raw;
  if (typeof raw === 'number') return BigInt(raw);
  return twosComplementToBigint(raw as Uint8Array);
}

/** Converter from the file's physical values to the projection's values.ts form, or undefined when not promotable. */
export function converter(ft: FileType, to: PrimitiveType): Convert | undefined {
  const micros = (x: unknown): bigint => x as bigint;
  const isTs = (k: string): boolean => k === 'timestamp' || k === 'timestamptz';
  const isTsNs = (k: string): boolean => k === 'timestamp_ns' || k === 'timestamptz_ns';
  if (ft.kind === 'time_millis') return to.kind === 'time' ? (x) => BigInt(x as number) * 1000n : undefined;
  if (ft.kind === 'timestamp_millis') return isTs(to.kind) ? (x) => (x as bigint) * 1000n : undefined;
  // timestamp and timestamptz carry the same micros; the UTC flag is not checked (as Iceberg Java).
  if (isTs(ft.kind) && isTs(to.kind)) return micros;
  if (isTsNs(ft.kind) && isTsNs(to.kind)) return micros;
  if (ft.kind === 'decimal' && to.kind === 'decimal') {
    if (ft.scale !== to.scale || ft.precision > to.precision) return undefined;
    return decimalFromRaw;
  }
  if (!canPromote(ft, to)) return undefined;
  switch (to.kind) {
    case 'boolean':
    case 'int':
    case 'date':
    case 'double':
    case 'float':
      return (x) => x;
    case 'long':
      return ft.kind === 'int' ? (x) => BigInt(x as number) : micros;
    case 'time':
      return micros;
    case 'string':
      return (x) => utf8.decode(x as Uint8Array);
    case 'uuid':
      return (x) => uuidFromBytes(x as Uint8Array);
    case 'binary':
    case 'fixed':
      return copy;
    default:
      return undefined;
  }
}

// --- Column data and assembly --------------------------------------------------------------

interface LeafData {
  readonly path: string[];
  readonly maxDef: number;
  readonly tree: SchemaTree[];
  defs: ArrayLike<number> | null;
  reps: ArrayLike<number> | null;
  values: unknown[];
  n: number;
  pos: number;
  vpos: number;
}

interface Assembler {
  read(): unknown;
  /** Leaves whose levels this node owns (one entry each when the node is null/empty). */
  readonly leaves: readonly LeafData[];
}

const peekDef = (l: LeafData): number => (l.defs ? l.defs[l.pos]! : l.maxDef);
const skipAll = (ls: readonly LeafData[]): void => {
  for (const l of ls) l.pos++;
};
/** Consumes one instance of a subtree from a leaf: its first entry and any deeper repetitions. */
const skipInstance = (l: LeafData, rep: number): void => {
  l.pos++;
  if (l.reps) while (l.pos < l.n && l.reps[l.pos]! > rep) l.pos++;
};

export function defaultValue(f: NestedField, location: string): unknown {
  if (f.initialDefault === undefined || f.initialDefault === null) return null;
  try {
    return jsonDefault(f.type, f.initialDefault);
  } catch (err) {
    throw IcetideError.wrap(err, `${location}: initial default of field ${f.id} (${f.name})`);
  }
}

function jsonDefault(t: IcebergType, json: unknown): unknown {
  if (json === null) return null;
  switch (t.kind) {
    case 'struct': {
      const o = json as Record<string, unknown>;
      return Object.fromEntries(t.fields.map((f) => [f.name, f.id in o ? jsonDefault(f.type, o[f.id]) : f.initialDefault !== undefined ? jsonDefault(f.type, f.initialDefault) : null]));
    }
    case 'list':
      return (json as unknown[]).map((e) => jsonDefault(t.element, e));
    case 'map': {
      const o = json as { keys: unknown[]; values: unknown[] };
      return new Map(o.keys.map((k, i) => [jsonDefault(t.key, k), jsonDefault(t.value, o.values[i])]));
    }
    default:
      return valueFromJson(t, json);
  }
}

class FileProjection {
  readonly leaves = new Map<string, LeafData>();
  readonly top: { name: string; a: Assembler }[] = [];

  constructor(readonly meta: ParquetFileMetadata, projection: Schema, private readonly constants?: ReadonlyMap<number, unknown>) {
    const byId = meta.hasFieldIds;
    for (const f of projection.fields) {
      const child = this.findChild(meta.schema, f, byId);
      this.top.push({ name: f.name, a: this.build(f, f.name, child, 0, 0) });
    }
  }

  private findChild(node: SchemaTree, f: NestedField, byId: boolean): SchemaTree | undefined {
    return node.children.find((c) => (byId ? c.element.field_id === f.id : c.element.name === f.name));
  }

  private leaf(node: SchemaTree, def: number): LeafData {
    const key = node.path.join('\u0000');
    let l = this.leaves.get(key);
    if (!l) {
      l = { path: node.path, maxDef: def, tree: getSchemaPath(this.meta.raw.schema, node.path), defs: null, reps: null, values: [], n: 0, pos: 0, vpos: 0 };
      this.leaves.set(key, l);
    }
    return l;
  }

  private firstLeaf(node: SchemaTree, def: number): LeafData {
    let n = node, d = def;
    while (n.children.length) {
      n = n.children[0]!;
      if (n.element.repetition_type !== 'REQUIRED') d++;
    }
    return this.leaf(n, d);
  }

  private build(f: NestedField, name: string, node: SchemaTree | undefined, parentDef: number, parentRep: number): Assembler {
    const loc = this.meta.location;
    if (!node) {
      if (this.constants?.has(f.id)) {
        const c = this.constants.get(f.id);
        return { read: () => c, leaves: [] };
      }
      if (f.required && f.initialDefault === undefined) {
        throw invalid(loc, `required field id ${f.id} is missing from the file${this.meta.hasFieldIds ? '' : ' (the file has no field ids; matched by name)'}`, name);
      }
      const v = defaultValue(f, loc);
      return { read: () => v, leaves: [] };
    }
    const el = node.element;
    const optional = el.repetition_type !== 'REQUIRED';
    if (el.repetition_type === 'REPEATED') throw invalid(loc, 'repeated field outside a LIST/MAP group is not supported', name);
    const d = parentDef + (optional ? 1 : 0);
    const t = f.type;
    const mismatch = (what: string): InvalidDataFileError => invalid(loc, `cannot read ${what} as ${typeToString(t)} (field id ${f.id})`, name);
    switch (t.kind) {
      case 'struct': {
        if (!node.children.length || el.type !== undefined) throw mismatch(`primitive ${el.type ?? ''}`);
        const kids = t.fields.map((c) => ({ name: c.name, a: this.build(c, `${name}.${c.name}`, this.findChild(node, c, this.meta.hasFieldIds), d, parentRep) }));
        const own = kids.flatMap((k) => k.a.leaves);
        const extra = own.length === 0;
        const driver = own[0] ?? this.firstLeaf(node, d);
        const leaves = [...new Set([driver, ...own])];
        return {
          leaves,
          read: () => {
            if (optional && peekDef(driver) < d) {
              skipAll(leaves);
              return null;
            }
            const o: Record<string, unknown> = {};
            for (const k of kids) o[k.name] = k.a.read();
            if (extra) skipInstance(driver, parentRep);
            return o;
          },
        };
      }
      case 'list':
      case 'map': {
        const isMap = t.kind === 'map';
        const rg = node.children[0];
        if (node.children.length !== 1 || !rg || rg.element.repetition_type !== 'REPEATED' || !rg.children.length) {
          throw mismatch(`a non-${t.kind} (${el.converted_type ?? el.type ?? 'group'})`);
        }
        const dr = d + 1, rr = parentRep + 1;
        let readEntry: () => unknown;
        let driver: LeafData;
        let leaves: LeafData[];
        if (t.kind === 'list') {
          const elemField: NestedField = { id: t.elementId, name: 'element', required: t.elementRequired, type: t.element };
          const en = rg.children.length === 1 && (this.meta.hasFieldIds ? rg.children[0]!.element.field_id === t.elementId : true) ? rg.children[0] : undefined;
          if (!en) throw invalid(loc, `list element field id ${t.elementId} is missing from the file`, `${name}.element`);
          const a = this.build(elemField, `${name}.element`, en, dr, rr);
          driver = a.leaves[0] ?? this.firstLeaf(node, d);
          leaves = [...new Set([driver, ...a.leaves])];
          readEntry = a.leaves.length ? a.read : () => {
            const v = a.read();
            skipInstance(driver, rr);
            return v;
          };
        } else {
          const kn = rg.children.find((c) => (this.meta.hasFieldIds ? c.element.field_id === t.keyId : c.element.name === 'key')) ?? (this.meta.hasFieldIds ? undefined : rg.children[0]);
          const vn = rg.children.find((c) => (this.meta.hasFieldIds ? c.element.field_id === t.valueId : c.element.name === 'value')) ?? (this.meta.hasFieldIds ? undefined : rg.children[1]);
          if (!kn) throw invalid(loc, `map key field id ${t.keyId} is missing from the file`, `${name}.key`);
          const ka = this.build({ id: t.keyId, name: 'key', required: true, type: t.key }, `${name}.key`, kn, dr, rr);
          const va = this.build({ id: t.valueId, name: 'value', required: t.valueRequired, type: t.value }, `${name}.value`, vn, dr, rr);
          driver = ka.leaves[0] ?? this.firstLeaf(node, d);
          leaves = [...new Set([driver, ...ka.leaves, ...va.leaves])];
          readEntry = () => [ka.read(), va.read()];
        }
        return {
          leaves,
          read: () => {
            const def = peekDef(driver);
            if (optional && def < d) {
              skipAll(leaves);
              return null;
            }
            if (def < dr) {
              skipAll(leaves);
              return isMap ? new Map() : [];
            }
            const out: unknown[] = [];
            do out.push(readEntry());
            while (driver.pos < driver.n && driver.reps![driver.pos] === rr);
            return isMap ? new Map(out as [unknown, unknown][]) : out;
          },
        };
      }
      default: {
        if (node.children.length || el.type === undefined) throw mismatch('a group');
        const ft = fileType(el);
        if (!ft) throw mismatch(`physical type ${el.type}`);
        const conv = converter(ft, t);
        if (!conv) throw mismatch(fileTypeString(ft));
        const l = this.leaf(node, d);
        return {
          leaves: [l],
          read: () => {
            const def = l.defs ? l.defs[l.pos]! : l.maxDef;
            l.pos++;
            return def === l.maxDef ? conv(l.values[l.vpos++]) : null;
          },
        };
      }
    }
  }
}

function toArray(a: DecodedArray): unknown[] {
  return Array.isArray(a) ? a : Array.from(a as ArrayLike<unknown>);
}

/** Reads one column chunk's pages into levels and raw (physical) values. */
async function loadChunk(io: FileIO, meta: ParquetFileMetadata, rg: RowGroup, leaf: LeafData): Promise<void> {
  const loc = meta.location;
  const name = leaf.path.join('.');
  const chunk = rg.columns.find((c) => c.meta_data && c.meta_data.path_in_schema.join('\u0000') === leaf.path.join('\u0000'));
  const md = chunk?.meta_data;
  if (!md) throw invalid(loc, 'column chunk missing from row group', name);
  const dictOffset = md.dictionary_page_offset !== undefined && md.dictionary_page_offset > 0n && md.dictionary_page_offset < md.data_page_offset ? md.dictionary_page_offset : undefined;
  const start = Number(dictOffset ?? md.data_page_offset);
  const bytes = await io.readRange(loc, start, Number(md.total_compressed_size));
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  const element = leaf.tree[leaf.tree.length - 1]!.element;
  const decoder: ColumnDecoder = {
    pathInSchema: leaf.path, type: md.type, element, schemaPath: leaf.tree, codec: md.codec as CompressionCodec,
    parsers: DEFAULT_PARSERS, compressors: DECOMPRESSORS, utf8: false,
  };
  const total = Number(md.num_values);
  const defs: number[] = [];
  const reps: number[] = [];
  const values: unknown[] = [];
  let dictionary: unknown[] | undefined;
  let seen = 0;
  const hasDefs = leaf.maxDef > 0;
  const hasReps = leaf.tree.some((t) => t.element.repetition_type === 'REPEATED');
  try {
    while (seen < total && reader.offset < bytes.length) {
      const header = parquetHeader(reader);
      const body = bytes.subarray(reader.offset, reader.offset + header.compressed_page_size);
      reader.offset += header.compressed_page_size;
      if (body.length < header.compressed_page_size) throw new Error('page extends past the column chunk');
      let page: { definitionLevels: number[] | undefined; repetitionLevels: number[]; dataPage: DecodedArray };
      let encoding: string;
      let count: number;
      if (header.type === 'DICTIONARY_PAGE') {
        const dph = header.dictionary_page_header!;
        const raw = decompressPage(body, header.uncompressed_page_size, decoder.codec, DECOMPRESSORS);
        dictionary = toArray(readPlain({ view: new DataView(raw.buffer, raw.byteOffset, raw.byteLength), offset: 0 }, md.type, dph.num_values, element.type_length));
        continue;
      } else if (header.type === 'DATA_PAGE') {
        const daph = header.data_page_header!;
        const raw = decompressPage(body, header.uncompressed_page_size, decoder.codec, DECOMPRESSORS);
        page = readDataPage(raw, daph, decoder);
        encoding = daph.encoding;
        count = daph.num_values;
      } else if (header.type === 'DATA_PAGE_V2') {
        const h2 = header.data_page_header_v2!;
        page = readDataPageV2(body, header, decoder);
        encoding = h2.encoding;
        count = h2.num_values;
      } else continue;
      seen += count;
      if (hasDefs) for (let i = 0; i < count; i++) defs.push(page.definitionLevels?.[i] ?? leaf.maxDef);
      if (hasReps) for (let i = 0; i < count; i++) reps.push(page.repetitionLevels[i] ?? 0);
      const data = page.dataPage;
      if (encoding.endsWith('_DICTIONARY')) {
        if (!dictionary) throw new Error('dictionary-encoded page without a dictionary page');
        const dict = dictionary;
        for (let i = 0; i < data.length; i++) values.push(dict[data[i] as number]);
      } else if (md.type === 'BOOLEAN' && !Array.isArray(data)) {
        for (let i = 0; i < data.length; i++) values.push(Boolean(data[i]));
      } else {
        for (let i = 0; i < data.length; i++) values.push(data[i]);
      }
    }
  } catch (err) {
    if (err instanceof IcetideError) throw err;
    throw invalid(loc, `cannot decode column chunk: ${err instanceof Error ? err.message : String(err)}`, name, err);
  }
  if (seen !== total) throw invalid(loc, `column chunk has ${seen} values, metadata says ${total}`, name);
  leaf.defs = hasDefs ? defs : null;
  leaf.reps = hasReps ? reps : null;
  leaf.values = values;
  leaf.n = total;
  leaf.pos = 0;
  leaf.vpos = 0;
}

/**
 * Reads rows projected onto `projection` (matched by field id), row group by row group, in
 * batches of at most `batchSize` rows.
 */
export async function* readParquetRows(io: FileIO, location: string, projection: Schema, opts: ReadOptions = {}): AsyncIterable<Row[]> {
  const meta = await readParquetMetadata(io, location);
  const proj = new FileProjection(meta, projection, opts.constants);
  const batchSize = Math.max(1, opts.batchSize ?? 10_000);
  for (let g = 0; g < meta.rowGroups.length; g++) {
    const rg = meta.rowGroups[g]!;
    if (opts.rowGroups && !opts.rowGroups(rg, g)) continue;
    const rows = Number(rg.num_rows);
    for (const leaf of proj.leaves.values()) await loadChunk(io, meta, rg, leaf);
    let batch: Row[] = [];
    for (let r = 0; r < rows; r++) {
      const row: Row = {};
      for (const t of proj.top) row[t.name] = t.a.read();
      batch.push(row);
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
    for (const leaf of proj.leaves.values()) {
      if (leaf.pos !== leaf.n) throw invalid(location, `row group ${g}: ${leaf.n - leaf.pos} level entries left unread`, leaf.path.join('.'));
      leaf.values = [];
      leaf.defs = leaf.reps = null;
    }
  }
}
