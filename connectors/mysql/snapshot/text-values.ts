/**
 * Parsers of MySQL text-protocol values straight from the row packet's bytes (protocol
 * "Text Resultset Row": each value is a length-encoded string of its text form). They give
 * exactly what type-mapping.ts gives for the same text (the full load's column decoder and the
 * row converters must agree: test/connectors/mysql/text-values.test.ts checks it), without
 * building a JS string per value for numbers, dates and times.
 *
 * Every parser reads `buf[start, end)` and returns undefined when the text is not in the
 * layout it handles; the caller then falls back to the string converter (which names the
 * column and value in its error).
 */
import { mysqlDateDays } from '../type-mapping.js';

const FRACTION_SCALE = [1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];
const MINUS = 45;
const PLUS = 43;
const DOT = 46;

/** Value of `len` ASCII digits at `at`, or NaN if any is not a digit. */
function digits(buf: Uint8Array, at: number, len: number): number {
  let v = 0;
  for (let i = at; i < at + len; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return v;
}

/**
 * A signed decimal integer of at most 15 digits (exact as a double); undefined for anything
 * else (longer numbers go through BigInt).
 */
export function parseSmallInteger(buf: Uint8Array, start: number, end: number): number | undefined {
  let i = start;
  const neg = i < end && buf[i] === MINUS;
  if (neg) i++;
  const n = end - i;
  if (n < 1 || n > 15) return undefined;
  const v = digits(buf, i, n);
  if (Number.isNaN(v)) return undefined;
  return neg ? -v : v;
}

/**
 * `YYYY-MM-DD` -> days since epoch; null for MySQL's zero and invalid dates (`0000-00-00`,
 * `2024-00-10`, `2023-02-30` under ALLOW_INVALID_DATES), as type-mapping.ts's parseDateDays.
 */
export function parseDateDaysAt(buf: Uint8Array, at: number, len: number): number | null {
  if (len !== 10 || buf[at + 4] !== MINUS || buf[at + 7] !== MINUS) return null;
  const y = digits(buf, at, 4);
  const mo = digits(buf, at + 5, 2);
  const d = digits(buf, at + 8, 2);
  return Number.isNaN(y) ? null : mysqlDateDays(y, mo, d);
}

/**
 * `YYYY-MM-DD HH:MM:SS[.f{1,6}]` as UTC -> microseconds since epoch as a double (exact up to
 * 2^53 µs, year 2255); null for zero/invalid dates; undefined when the value is beyond 2^53
 * (the caller uses the bigint converter) or the layout is not this one.
 */
export function parseDateTimeMicrosAt(buf: Uint8Array, start: number, end: number): number | null | undefined {
  const n = end - start;
  if (n < 19 || n === 20 || n > 26) return null;
  const sep = buf[start + 10];
  if ((sep !== 32 && sep !== 84) || buf[start + 13] !== 58 || buf[start + 16] !== 58 || (n > 19 && buf[start + 19] !== DOT)) return null;
  const days = parseDateDaysAt(buf, start, 10);
  const hh = digits(buf, start + 11, 2);
  const mm = digits(buf, start + 14, 2);
  const ss = digits(buf, start + 17, 2);
  const frac = n > 19 ? digits(buf, start + 20, n - 20) * FRACTION_SCALE[n - 20]! : 0;
  if (days === null || Number.isNaN(hh + mm + ss + frac)) return null;
  const micros = (days * 86_400 + hh * 3_600 + mm * 60 + ss) * 1_000_000 + frac;
  return Number.isSafeInteger(micros) ? micros : undefined;
}

/**
 * Exact decimal text -> the unscaled value at `scale` as a double, when it has at most 15
 * digits in all (exact); undefined otherwise (more digits, more fraction digits than the
 * scale, or not a plain decimal: the string converter decides and reports).
 */
export function parseSmallDecimal(buf: Uint8Array, start: number, end: number, scale: number): number | undefined {
  let i = start;
  const sign = i < end ? buf[i] : 0;
  if (sign === MINUS || sign === PLUS) i++;
  let v = 0;
  let count = 0;
  let fraction = -1;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c === DOT) {
      if (fraction >= 0) return undefined;
      fraction = 0;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9) return undefined;
    if (fraction >= 0) {
      // Zeros past the scale are allowed (type-mapping.ts strips trailing zeros); any other
      // digit there is the converter's error to report.
      if (fraction >= scale) {
        if (d !== 0) return undefined;
        continue;
      }
      fraction++;
    }
    count++;
    v = v * 10 + d;
  }
  // No digits, or a dot without fraction digits (`5.`): the converter's cases.
  if (count === 0 || fraction === 0) return undefined;
  const pad = scale - Math.max(0, fraction);
  if (count + pad > 15) return undefined;
  for (let k = 0; k < pad; k++) v *= 10;
  return sign === MINUS && v !== 0 ? -v : v;
}

/** Writes a safe integer double into slot `i` of an int64 array viewed as 32-bit words (no BigInt). */
export function setInt64(words: Int32Array, i: number, v: number): void {
  words[2 * i] = v >>> 0;
  words[2 * i + 1] = Math.floor(v / 4294967296);
}
