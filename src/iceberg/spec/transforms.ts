import { UnsupportedError, ValidationError } from '../../errors.js';
import { hashLong, hashLongNumber, hashString, hashValue } from './murmur3.js';
import type { PrimitiveType } from './types.js';
import { typeToString } from './types.js';
import {
  civilFromDays,
  floorDivBig,
  formatTimeOfDay,
  formatTimestamp,
  javaBigDecimalToString,
  javaDoubleToString,
  javaFloatToString,
  monthsFromDays,
  yearsFromDays,
} from './value-serialization.js';
import type { PrimitiveValue } from './values.js';

/**
 * Partition transforms (spec "Partition Transforms").
 * The type is defined here; application, result types and string forms live below.
 */
export type Transform =
  | { readonly kind: 'identity' }
  | { readonly kind: 'bucket'; readonly n: number }
  | { readonly kind: 'truncate'; readonly width: number }
  | { readonly kind: 'year' }
  | { readonly kind: 'month' }
  | { readonly kind: 'day' }
  | { readonly kind: 'hour' }
  | { readonly kind: 'void' }
  /** A transform this version does not know: kept for round-trips, never applied. */
  | { readonly kind: 'unknown'; readonly name: string };

/** Parses the spec's transform string form: `identity`, `bucket[16]`, `truncate[4]`, `day`, ... */
export function parseTransform(text: string): Transform {
  const s = text.trim().toLowerCase();
  const param = /^(bucket|truncate)\[(\d+)\]$/.exec(s);
  if (param) {
    const n = Number(param[2]);
    return param[1] === 'bucket' ? { kind: 'bucket', n } : { kind: 'truncate', width: n };
  }
  switch (s) {
    case 'identity':
    case 'year':
    case 'month':
    case 'day':
    case 'hour':
    case 'void':
      return { kind: s };
    default:
      return { kind: 'unknown', name: text };
  }
}

export function transformToString(t: Transform): string {
  switch (t.kind) {
    case 'bucket':
      return `bucket[${t.n}]`;
    case 'truncate':
      return `truncate[${t.width}]`;
    case 'unknown':
      return t.name;
    default:
      return t.kind;
  }
}

// ---------------------------------------------------------------------------------------------
// Result types, applicability, application and human strings (spec "Partition Transforms")
// ---------------------------------------------------------------------------------------------

const INT: PrimitiveType = { kind: 'int' };
const STRING: PrimitiveType = { kind: 'string' };

const BUCKET_SOURCES: ReadonlySet<string> = new Set([
  'int', 'long', 'decimal', 'date', 'time', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns',
  'string', 'uuid', 'fixed', 'binary',
]);
const TRUNCATE_SOURCES: ReadonlySet<string> = new Set(['int', 'long', 'decimal', 'string', 'binary']);
const TIMESTAMP_SOURCES: ReadonlySet<string> = new Set(['timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns']);

/**
 * The partition value type a transform produces (spec "Partition Transforms" table): bucket and
 * year/month/day/hour give `int` (Iceberg Java types day as `date`; both are days from 1970 and
 * store identically); identity, truncate and void give the source type. An unknown transform's
 * result type is not knowable: like Iceberg Java, it is reported as `string`.
 */
export function transformResultType(t: Transform, source: PrimitiveType): PrimitiveType {
  switch (t.kind) {
    case 'bucket':
    case 'year':
    case 'month':
    case 'day':
    case 'hour':
      return INT;
    case 'identity':
    case 'truncate':
    case 'void':
      return source;
    case 'unknown':
      return STRING;
  }
}

/**
 * Whether the spec allows the transform on the source type. Unknown transforms return false:
 * they can never be applied (readers ignore such fields instead of validating them).
 */
