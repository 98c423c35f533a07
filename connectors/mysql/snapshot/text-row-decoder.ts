/**
 * Decodes MySQL text-protocol result rows (protocol "Text Resultset Row": per column 0xFB for
 * NULL, else a length-encoded string) straight from the packet bytes into a page's columns
 * (page-columns.ts). Common types are parsed from the bytes (text-values.ts); every other
 * source type / target type pair goes through the row converter of type-mapping.ts with the
 * raw form mysql2 would have handed it, so both paths give identical Iceberg values.
 */
import os from 'node:os';
import type { IcebergType } from '../../../src/iceberg/spec/types.js';
import { MySqlValueError } from '../errors.js';
import { converterFor, type Converter, type MySqlColumn, type RawValue } from '../type-mapping.js';
import { latin1, utf8 } from './buffer-text.js';
import { ColumnBuilder, Float64Builder, Int32Builder, Int64Builder, PackedBuilder, ValuesBuilder, type WireColumn } from './page-columns.js';
import { parseDateDaysAt, parseDateTimeMicrosAt, parseSmallDecimal, parseSmallInteger, setInt64 } from './text-values.js';

/** Puts the value bytes buf[start, end) of one column into row `row` of its builder. */
type Put = (buf: Buffer, start: number, end: number, row: number) => void;

const INT_SOURCES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'year']);
const TEXT_SOURCES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set', 'json']);
const BINARY_SOURCES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);
/** The int64 word trick (setInt64) assumes little-endian typed arrays. */
const LITTLE_ENDIAN = os.endianness() === 'LE';

/** What mysql2 hands a converter for this column's text (connection.ts settings). */
function rawForm(c: MySqlColumn): (buf: Buffer, start: number, end: number) => RawValue {
  if (c.dataType === 'bit' || BINARY_SOURCES.has(c.dataType)) return (buf, s, e) => buf.subarray(s, e);
  if (c.dataType === 'float' || c.dataType === 'double' || c.dataType === 'real') return (buf, s, e) => Number(latin1(buf, s, e));
  return (buf, s, e) => utf8(buf, s, e);
}

interface ColumnDecoder {
  readonly builder: ColumnBuilder;
  readonly put: Put;
}

/**
 * The decoder of one column: a typed fast path when the (source, target) pair has one, with
 * the converter as fallback for values outside it (so errors and edge cases are the
 * converter's), else the converter for every value.
 */
export function columnDecoder(c: MySqlColumn, target: IcebergType, capacity: number, where: () => string): ColumnDecoder {
  const convert: Converter = converterFor(c, target);
  const raw = rawForm(c);
  const slow = (buf: Buffer, s: number, e: number): unknown => convert(raw(buf, s, e), where);
  const t = c.dataType;
  const kind = target.kind;
  if (kind === 'int' && INT_SOURCES.has(t)) {
    const b = new Int32Builder(capacity);
    return {
      builder: b,
      put: (buf, s, e, row) => {
        const v = parseSmallInteger(buf, s, e);
        b.values[row] = v !== undefined && v >= -2147483648 && v <= 2147483647 ? v : (slow(buf, s, e) as number);
      },
    };
  }
  if (kind === 'date' && t === 'date') {
    const b = new Int32Builder(capacity);
    return {
      builder: b,
      put: (buf, s, e, row) => {
        const v = parseDateDaysAt(buf, s, e - s);
        if (v === null) b.setNull(row);
        else b.values[row] = v;
      },
    };
  }
  if (kind === 'float' || kind === 'double') {
    if (t !== 'float' && t !== 'double' && t !== 'real') return valuesDecoder(capacity, slow);
    const b = new Float64Builder(capacity, kind === 'float');
    // The converter's own steps (Number of the text; float32 rounding by the page's Float32Array).
    return { builder: b, put: (buf, s, e, row) => void (b.values[row] = Number(latin1(buf, s, e))) };
  }
  if ((kind === 'string' && TEXT_SOURCES.has(t)) || (kind === 'binary' && BINARY_SOURCES.has(t))) {
    const b = new PackedBuilder(capacity, kind === 'string' ? 'utf8' : 'bytes');
    return { builder: b, put: (buf, s, e, row) => b.put(row, buf, s, e) };
  }
  if (LITTLE_ENDIAN) {
    const b = new Int64Builder(capacity);
    const setBig = (row: number, v: unknown): void => {
      if (v === null) b.setNull(row);
      else if (BigInt.asIntN(64, v as bigint) !== v) throw new MySqlValueError(`${where()}: ${String(v)} is out of range for ${kind}${kind === 'decimal' ? `(${target.precision}, ${target.scale})` : ''}`);
      else b.values[row] = v as bigint;
    };
    if (kind === 'long' && INT_SOURCES.has(t)) {
      return {
        builder: b,
        put: (buf, s, e, row) => {
          const v = parseSmallInteger(buf, s, e);
          if (v !== undefined) setInt64(b.words, row, v);
          else setBig(row, slow(buf, s, e));
        },
      };
    }
    if ((kind === 'timestamp' || kind === 'timestamptz') && (t === 'datetime' || t === 'timestamp')) {
      return {
        builder: b,
        put: (buf, s, e, row) => {
          const v = parseDateTimeMicrosAt(buf, s, e);
          if (v === null) b.setNull(row);
          else if (v !== undefined) setInt64(b.words, row, v);
          else setBig(row, slow(buf, s, e));
        },
      };
    }
    if (kind === 'decimal' && target.precision <= 18 && (t === 'decimal' || t === 'numeric')) {
      const scale = target.scale;
      return {
        builder: b,
        put: (buf, s, e, row) => {
          const v = parseSmallDecimal(buf, s, e, scale);
          if (v !== undefined) setInt64(b.words, row, v);
          else setBig(row, slow(buf, s, e));
        },
      };
    }
  }
  return valuesDecoder(capacity, slow);
}

