/**
 * MySQL/MariaDB column types -> Iceberg types, and the conversion of one decoded value to its
 * Iceberg JS value (src/iceberg/spec/values.ts). Both the snapshot (mysql2 text protocol) and
 * the binlog (zongji) are decoded into the same raw forms first (`dateStrings`, big numbers as
 * text, DECIMAL as text, JSON as text, BIT as bytes), so one converter serves both paths and a
 * row read by either produces identical Iceberg values.
 *
 * | MySQL                              | Iceberg                 | notes |
 * |------------------------------------|-------------------------|-------|
 * | TINYINT/SMALLINT/MEDIUMINT (±unsigned), INT | int            | BOOL/TINYINT(1) stays int (it can hold 2) |
 * | INT UNSIGNED, BIGINT               | long                    | |
 * | BIGINT UNSIGNED                    | decimal(20,0)           | values above 2^63-1 do not fit a long |
 * | DECIMAL(P,S), P <= 38              | decimal(P,S)            | exact (bigint unscaled) |
 * | DECIMAL(P,S), P > 38               | string                  | Iceberg decimals stop at 38 digits |
 * | FLOAT / DOUBLE                     | float / double          | |
 * | DATE                               | date                    | zero dates (`0000-00-00`, `2024-00-10`) -> null |
 * | DATETIME(0-6)                      | timestamp               | the wall-clock value, no time zone |
 * | TIMESTAMP(0-6)                     | timestamptz             | UTC; zero -> null (see below) |
 * | TIME(0-6)                          | time                    | values outside 00:00..24:00 are an error; declare the column `string` to keep them as text `-838:59:59` |
 * | YEAR                               | int                     | |
 * | CHAR/VARCHAR/*TEXT (any charset)   | string                  | utf8mb4 incl. emoji |
 * | BINARY/VARBINARY/*BLOB             | binary                  | |
 * | ENUM / SET                         | string                  | the label(s), SET comma-separated |
 * | BIT(N)                             | long                    | bits as an unsigned number; BIT(64) wraps to the signed long (two's complement) |
 * | JSON                               | string                  | the stored JSON text |
 *
 * TIMESTAMP and time zones: the server stores TIMESTAMP as UTC epoch seconds. The binlog
 * carries that epoch (decoded in UTC); snapshot connections run `SET time_zone = '+00:00'`, so
 * the server's (or session's) `time_zone` never changes a value. DATETIME has no zone and is
 * read as written.
 */
import { primitive, type IcebergType, type PrimitiveType } from '../../src/iceberg/spec/types.js';
import { daysFromCivil } from '../../src/iceberg/spec/value-serialization.js';
import { MySqlValueError } from './errors.js';

/** A column as INFORMATION_SCHEMA.COLUMNS describes it. */
export interface MySqlColumn {
  readonly name: string;
  /** DATA_TYPE, lower case (`int`, `varchar`, `decimal`, ...). */
  readonly dataType: string;
  /** COLUMN_TYPE, lower case (`int(10) unsigned`, `decimal(10,2)`, `enum('a','b')`). */
  readonly columnType: string;
  readonly nullable: boolean;
  readonly numericPrecision?: number;
  readonly numericScale?: number;
  readonly comment?: string;
  /** CHARACTER_SET_NAME of text columns (the binlog carries text in the column's charset). */
  readonly charset?: string;
}

/** Raw decoded values the converters accept (what mysql2/zongji hand over). */
export type RawValue = string | number | bigint | boolean | Uint8Array | null | undefined | Record<string, unknown> | unknown[];

export type Converter = (raw: RawValue, where: () => string) => unknown;

const INT_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);
const STRING_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set', 'json', 'longtext']);
export const BINARY_TYPES: ReadonlySet<string> = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);

export function isUnsigned(c: MySqlColumn): boolean {
  return /\bunsigned\b/.test(c.columnType);
}

/** `decimal(10,2)` -> [10, 2] (from COLUMN_TYPE; INFORMATION_SCHEMA's precision columns agree). */
function decimalShape(c: MySqlColumn): { precision: number; scale: number } {
  const m = /\((\d+)(?:,(\d+))?\)/.exec(c.columnType);
  return { precision: m ? Number(m[1]) : (c.numericPrecision ?? 10), scale: m?.[2] !== undefined ? Number(m[2]) : (c.numericScale ?? 0) };
}

