/**
 * Single-value serialisation (spec Appendix D): the binary form used for manifest bounds and
 * the JSON form used for defaults, plus the value ordering Iceberg uses for bounds.
 * JS value representations follow values.ts.
 */
import { ValidationError } from '../../errors.js';
import type { PrimitiveType } from './types.js';
import type { PrimitiveValue } from './values.js';
import { typeToString } from './types.js';

// ---------------------------------------------------------------------------------------------
// Shared helpers (also used by murmur3.ts and transforms.ts)
// ---------------------------------------------------------------------------------------------

function invalid(type: PrimitiveType, message: string, extra: Record<string, string | number> = {}): ValidationError {
  return new ValidationError(`${typeToString(type)}: ${message}`, { type: typeToString(type), ...extra });
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'bigint') return `${value}n`;
  return typeof value === 'object' && value !== null ? 'object' : String(value);
}

function wrongValue(type: PrimitiveType, value: unknown): ValidationError {
  return invalid(type, `not a valid value: ${describe(value)}`, { valueType: typeof value });
}

/** Number of bytes in the minimal two's complement big-endian form of `v` (BigInteger.toByteArray). */
export function minTwosComplementLength(v: bigint): number {
  let t = (v < 0n ? ~v : v) >> 7n;
  let n = 1;
  while (t > 0n) {
    n += 1;
    t >>= 8n;
  }
  return n;
}

/** Writes the minimal two's complement big-endian bytes of `v` at the start of `out`; returns the length. */
export function writeMinTwosComplement(v: bigint, out: Uint8Array): number {
  const n = minTwosComplementLength(v);
  if (out.length < n) throw new ValidationError(`buffer too small for a ${n}-byte integer`, { needed: n });
  let x = v;
  for (let i = n - 1; i >= 0; i -= 1) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return n;
}

/** Minimal two's complement big-endian bytes of `v` (a decimal's unscaled value, Appendix D). */
export function minTwosComplementBytes(v: bigint): Uint8Array {
  const out = new Uint8Array(minTwosComplementLength(v));
  writeMinTwosComplement(v, out);
  return out;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 1) s += HEX[bytes[i]!]!;
  return s;
}

/** Big-endian two's complement bytes (length >= 1) to a bigint. */
export function twosComplementToBigint(bytes: Uint8Array): bigint {
  if (bytes.length <= 6) {
    let n = 0;
    for (let i = 0; i < bytes.length; i += 1) n = n * 256 + bytes[i]!;
    if (bytes[0]! & 0x80) n -= 2 ** (8 * bytes.length);
    return BigInt(n);
  }
  const u = BigInt(`0x${bytesToHex(bytes)}`);
  return bytes[0]! & 0x80 ? u - (1n << BigInt(8 * bytes.length)) : u;
}

function hexNibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/** Parses a hex string (either case) to bytes; returns undefined if it is not hex. */
export function hexToBytes(s: string): Uint8Array | undefined {
  if (s.length % 2 !== 0) return undefined;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i += 1) {
    const hi = hexNibble(s.charCodeAt(2 * i));
    const lo = hexNibble(s.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return undefined;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

const UUID_TYPE: PrimitiveType = { kind: 'uuid' };

/** Parses an 8-4-4-4-12 uuid (either case) into 16 big-endian bytes at the start of `out`. */
export function parseUuidInto(s: string, out: Uint8Array): void {
  if (s.length !== 36) throw wrongValue(UUID_TYPE, s);
  let j = 0;
  for (let i = 0; i < 36; ) {
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (s.charCodeAt(i) !== 45) throw wrongValue(UUID_TYPE, s);
      i += 1;
      continue;
    }
    const hi = hexNibble(s.charCodeAt(i));
    const lo = hexNibble(s.charCodeAt(i + 1));
    if (hi < 0 || lo < 0) throw wrongValue(UUID_TYPE, s);
    out[j] = (hi << 4) | lo;
    j += 1;
    i += 2;
  }
}

/** 16 big-endian bytes to the lowercase 8-4-4-4-12 form. */
export function uuidFromBytes(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < 16; i += 1) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
    s += HEX[bytes[i]!]!;
  }
  return s;
}