export function canTransform(t: Transform, source: PrimitiveType): boolean {
  switch (t.kind) {
    case 'identity':
    case 'void':
      return true;
    case 'bucket':
      return BUCKET_SOURCES.has(source.kind);
    case 'truncate':
      return TRUNCATE_SOURCES.has(source.kind);
    case 'year':
    case 'month':
    case 'day':
      return source.kind === 'date' || TIMESTAMP_SOURCES.has(source.kind);
    case 'hour':
      return TIMESTAMP_SOURCES.has(source.kind);
    case 'unknown':
      return false;
  }
}

export type TransformFunction = (value: PrimitiveValue | null) => PrimitiveValue | null;

function badValue(t: Transform, source: PrimitiveType, value: unknown): ValidationError {
  return new ValidationError(
    `${transformToString(t)} on ${typeToString(source)}: not a valid source value (${typeof value})`,
    { transform: transformToString(t), type: typeToString(source), valueType: typeof value },
  );
}

const MICROS_PER_HOUR = 3_600_000_000;
const MICROS_PER_DAY = 86_400_000_000;
const FAST_LIMIT = 2 ** 52;

/** floor(v / d) as a number, without BigInt arithmetic when v is comfortably in the safe range. */
function floorDivToNumber(v: bigint, d: number): number {
  if (v < FAST_LIMIT && v > -FAST_LIMIT) {
    const n = Number(v);
    let q = Math.floor(n / d);
    const r = n - q * d;
    if (r < 0) q -= 1;
    else if (r >= d) q += 1;
    return q;
  }
  return Number(floorDivBig(v, BigInt(d)));
}

/** Truncates to at most `w` Unicode code points without splitting a surrogate pair (note 3). */
function truncateString(s: string, w: number): string {
  if (s.length <= w) return s;
  let i = 0;
  for (let count = 0; count < w && i < s.length; count += 1) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
  }
  return i >= s.length ? s : s.slice(0, i);
}

function positiveParam(t: Transform, n: number): number {
  if (!Number.isInteger(n) || n <= 0 || n > 0x7fff_ffff) {
    throw new ValidationError(`invalid transform ${transformToString(t)}: the parameter must be a positive int`, {
      transform: transformToString(t),
    });
  }
  return n;
}

/** Source value -> source micros (timestamp) or days (date); ns are floored to micros first. */
function temporalMicros(t: Transform, source: PrimitiveType): (v: PrimitiveValue) => bigint {
  const ns = source.kind === 'timestamp_ns' || source.kind === 'timestamptz_ns';
  return (v) => {
    if (typeof v !== 'bigint') throw badValue(t, source, v);
    return ns ? floorDivBig(v, 1000n) : v;
  };
}

function unaryOf(t: Transform, source: PrimitiveType): (v: PrimitiveValue) => PrimitiveValue {
  switch (t.kind) {
    case 'identity':
      return (v) => v;
    case 'bucket': {
      const n = positiveParam(t, t.n);
      const hash = hasherFor(t, source);
      return (v) => (hash(v) & 0x7fff_ffff) % n;
    }
    case 'truncate': {
      const w = positiveParam(t, t.width);
      switch (source.kind) {
        case 'int':
          return (v) => {
            if (typeof v !== 'number') throw badValue(t, source, v);
            return (v - (((v % w) + w) % w)) | 0; // wraps like Java int arithmetic
          };
        case 'long': {
          const wb = BigInt(w);
          return (v) => {
            if (typeof v !== 'bigint') throw badValue(t, source, v);
            return BigInt.asIntN(64, v - (((v % wb) + wb) % wb));
          };
        }
        case 'decimal': {
          const wb = BigInt(w); // applied to the unscaled value (note 2)
          return (v) => {
            if (typeof v !== 'bigint') throw badValue(t, source, v);
            return v - (((v % wb) + wb) % wb);
          };
        }
        case 'string':
          return (v) => {
            if (typeof v !== 'string') throw badValue(t, source, v);
            return truncateString(v, w);
          };
        default: // binary
          return (v) => {
            if (!(v instanceof Uint8Array)) throw badValue(t, source, v);
            return v.length <= w ? v : v.slice(0, w);
          };
      }
    }
    case 'year':
    case 'month':
    case 'day':
    case 'hour': {
      const kind = t.kind;
      if (source.kind === 'date') {
        const fromDays = kind === 'year' ? yearsFromDays : kind === 'month' ? monthsFromDays : (d: number) => d;
        return (v) => {
          if (typeof v !== 'number') throw badValue(t, source, v);
          return fromDays(v);
        };
      }
      const micros = temporalMicros(t, source);
      switch (kind) {
        case 'hour':
          return (v) => floorDivToNumber(micros(v), MICROS_PER_HOUR) | 0; // (int) cast as in Java
        case 'day':
          return (v) => floorDivToNumber(micros(v), MICROS_PER_DAY);
        case 'month':
          return (v) => monthsFromDays(floorDivToNumber(micros(v), MICROS_PER_DAY));
        case 'year':
          return (v) => yearsFromDays(floorDivToNumber(micros(v), MICROS_PER_DAY));
      }
      break;
    }
    case 'void':
    case 'unknown':
      break;
  }
  throw new UnsupportedError(`transform ${transformToString(t)} cannot be applied`, { transform: transformToString(t) });
}