function valuesDecoder(capacity: number, slow: (buf: Buffer, s: number, e: number) => unknown): ColumnDecoder {
  const b = new ValuesBuilder(capacity);
  return { builder: b, put: (buf, s, e, row) => void (b.values[row] = slow(buf, s, e)) };
}

/** A page of decoded rows: the columns in table order, and the raw text of the key columns. */
export interface DecodedPage {
  readonly rows: number;
  readonly columns: WireColumn[];
  /** Per key column, the value's text-protocol bytes (for positions; see key-parts.ts). */
  readonly keys: WireColumn[];
  /** Row bytes as received (the rate limiter's measure). */
  readonly bytes: number;
}

/** Decodes the rows of one table's queries into pages of at most `capacity` rows. */
export class TextRowDecoder {
  private readonly decoders: ColumnDecoder[];
  private readonly keyBuilders: PackedBuilder[];
  /** Column index -> its position among the key columns, or -1. */
  private readonly keySlot: Int32Array;
  private row = 0;
  private bytes = 0;

  constructor(
    readonly table: string,
    columns: readonly MySqlColumn[],
    targets: readonly IcebergType[],
    keyColumns: readonly string[],
    readonly capacity: number,
  ) {
    this.decoders = columns.map((c, i) => columnDecoder(c, targets[i]!, capacity, () => `snapshot ${table}: ${table}.${c.name}`));
    this.keyBuilders = keyColumns.map(() => new PackedBuilder(capacity, 'bytes'));
    this.keySlot = Int32Array.from(columns, (c) => keyColumns.indexOf(c.name));
    this.columnCount = columns.length;
  }

  private readonly columnCount: number;

  get rows(): number {
    return this.row;
  }

  get full(): boolean {
    return this.row >= this.capacity;
  }

  /** Decodes one row packet's payload buf[start, end). */
  decode(buf: Buffer, start: number, end: number): void {
    const row = this.row;
    let p = start;
    for (let c = 0; c < this.columnCount; c++) {
      const first = buf[p]!;
      const d = this.decoders[c]!;
      const k = this.keySlot[c]!;
      if (first === 0xfb) {
        d.builder.setNull(row);
        if (k >= 0) this.keyBuilders[k]!.setNull(row);
        p++;
        continue;
      }
      let len: number;
      if (first < 0xfb) {
        len = first;
        p += 1;
      } else if (first === 0xfc) {
        len = buf[p + 1]! | (buf[p + 2]! << 8);
        p += 3;
      } else if (first === 0xfd) {
        len = buf[p + 1]! | (buf[p + 2]! << 8) | (buf[p + 3]! << 16);
        p += 4;
      } else {
        len = buf.readUInt32LE(p + 1) + buf.readUInt32LE(p + 5) * 4294967296;
        p += 9;
      }
      if (p + len > end) throw new MySqlValueError(`snapshot ${this.table}: a row packet ends inside column ${c + 1} (protocol error)`, { table: this.table });
      d.put(buf, p, p + len, row);
      if (k >= 0) this.keyBuilders[k]!.put(row, buf, p, p + len);
      p += len;
    }
    this.bytes += end - start;
    this.row++;
  }

  /** The key of decoded row `row` of the page being filled, each part made by `part` from its bytes. */
  peekKey<T>(row: number, keyTypes: readonly string[], part: (dataType: string, buf: Buffer, start: number, end: number) => T): (T | null)[] {
    return this.keyBuilders.map((b, i) => b.peek(row, (buf, s, e) => part(keyTypes[i]!, buf, s, e)));
  }

  /** The decoded rows as a page; the decoder starts the next one. */
  finish(): DecodedPage {
    const rows = this.row;
    const page: DecodedPage = { rows, columns: this.decoders.map((d) => d.builder.finish(rows)), keys: this.keyBuilders.map((b) => b.finish(rows)), bytes: this.bytes };
    this.row = 0;
    this.bytes = 0;
    return page;
  }
}