// --- calendar (proleptic Gregorian, UTC; algorithm after H. Hinnant's "civil_from_days") -------

export interface CivilDate {
  readonly year: number;
  readonly month: number; // 1..12
  readonly day: number; // 1..31
}

/** Days since 1970-01-01 to a calendar date. */
export function civilFromDays(days: number): CivilDate {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Calendar date to days since 1970-01-01. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Years from 1970 of a day ordinal (floor semantics before 1970). */
export function yearsFromDays(days: number): number {
  return civilFromDays(days).year - 1970;
}

/** Months from 1970-01 of a day ordinal (floor semantics before 1970). */
export function monthsFromDays(days: number): number {
  const c = civilFromDays(days);
  return (c.year - 1970) * 12 + c.month - 1;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** Year as java.time's ISO_LOCAL_DATE prints it: 4+ digits, '+' above 9999, '-' below 0. */
export function isoYear(year: number): string {
  const abs = Math.abs(year);
  const digits = abs < 1000 ? String(abs).padStart(4, '0') : String(abs);
  if (year < 0) return `-${digits}`;
  return year > 9999 ? `+${digits}` : digits;
}

/** ISO-8601 date of a day ordinal, as java.time's ISO_LOCAL_DATE formats it. */
export function formatIsoDate(days: number): string {
  const c = civilFromDays(days);
  return `${isoYear(c.year)}-${pad2(c.month)}-${pad2(c.day)}`;
}

/** floor(a / b) for bigints, b > 0. */
export function floorDivBig(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a < 0n && q * b !== a ? q - 1n : q;
}

/** Splits an epoch value in units of 10^-digits seconds into day ordinal and units within the day. */
function splitEpoch(v: bigint, unitsPerDay: bigint): { days: number; inDay: bigint } {
  const days = floorDivBig(v, unitsPerDay);
  return { days: Number(days), inDay: v - days * unitsPerDay };
}

/**
 * `HH:MM:SS` plus a fraction of `digits` digits (the fraction has 6 or 9 digits of `units`).
 * mode 'fixed' always prints all digits; 'iso' is java.time's ISO_LOCAL_TIME (trailing zeros
 * dropped, no fraction when zero); 'local' is LocalTime.toString (seconds omitted when zero,
 * fraction in groups of 3).
 */
export function formatTimeOfDay(units: bigint, digits: 6 | 9, mode: 'fixed' | 'iso' | 'local'): string {
  const perSecond = digits === 6 ? 1_000_000n : 1_000_000_000n;
  const secs = Number(units / perSecond);
  const frac = Number(units % perSecond);
  const hm = `${pad2(Math.floor(secs / 3600))}:${pad2(Math.floor(secs / 60) % 60)}`;
  const s = pad2(secs % 60);
  const f = String(frac).padStart(digits, '0');
  switch (mode) {
    case 'fixed':
      return `${hm}:${s}.${f}`;
    case 'iso':
      return frac === 0 ? `${hm}:${s}` : `${hm}:${s}.${f.replace(/0+$/, '')}`;
    case 'local': {
      if (frac === 0) return secs % 60 === 0 ? hm : `${hm}:${s}`;
      const nanos = f.padEnd(9, '0');
      const groups = nanos.endsWith('000000') ? nanos.slice(0, 3) : nanos.endsWith('000') ? nanos.slice(0, 6) : nanos;
      return `${hm}:${s}.${groups}`;
    }
  }
}

const MICROS_PER_DAY = 86_400_000_000n;
const NANOS_PER_DAY = 86_400_000_000_000n;

/** `YYYY-MM-DDTHH:MM:SS[.f]` of an epoch value in micros (digits 6) or nanos (digits 9). */
export function formatTimestamp(v: bigint, digits: 6 | 9, mode: 'fixed' | 'iso'): string {
  const { days, inDay } = splitEpoch(v, digits === 6 ? MICROS_PER_DAY : NANOS_PER_DAY);
  return `${formatIsoDate(days)}T${formatTimeOfDay(inDay, digits, mode)}`;
}

// --- Java-compatible number strings ------------------------------------------------------------

/** Java's Double.toString (shortest digits; scientific outside [1e-3, 1e7)). */
export function javaDoubleToString(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return 'Infinity';
  if (d === -Infinity) return '-Infinity';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(d);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(d);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mant, exp] = d.toExponential().split('e') as [string, string];
  return `${mant.includes('.') ? mant : `${mant}.0`}E${exp.startsWith('+') ? exp.slice(1) : exp}`;
}

/** The shortest decimal that reads back as the same float32 (as Java's Float.toString chooses). */
export function shortestFloat(f: number): number {
  if (!Number.isFinite(f) || f === 0) return f;
  for (let p = 1; p <= 9; p += 1) {
    const c = Number(f.toPrecision(p));
    if (Math.fround(c) === f) return c;
  }
  return f;
}

/** Java's Float.toString for a float32 value held in a JS number. */
export function javaFloatToString(f: number): string {
  return javaDoubleToString(shortestFloat(f));
}

/** Java's BigDecimal.toString of unscaled × 10^-scale (scientific when scale < 0 or tiny). */
export function javaBigDecimalToString(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  const coeff = (neg ? -unscaled : unscaled).toString();
  const sign = neg ? '-' : '';
  if (scale === 0) return sign + coeff;
  const adjusted = -scale + (coeff.length - 1);
  if (scale > 0 && adjusted >= -6) return sign + plainDecimal(coeff, scale);
  const mant = coeff.length > 1 ? `${coeff[0]}.${coeff.slice(1)}` : coeff;
  return `${sign}${mant}E${adjusted >= 0 ? '+' : ''}${adjusted}`;
}

function plainDecimal(coeff: string, scale: number): string {
  if (coeff.length > scale) return `${coeff.slice(0, coeff.length - scale)}.${coeff.slice(coeff.length - scale)}`;
  return `0.${'0'.repeat(scale - coeff.length)}${coeff}`;
}

// ---------------------------------------------------------------------------------------------
// Binary single-value serialisation (Appendix D)
// ---------------------------------------------------------------------------------------------

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const POW10: bigint[] = [1n];
for (let i = 1; i <= 77; i += 1) POW10.push(POW10[i - 1]! * 10n);

function pow10(n: number): bigint {
  return POW10[n] ?? 10n ** BigInt(n);
}

function checkInt32(type: PrimitiveType, value: PrimitiveValue): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -0x8000_0000 || value > 0x7fff_ffff) {
    throw wrongValue(type, value);
  }
  return value;
}