/** The Appendix B hash for one source type, with the type dispatch done once. */
function hasherFor(t: Transform, source: PrimitiveType): (v: PrimitiveValue) => number {
  switch (source.kind) {
    case 'int':
    case 'date':
      return (v) => {
        if (typeof v !== 'number') throw badValue(t, source, v);
        return hashLongNumber(v);
      };
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      return (v) => {
        if (typeof v !== 'bigint') throw badValue(t, source, v);
        return hashLong(v);
      };
    case 'string':
      return (v) => {
        if (typeof v !== 'string') throw badValue(t, source, v);
        return hashString(v);
      };
    default:
      return (v) => hashValue(source, v);
  }
}

/**
 * Resolves a transform for a source type once and returns the per-value function writers call
 * per row. null maps to null. Throws UnsupportedError for unknown transforms and
 * ValidationError when the spec does not allow the transform on the type or its parameter is
 * not a positive int. bucket[N] is `(murmur3(v) & Integer.MAX_VALUE) % N`; truncate floors
 * (`v - (((v % W) + W) % W)`); year/month/day/hour count from 1970 with floor semantics, with
 * nanosecond timestamps floored to micros first.
 */
export function transformFunction(t: Transform, source: PrimitiveType): TransformFunction {
  if (t.kind === 'unknown') {
    throw new UnsupportedError(`cannot apply unknown transform ${t.name}`, { transform: t.name, type: typeToString(source) });
  }
  if (t.kind === 'void') return () => null;
  if (!canTransform(t, source)) {
    throw new ValidationError(`transform ${transformToString(t)} cannot be applied to type ${typeToString(source)}`, {
      transform: transformToString(t),
      type: typeToString(source),
    });
  }
  const f = unaryOf(t, source);
  return (v) => (v === null ? null : f(v));
}

/** One-off application; prefer transformFunction when transforming many values. */
export function applyTransform(t: Transform, source: PrimitiveType, value: PrimitiveValue | null): PrimitiveValue | null {
  return transformFunction(t, source)(value);
}