/** The Iceberg type of a column (the table in this file's header); throws for unsupported types. */
export function icebergTypeOf(c: MySqlColumn, table: string): IcebergType {
  const t = c.dataType;
  if (INT_TYPES.has(t)) {
    if (t === 'bigint') return isUnsigned(c) ? { kind: 'decimal', precision: 20, scale: 0 } : primitive('long');
    if (t === 'int' || t === 'integer') return isUnsigned(c) ? primitive('long') : primitive('int');
    return primitive('int');
  }
  switch (t) {
    case 'decimal':
    case 'numeric': {
      const { precision, scale } = decimalShape(c);
      return precision <= 38 ? { kind: 'decimal', precision, scale } : primitive('string');
    }
    case 'float':
      return primitive('float');
    case 'double':
    case 'real':
      return primitive('double');
    case 'date':
      return primitive('date');
    case 'datetime':
      return primitive('timestamp');
    case 'timestamp':
      return primitive('timestamptz');
    case 'time':
      return primitive('time');
    case 'year':
      return primitive('int');
    case 'bit':
      return primitive('long');
  }
  if (STRING_TYPES.has(t)) return primitive('string');
  if (BINARY_TYPES.has(t)) return primitive('binary');
  throw new MySqlValueError(`column ${table}.${c.name} has type ${c.columnType}, which icetide cannot map to Iceberg yet (supported: integers, DECIMAL, FLOAT, DOUBLE, DATE, DATETIME, TIMESTAMP, TIME, YEAR, CHAR/VARCHAR/TEXT, BINARY/VARBINARY/BLOB, ENUM, SET, BIT, JSON)`, { table, column: c.name });
}

function fail(where: () => string, raw: RawValue, what: string): never {
  const shown = raw instanceof Uint8Array ? `0x${Buffer.from(raw).toString('hex')}` : typeof raw === 'object' ? JSON.stringify(raw) : String(raw);
  throw new MySqlValueError(`${where()}: ${what} (value ${shown.slice(0, 100)})`);
}

function toText(raw: RawValue): string {
  if (typeof raw === 'string') return raw;
  if (raw instanceof Uint8Array) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
  if (typeof raw === 'object' && raw !== null) return JSON.stringify(raw);
  return String(raw);
}

/** Plain decimal integer text (what both decoders hand over), checked without a RegExp. */
function isIntegerText(s: string): boolean {
  const n = s.length;
  let i = n > 0 && s.charCodeAt(0) === 45 ? 1 : 0; // '-'
  if (i === n) return false;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function toBigInt(raw: RawValue, where: () => string): bigint {
  if (typeof raw === 'string' && isIntegerText(raw)) return BigInt(raw);
  if (typeof raw === 'bigint') return raw;
  if (typeof raw === 'number' && Number.isInteger(raw)) return BigInt(raw);
  return fail(where, raw, 'expected an integer');
}

/** Exact decimal text -> unscaled bigint at `scale`; more fraction digits than the scale is an error. */
export function decimalToUnscaled(text: string, scale: number, where: () => string): bigint {
  // Character scan instead of RegExp + replace + padEnd: this runs for every DECIMAL value.
  const s = text.length > 0 && (text.charCodeAt(0) <= 32 || text.charCodeAt(text.length - 1) <= 32) ? text.trim() : text;
  const n = s.length;
  let i = 0;
  const sign = n > 0 ? s.charCodeAt(0) : 0;
  if (sign === 45 || sign === 43) i = 1; // '-' or '+'
  let dot = -1;
  for (let j = i; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c === 46 && dot < 0) dot = j;
    else if (c < 48 || c > 57) return fail(where, text, 'expected a decimal number');
  }
  const intPart = dot < 0 ? s.slice(i) : s.slice(i, dot);
  let fracEnd = n;
  if (dot >= 0) while (fracEnd > dot + 1 && s.charCodeAt(fracEnd - 1) === 48) fracEnd--;
  const fracLen = dot < 0 ? 0 : fracEnd - dot - 1;
  if (intPart === '' && (dot < 0 || n - dot - 1 === 0)) return fail(where, text, 'expected a decimal number');
  if (fracLen > scale) return fail(where, text, `more than ${scale} fraction digits`);
  const frac = fracLen > 0 ? s.slice(dot + 1, fracEnd) : '';
  const digits = (intPart || '0') + frac + (scale > fracLen ? ZEROS[scale - fracLen] ?? '0'.repeat(scale - fracLen) : '');
  // Up to 15 digits fit a double exactly: a Number parse is cheaper than BigInt(string).
  const v = digits.length <= 15 ? BigInt(Number(digits)) : BigInt(digits);
  return sign === 45 ? -v : v;
}