function checkInt64(type: PrimitiveType, value: PrimitiveValue): bigint {
  if (typeof value !== 'bigint' || value < INT64_MIN || value > INT64_MAX) throw wrongValue(type, value);
  return value;
}

function checkDecimal(type: PrimitiveType & { kind: 'decimal' }, value: PrimitiveValue): bigint {
  if (typeof value !== 'bigint') throw wrongValue(type, value);
  const abs = value < 0n ? -value : value;
  if (abs >= pow10(type.precision)) {
    throw invalid(type, `unscaled value ${value} has more than ${type.precision} digits`);
  }
  return value;
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function fixedWidth(n: number, write: (view: DataView) => void): Uint8Array {
  const out = new Uint8Array(n);
  write(new DataView(out.buffer));
  return out;
}

/**
 * Appendix D binary serialisation. Validates the value against the type (ranges, fixed length,
 * decimal precision, floats exactly representable as float32) and throws ValidationError.
 */
export function serializeValue(type: PrimitiveType, value: PrimitiveValue): Uint8Array {
  switch (type.kind) {
    case 'boolean':
      if (typeof value !== 'boolean') throw wrongValue(type, value);
      return Uint8Array.of(value ? 1 : 0);
    case 'int':
    case 'date': {
      const v = checkInt32(type, value);
      return fixedWidth(4, (d) => d.setInt32(0, v, true));
    }
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns': {
      const v = checkInt64(type, value);
      return fixedWidth(8, (d) => d.setBigInt64(0, v, true));
    }
    case 'float': {
      if (typeof value !== 'number' || (Math.fround(value) !== value && !Number.isNaN(value))) {
        throw wrongValue(type, value);
      }
      return fixedWidth(4, (d) => d.setFloat32(0, value, true));
    }
    case 'double':
      if (typeof value !== 'number') throw wrongValue(type, value);
      return fixedWidth(8, (d) => d.setFloat64(0, value, true));
    case 'string':
      if (typeof value !== 'string') throw wrongValue(type, value);
      return encoder.encode(value);
    case 'uuid': {
      if (typeof value !== 'string') throw wrongValue(type, value);
      const out = new Uint8Array(16);
      parseUuidInto(value, out);
      return out;
    }
    case 'fixed':
      if (!(value instanceof Uint8Array)) throw wrongValue(type, value);
      if (value.length !== type.length) {
        throw invalid(type, `value has ${value.length} bytes, expected ${type.length}`, { length: value.length });
      }
      return value.slice();
    case 'binary':
      if (!(value instanceof Uint8Array)) throw wrongValue(type, value);
      return value.slice();
    case 'decimal':
      return minTwosComplementBytes(checkDecimal(type, value));
  }
}