/** Java's String.format("%04d", n): zero-padded to width 4, the sign counting toward the width. */
function format04d(n: number): string {
  return n < 0 ? `-${String(-n).padStart(3, '0')}` : String(n).padStart(4, '0');
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

function humanDay(days: number): string {
  const c = civilFromDays(days);
  return `${format04d(c.year)}-${pad2(c.month)}-${pad2(c.day)}`;
}

function humanOfType(type: PrimitiveType, value: PrimitiveValue): string {
  switch (type.kind) {
    case 'date':
      return humanDay(value as number);
    case 'time':
      return formatTimeOfDay(value as bigint, 6, 'local');
    case 'timestamp':
      return formatTimestamp(value as bigint, 6, 'iso');
    case 'timestamptz':
      return `${formatTimestamp(value as bigint, 6, 'iso')}+00:00`;
    case 'timestamp_ns':
      return formatTimestamp(value as bigint, 9, 'iso');
    case 'timestamptz_ns':
      return `${formatTimestamp(value as bigint, 9, 'iso')}+00:00`;
    case 'fixed':
    case 'binary': {
      const b = value as Uint8Array;
      return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
    }
    case 'float':
      return javaFloatToString(value as number);
    case 'double':
      return javaDoubleToString(value as number);
    case 'decimal':
      return javaBigDecimalToString(value as bigint, type.scale);
    default:
      return String(value);
  }
}

/**
 * Iceberg Java's `Transform.toHumanString(type, value)`: `null`; year `2026`; month `2026-01`;
 * day `2026-01-01`; hour `2026-01-01-10`; identity/truncate by the result type: dates
 * `2026-01-01`, times as LocalTime.toString, timestamps ISO_LOCAL_DATE_TIME (`+00:00` appended
 * for tz), binary/fixed base64, decimals as BigDecimal.toString, floats as Java prints them.
 */
export function transformHumanString(t: Transform, resultType: PrimitiveType, value: PrimitiveValue | null): string {
  if (value === null) return 'null';
  switch (t.kind) {
    case 'year':
      return format04d(1970 + (value as number));
    case 'month': {
      const m = value as number;
      return `${format04d(1970 + Math.floor(m / 12))}-${pad2(1 + (((m % 12) + 12) % 12))}`;
    }
    case 'day':
      return humanDay(value as number);
    case 'hour': {
      const h = value as number;
      return `${humanDay(Math.floor(h / 24))}-${pad2(((h % 24) + 24) % 24)}`;
    }
    case 'bucket':
      return String(value);
    default:
      return humanOfType(resultType, value);
  }
}

function isUnreserved(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) ||
    c === 46 || c === 45 || c === 42 || c === 95; // . - * _
}

const HEX_UPPER = '0123456789ABCDEF';

/**
 * java.net.URLEncoder.encode(s, UTF-8): [A-Za-z0-9.*_-] kept, space to '+', everything else as
 * %XX of its UTF-8 bytes (a lone surrogate becomes '?', i.e. %3F, as Java's encoder emits).
 */
export function javaUrlEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i += 1) {
    const c = s.charCodeAt(i);
    if (isUnreserved(c)) {
      out += s[i];
      continue;
    }
    if (c === 32) {
      out += '+';
      continue;
    }
    let cp = c;
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && (next & 0xfc00) === 0xdc00) {
        cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i += 1;
      } else {
        cp = 0x3f;
      }
    }
    const bytes = cp < 0x80 ? [cp]
      : cp < 0x800 ? [0xc0 | (cp >> 6), 0x80 | (cp & 63)]
        : cp < 0x10000 ? [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)]
          : [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
    for (const b of bytes) out += `%${HEX_UPPER[b >> 4]}${HEX_UPPER[b & 15]}`;
  }
  return out;
}

/**
 * A partition value as it appears in a partition directory name (Iceberg Java
 * `PartitionSpec.partitionToPath`): the human string, URL-encoded. E.g. day -> `2026-01-01`,
 * hour -> `2026-01-01-10`, a timestamp identity -> `2026-01-01T10%3A00%3A00`, null -> `null`.
 */
export function partitionValueToHumanString(t: Transform, resultType: PrimitiveType, value: PrimitiveValue | null): string {
  return javaUrlEncode(transformHumanString(t, resultType, value));
}

/** One `name=value` path segment of `partitionToPath`, both parts URL-encoded. */
export function partitionPathSegment(name: string, t: Transform, resultType: PrimitiveType, value: PrimitiveValue | null): string {
  return `${javaUrlEncode(name)}=${partitionValueToHumanString(t, resultType, value)}`;
}