const ZEROS = Array.from({ length: 39 }, (_v, k) => '0'.repeat(k));

const MICROS_PER_DAY = 86_400_000_000n;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Value of `len` ASCII digits at `at`, or NaN if any is not a digit. */
function digitsAt(s: string, at: number, len: number): number {
  let v = 0;
  for (let i = at; i < at + len; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return v;
}

/** `YYYY-MM-DD` (at `at` in `s`) -> days since epoch, or null for zero/invalid dates (MySQL's "no date"). */
function parseDateDays(s: string, at = 0, len = s.length - at): number | null {
  // Fixed layout: digit arithmetic instead of a RegExp and Date objects (this runs per value).
  if (len !== 10 || s.charCodeAt(at + 4) !== 45 || s.charCodeAt(at + 7) !== 45) return null;
  const y = digitsAt(s, at, 4);
  const mo = digitsAt(s, at + 5, 2);
  const d = digitsAt(s, at + 8, 2);
  return Number.isNaN(y) ? null : mysqlDateDays(y, mo, d);
}

/**
 * Days since epoch of a calendar date, or null for MySQL's zero and invalid dates (`0000-00-00`,
 * `2024-00-10`, `2023-02-30` under ALLOW_INVALID_DATES): every decoder's rule for DATE parts.
 */
export function mysqlDateDays(y: number, mo: number, d: number): number | null {
  if (!(mo >= 1 && mo <= 12 && d >= 1)) return null;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (d > (mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1]!)) return null;
  return daysFromCivil(y, mo, d);
}

/** `HH:MM:SS[.ffffff]` (hours may exceed 24 and be negative for TIME) -> signed microseconds. */
function parseTimeMicros(s: string): bigint | null {
  const m = /^(-?)(\d+):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(s);
  if (!m) return null;
  const micros = ((BigInt(m[2]!) * 60n + BigInt(m[3]!)) * 60n + BigInt(m[4]!)) * 1_000_000n + BigInt((m[5] ?? '').padEnd(6, '0'));
  return m[1] === '-' ? -micros : micros;
}