function wrongLength(type: PrimitiveType, bytes: Uint8Array, expected: string): ValidationError {
  return invalid(type, `cannot deserialize ${bytes.length} bytes, expected ${expected}`, { length: bytes.length });
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Appendix D binary deserialisation. Lengths that the spec's "Schema Evolution" bound-inference
 * table allows are accepted too: 4 bytes for `long` (an int bound), `double` (a float bound) and
 * `timestamp`/`timestamp_ns` (a date bound, converted to micros/nanos at midnight).
 */
export function deserializeValue(type: PrimitiveType, bytes: Uint8Array): PrimitiveValue {
  switch (type.kind) {
    case 'boolean':
      if (bytes.length !== 1) throw wrongLength(type, bytes, '1');
      return bytes[0] !== 0;
    case 'int':
    case 'date':
      if (bytes.length !== 4) throw wrongLength(type, bytes, '4');
      return view(bytes).getInt32(0, true);
    case 'long':
      if (bytes.length === 4) return BigInt(view(bytes).getInt32(0, true));
      if (bytes.length !== 8) throw wrongLength(type, bytes, '8 (or 4 for a promoted int)');
      return view(bytes).getBigInt64(0, true);
    case 'timestamp':
    case 'timestamp_ns':
      if (bytes.length === 4) {
        const days = BigInt(view(bytes).getInt32(0, true));
        return days * (type.kind === 'timestamp' ? MICROS_PER_DAY : NANOS_PER_DAY);
      }
      if (bytes.length !== 8) throw wrongLength(type, bytes, '8 (or 4 for a promoted date)');
      return view(bytes).getBigInt64(0, true);
    case 'time':
    case 'timestamptz':
    case 'timestamptz_ns':
      if (bytes.length !== 8) throw wrongLength(type, bytes, '8');
      return view(bytes).getBigInt64(0, true);
    case 'float':
      if (bytes.length !== 4) throw wrongLength(type, bytes, '4');
      return view(bytes).getFloat32(0, true);
    case 'double':
      if (bytes.length === 4) return view(bytes).getFloat32(0, true);
      if (bytes.length !== 8) throw wrongLength(type, bytes, '8 (or 4 for a promoted float)');
      return view(bytes).getFloat64(0, true);
    case 'string':
      try {
        return strictDecoder.decode(bytes);
      } catch (err) {
        throw new ValidationError(`string: ${bytes.length} bytes are not valid UTF-8`, { type: 'string', length: bytes.length }, { cause: err });
      }
    case 'uuid':
      if (bytes.length !== 16) throw wrongLength(type, bytes, '16');
      return uuidFromBytes(bytes);
    case 'fixed':
      if (bytes.length !== type.length) throw wrongLength(type, bytes, String(type.length));
      return bytes.slice();
    case 'binary':
      return bytes.slice();
    case 'decimal':
      if (bytes.length === 0) throw wrongLength(type, bytes, 'at least 1');
      return twosComplementToBigint(bytes);
  }
}

// ---------------------------------------------------------------------------------------------
// Ordering
// ---------------------------------------------------------------------------------------------

/** Java's Float.compare/Double.compare: -0.0 < 0.0, NaN equal to itself and above +Infinity. */
export function compareFloats(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an === bn ? 0 : an ? 1 : -1;
  if (a === 0 && b === 0) {
    const az = Object.is(a, -0);
    const bz = Object.is(b, -0);
    return az === bz ? 0 : az ? -1 : 1;
  }
  return 0;
}

/**
 * Compares strings by Unicode code point, which is also the order of their UTF-8 bytes (and not
 * JS's UTF-16 unit order, which puts U+E000..U+FFFF after supplementary characters).
 */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    let x = a.charCodeAt(i);
    const y0 = b.charCodeAt(i);
    if (x === y0) continue;
    let y = y0;
    // Surrogates (0xD800..0xDFFF) encode code points above 0xFFFF: move them above 0xE000..0xFFFF.
    if (x >= 0xd800) x += x < 0xe000 ? 0x2000 : -0x800;
    if (y >= 0xd800) y += y < 0xe000 ? 0x2000 : -0x800;
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Unsigned lexicographic byte order; a proper prefix sorts first. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function cmp<T extends number | bigint>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Orders two non-null values of a type as Iceberg does for bounds and sorting. Numbers, dates,
 * times, timestamps and decimals (unscaled, same scale) compare numerically; strings by code
 * point (= UTF-8 byte order); binary/fixed unsigned lexicographically; uuids by their 16
 * big-endian bytes as unsigned (RFC 4122 order; note java.util.UUID.compareTo is signed).
 * Floats follow Java's Float.compare: -0.0 < 0.0 and every NaN sorts above +Infinity and equal
 * to other NaNs (the spec's "-NaN first" needs the NaN sign bit, which JS does not reliably keep).
 */
export function compareValues(type: PrimitiveType, a: PrimitiveValue, b: PrimitiveValue): number {
  switch (type.kind) {
    case 'boolean':
      return a === b ? 0 : a ? 1 : -1;
    case 'float':
    case 'double':
      return compareFloats(a as number, b as number);
    case 'int':
    case 'date':
      return cmp(a as number, b as number);
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
    case 'decimal':
      return cmp(a as bigint, b as bigint);
    case 'string':
      return compareStrings(a as string, b as string);
    case 'uuid': {
      const x = a as string;
      const y = b as string;
      for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
        // case-insensitive hex: OR-ing 0x20 lowercases A-F and leaves digits and '-' alone
        const d = (x.charCodeAt(i) | 0x20) - (y.charCodeAt(i) | 0x20);
        if (d !== 0) return d < 0 ? -1 : 1;
      }
      return cmp(x.length, y.length);
    }
    case 'fixed':
    case 'binary':
      return compareBytes(a as Uint8Array, b as Uint8Array);
  }
}

// ---------------------------------------------------------------------------------------------
// JSON single-value serialisation (Appendix D)
// ---------------------------------------------------------------------------------------------

/** Decimal string per Appendix D: plain with exactly `scale` fraction digits; `<u>E+<-scale>` for negative scales. */
function decimalToJsonString(unscaled: bigint, scale: number): string {
  if (scale <= 0) {
    const s = unscaled.toString();
    return scale === 0 ? s : `${s}E+${-scale}`;
  }
  const neg = unscaled < 0n;
  const coeff = (neg ? -unscaled : unscaled).toString();
  return (neg ? '-' : '') + plainDecimal(coeff, scale);
}

const DECIMAL_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

function decimalFromString(type: PrimitiveType & { kind: 'decimal' }, text: string): bigint {
  const m = DECIMAL_RE.exec(text.trim());
  const intPart = m?.[2] ?? '';
  const fracPart = m?.[3] ?? '';
  if (!m || intPart.length + fracPart.length === 0) throw invalid(type, `not a decimal: ${describe(text)}`);
  let unscaled = BigInt(intPart + fracPart || '0');
  if (m[1] === '-') unscaled = -unscaled;
  const scale = fracPart.length - Number(m[4] ?? '0');
  // Rescale to the type's scale when that is exact; a value needing more digits is an error.
  if (scale < type.scale) unscaled *= pow10(type.scale - scale);
  else if (scale > type.scale) {
    const f = pow10(scale - type.scale);
    if (unscaled % f !== 0n) throw invalid(type, `${describe(text)} has more than ${type.scale} fraction digits`);
    unscaled /= f;
  }
  return checkDecimal(type, unscaled);
}

const DATE_RE = /^([+-]?\d{4,})-(\d{2})-(\d{2})$/;
const TIME_RE = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;
const TS_RE = /^([+-]?\d{4,}-\d{2}-\d{2})[Tt](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|z|[+-]\d{2}:\d{2}(?::\d{2})?)?$/;

function parseDate(type: PrimitiveType, text: string): number {
  const m = DATE_RE.exec(text);
  if (!m) throw invalid(type, `not an ISO-8601 date: ${describe(text)}`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const days = daysFromCivil(year, month, day);
  const back = civilFromDays(days);
  if (month < 1 || month > 12 || back.month !== month || back.day !== day) {
    throw invalid(type, `not a valid date: ${describe(text)}`);
  }
  return days;
}

/** Time of day in nanoseconds. */
function parseTimeNanos(type: PrimitiveType, text: string): bigint {
  const m = TIME_RE.exec(text);
  if (!m) throw invalid(type, `not an ISO-8601 time: ${describe(text)}`);
  const h = Number(m[1]);
  const min = Number(m[2]);
  const s = Number(m[3] ?? '0');
  if (h > 23 || min > 59 || s > 59) throw invalid(type, `not a valid time: ${describe(text)}`);
  const frac = BigInt((m[4] ?? '').padEnd(9, '0'));
  return BigInt(h * 3600 + min * 60 + s) * 1_000_000_000n + frac;
}

function parseTimestampNanos(type: PrimitiveType, text: string, zoned: boolean): bigint {
  const m = TS_RE.exec(text);
  if (!m) throw invalid(type, `not an ISO-8601 timestamp: ${describe(text)}`);
  const offset = m[3];
  if (zoned) {
    if (offset === undefined) throw invalid(type, `timestamp must include the offset +00:00: ${describe(text)}`);
    if (!/^(?:[Zz]|[+-]00:00(?::00)?)$/.test(offset)) {
      throw invalid(type, `offset must be +00:00: ${describe(text)}`);
    }
  } else if (offset !== undefined) {
    throw invalid(type, `timestamp without zone must not include an offset: ${describe(text)}`);
  }
  const days = BigInt(parseDate(type, m[1]!));
  return days * NANOS_PER_DAY + parseTimeNanos(type, m[2]!);
}

function jsonInteger(type: PrimitiveType, json: unknown): bigint {
  if (typeof json === 'bigint') return json;
  if (typeof json === 'number' && Number.isSafeInteger(json)) return BigInt(json);
  throw invalid(type, `expected a JSON integer, got ${describe(json)}`);
}

function jsonString(type: PrimitiveType, json: unknown): string {
  if (typeof json !== 'string') throw invalid(type, `expected a JSON string, got ${describe(json)}`);
  return json;
}

function jsonNumber(type: PrimitiveType, json: unknown): number {
  if (typeof json === 'number') return json;
  if (typeof json === 'bigint') return Number(json);
  // Jackson writes non-finite floats as these tokens or strings.
  if (json === 'NaN') return NaN;
  if (json === 'Infinity') return Infinity;
  if (json === '-Infinity') return -Infinity;
  throw invalid(type, `expected a JSON number, got ${describe(json)}`);
}

/**
 * Appendix D JSON single-value form. int is a number and long a bigint (a JSON number for our
 * serializer); date is `YYYY-MM-DD`; time `HH:MM:SS.ffffff`; timestamps
 * `YYYY-MM-DDTHH:MM:SS.ffffff` (+ `+00:00` for tz), with 9 fraction digits for the _ns types;
 * decimals are strings; binary/fixed lowercase hex; floats the shortest decimal of the float32.
 * NaN/Infinity are returned as numbers, though JSON has no token for them.
 */
export function valueToJson(type: PrimitiveType, value: PrimitiveValue): unknown {
  switch (type.kind) {
    case 'boolean':
      if (typeof value !== 'boolean') throw wrongValue(type, value);
      return value;
    case 'int':
      return checkInt32(type, value);
    case 'long':
      return checkInt64(type, value);
    case 'float':
      if (typeof value !== 'number') throw wrongValue(type, value);
      return shortestFloat(value);
    case 'double':
      if (typeof value !== 'number') throw wrongValue(type, value);
      return value;
    case 'decimal':
      return decimalToJsonString(checkDecimal(type, value), type.scale);
    case 'date':
      return formatIsoDate(checkInt32(type, value));
    case 'time': {
      const v = checkInt64(type, value);
      if (v < 0n || v >= MICROS_PER_DAY) throw wrongValue(type, value);
      return formatTimeOfDay(v, 6, 'fixed');
    }
    case 'timestamp':
      return formatTimestamp(checkInt64(type, value), 6, 'fixed');
    case 'timestamptz':
      return `${formatTimestamp(checkInt64(type, value), 6, 'fixed')}+00:00`;
    case 'timestamp_ns':
      return formatTimestamp(checkInt64(type, value), 9, 'fixed');
    case 'timestamptz_ns':
      return `${formatTimestamp(checkInt64(type, value), 9, 'fixed')}+00:00`;
    case 'string':
      if (typeof value !== 'string') throw wrongValue(type, value);
      return value;
    case 'uuid': {
      if (typeof value !== 'string') throw wrongValue(type, value);
      const bytes = new Uint8Array(16);
      parseUuidInto(value, bytes);
      return uuidFromBytes(bytes);
    }
    case 'fixed':
      if (!(value instanceof Uint8Array)) throw wrongValue(type, value);
      if (value.length !== type.length) {
        throw invalid(type, `value has ${value.length} bytes, expected ${type.length}`, { length: value.length });
      }
      return bytesToHex(value);
    case 'binary':
      if (!(value instanceof Uint8Array)) throw wrongValue(type, value);
      return bytesToHex(value);
  }
}

/**
 * Parses the Appendix D JSON form. Integers may arrive as number or bigint. Timestamps with
 * more fraction digits than the type holds are truncated toward the earlier instant; tz
 * timestamps accept `Z`/`+00:00`/`-00:00` and reject other offsets (as Iceberg Java does).
 */
export function valueFromJson(type: PrimitiveType, json: unknown): PrimitiveValue {
  switch (type.kind) {
    case 'boolean':
      if (typeof json !== 'boolean') throw invalid(type, `expected a JSON boolean, got ${describe(json)}`);
      return json;
    case 'int': {
      const v = jsonInteger(type, json);
      if (v < -0x8000_0000n || v > 0x7fff_ffffn) throw invalid(type, `${v} is out of range for int`);
      return Number(v);
    }
    case 'long': {
      const v = jsonInteger(type, json);
      if (v < INT64_MIN || v > INT64_MAX) throw invalid(type, `${v} is out of range for long`);
      return v;
    }
    case 'float':
      return Math.fround(jsonNumber(type, json));
    case 'double':
      return jsonNumber(type, json);
    case 'decimal':
      return decimalFromString(type, jsonString(type, json));
    case 'date':
      return parseDate(type, jsonString(type, json));
    case 'time':
      return parseTimeNanos(type, jsonString(type, json)) / 1000n;
    case 'timestamp':
    case 'timestamptz':
      return floorDivBig(parseTimestampNanos(type, jsonString(type, json), type.kind === 'timestamptz'), 1000n);
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return parseTimestampNanos(type, jsonString(type, json), type.kind === 'timestamptz_ns');
    case 'string':
      return jsonString(type, json);
    case 'uuid': {
      const bytes = new Uint8Array(16);
      parseUuidInto(jsonString(type, json), bytes);
      return uuidFromBytes(bytes);
    }
    case 'fixed':
    case 'binary': {
      const bytes = hexToBytes(jsonString(type, json));
      if (!bytes) throw invalid(type, `not a hex string: ${describe(json)}`);
      if (type.kind === 'fixed' && bytes.length !== type.length) {
        throw invalid(type, `value has ${bytes.length} bytes, expected ${type.length}`, { length: bytes.length });
      }
      return bytes;
    }
  }
}