const FRACTION_SCALE = [1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

/** `YYYY-MM-DD HH:MM:SS[.ffffff]` as UTC -> microseconds since epoch; null for zero dates. */
export function parseDateTimeMicros(s: string): bigint | null {
  // Fixed layout scanned by position (this runs for every DATETIME/TIMESTAMP value).
  const n = s.length;
  if (n < 19 || n === 20 || n > 26) return null;
  const sep = s.charCodeAt(10);
  if ((sep !== 32 && sep !== 84) || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58 || (n > 19 && s.charCodeAt(19) !== 46)) return null;
  const days = parseDateDays(s, 0, 10);
  const hh = digitsAt(s, 11, 2);
  const mm = digitsAt(s, 14, 2);
  const ss = digitsAt(s, 17, 2);
  const frac = n > 19 ? digitsAt(s, 20, n - 20) * FRACTION_SCALE[n - 20]! : 0;
  if (days === null || Number.isNaN(hh + mm + ss + frac)) return null;
  const seconds = days * 86_400 + hh * 3_600 + mm * 60 + ss;
  const micros = seconds * 1_000_000 + frac;
  // Exact as a double up to 2^53 µs (year 2255); beyond, in bigint arithmetic.
  return Number.isSafeInteger(micros) ? BigInt(micros) : BigInt(seconds) * 1_000_000n + BigInt(frac);
}

/**
 * Small binary values are copied into shared 64 KiB slabs: one ArrayBuffer per value costs
 * an allocation with a backing store and GC bookkeeping each (Node's Buffer pool does the
 * same). A slab stays alive while any of its values does, so the waste is bounded by 64 KiB
 * per live slab; values over 1 KiB get a buffer of their own.
 */
const SLAB_SIZE = 64 * 1024;
const SLAB_MAX_VALUE = 1024;
let slab = new ArrayBuffer(SLAB_SIZE);
let slabUsed = 0;

export function copyBytes(src: Uint8Array): Uint8Array {
  const n = src.byteLength;
  if (n > SLAB_MAX_VALUE) return new Uint8Array(src);
  if (slabUsed + n > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabUsed = 0;
  }
  const out = new Uint8Array(slab, slabUsed, n);
  out.set(src);
  // 8-byte alignment keeps later views aligned for typed-array readers of the same slab.
  slabUsed = (slabUsed + n + 7) & ~7;
  return out;
}

function bytesOf(raw: RawValue, where: () => string): Uint8Array {
  // A copy: the decoders' buffers are views into (and would keep alive) whole network packets.
  if (raw instanceof Uint8Array) return copyBytes(raw);
  if (typeof raw === 'string') return copyBytes(Buffer.from(raw, 'binary'));
  return fail(where, raw, 'expected bytes');
}

/**
 * The converter of a column to the Iceberg type it is written as (usually icebergTypeOf; a
 * declared `tables[].columns` type may override it: TIME or anything else as `string`).
 */
export function converterFor(c: MySqlColumn, target: IcebergType): Converter {
  const t = c.dataType;
  const kind = target.kind;
  const nullable = (f: Converter): Converter => (raw, where) => (raw === null || raw === undefined ? null : f(raw, where));
  const remembered = nullableRemembered;
  if (kind === 'string') {
    if (t === 'bit') return nullable((raw, where) => bitValue(raw, where).toString());
    if (BINARY_TYPES.has(t)) return nullable((raw, where) => Buffer.from(bytesOf(raw, where)).toString('hex'));
    return nullable((raw) => toText(raw));
  }
  switch (kind) {
    case 'int':
      return nullable((raw, where) => {
        const n = typeof raw === 'number' ? raw : Number(toBigInt(raw, where));
        if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) fail(where, raw, 'out of range for int');
        return n;
      });
    case 'long':
      if (t === 'bit') return nullable((raw, where) => BigInt.asIntN(64, bitValue(raw, where)));
      return remembered((raw, where) => BigInt.asIntN(64, toBigInt(raw, where)));
    case 'decimal': {
      const scale = target.scale;
      return remembered((raw, where) => decimalToUnscaled(typeof raw === 'number' ? String(raw) : toText(raw), scale, where));
    }
    case 'float':
      // Both paths hand over the float32 value (binlog: its bits; text: its shortest decimal).
      return nullable((raw, where) => Math.fround(typeof raw === 'number' ? raw : numberOf(raw, where)));
    case 'double':
      return nullable((raw, where) => (typeof raw === 'number' ? raw : numberOf(raw, where)));
    case 'date':
      return remembered((raw) => parseDateDays(toText(raw)));
    case 'timestamp':
    case 'timestamptz':
      return remembered((raw) => parseDateTimeMicros(toText(raw)));
    case 'time':
      return nullable((raw, where) => {
        const v = parseTimeMicros(toText(raw));
        if (v === null) return fail(where, raw, 'expected a TIME value');
        if (v < 0n || v >= MICROS_PER_DAY) {
          return fail(where, raw, 'TIME value outside 00:00:00..23:59:59.999999, which Iceberg time cannot hold: declare this column with type string in tables[].columns to keep such values as text');
        }
        return v;
      });
    case 'binary':
      return nullable((raw, where) => bytesOf(raw, where));
    case 'boolean':
      return nullable((raw, where) => toBigInt(typeof raw === 'boolean' ? (raw ? 1 : 0) : raw, where) !== 0n);
    default:
      throw new MySqlValueError(`column ${c.name} (${c.columnType}) cannot be written as Iceberg ${kind}`);
  }
}

/**
 * A nullable converter that keeps its last primitive input and result: an UPDATE's unchanged
 * columns (the same text in its before and after images) and runs of equal values are parsed
 * once. Only for immutable results (bigint, number, null), which can be shared.
 */
function nullableRemembered(f: Converter): Converter {
  let lastRaw: RawValue = undefined;
  let last: unknown = null;
  return (raw, where) => {
    if (raw === null || raw === undefined) return null;
    if (raw === lastRaw) return last;
    const v = f(raw, where);
    if (typeof raw !== 'object') {
      lastRaw = raw;
      last = v;
    }
    return v;
  };
}

function numberOf(raw: RawValue, where: () => string): number {
  const n = Number(toText(raw));
  return Number.isNaN(n) ? fail(where, raw, 'expected a number') : n;
}

/** BIT(N) arrives as big-endian bytes (both paths); numbers are accepted too. */
function bitValue(raw: RawValue, where: () => string): bigint {
  if (typeof raw === 'number' || typeof raw === 'bigint') return BigInt(raw);
  const bytes = bytesOf(raw, where);
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

export function isPrimitiveTarget(t: IcebergType): t is PrimitiveType {
  return t.kind !== 'struct' && t.kind !== 'list' && t.kind !== 'map';
}
