/**
 * MySQL's own text forms of DECIMAL and temporal values (what the text protocol, and so the
 * full load, shows): for binlog values written to a column declared with another type
 * (`tables[].columns`, e.g. TIME as string) and for the keys that decide whether a change is
 * already in a snapshot (keys compare in the full load's text form).
 */
import { civilFromDays } from '../../../src/iceberg/spec/value-serialization.js';

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

function pad(n: number, width: number): string {
  const s = String(n);
  return s.length >= width ? s : '0'.repeat(width - s.length) + s;
}

/** An unscaled decimal at `scale`, as MySQL prints it (`-12.30`, `0.05`, `7`). */
export function formatDecimal(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  const digits = (neg ? -unscaled : unscaled).toString();
  if (scale === 0) return neg ? `-${digits}` : digits;
  const whole = digits.length > scale ? digits.slice(0, digits.length - scale) : '0';
  const frac = digits.length > scale ? digits.slice(digits.length - scale) : digits.padStart(scale, '0');
  return `${neg ? '-' : ''}${whole}.${frac}`;
}

/** `.ffffff` cut to `fsp` digits (microseconds in). */
function fraction(micros: number, fsp: number): string {
  return fsp === 0 ? '' : `.${pad(micros, 6).slice(0, fsp)}`;
}

export function formatDate(year: number, month: number, day: number): string {
  return `${pad(year, 4)}-${pad2(month)}-${pad2(day)}`;
}

export function formatDateTime(year: number, month: number, day: number, hour: number, minute: number, second: number, micros: number, fsp: number): string {
  return `${formatDate(year, month, day)} ${pad2(hour)}:${pad2(minute)}:${pad2(second)}${fraction(micros, fsp)}`;
}

/** TIME: hours may run past 24 and the value may be negative (`-838:59:59`). */
export function formatTime(negative: boolean, hours: number, minute: number, second: number, micros: number, fsp: number): string {
  return `${negative ? '-' : ''}${pad2(hours)}:${pad2(minute)}:${pad2(second)}${fraction(micros, fsp)}`;
}

/** Epoch microseconds (UTC) as a DATETIME/TIMESTAMP text with `fsp` digits. */
export function formatEpochMicros(micros: bigint, fsp: number): string {
  const days = Number((micros >= 0n ? micros : micros - 86_399_999_999n) / 86_400_000_000n);
  const inDay = Number(micros - BigInt(days) * 86_400_000_000n);
  const c = civilFromDays(days);
  const secs = Math.floor(inDay / 1e6);
  return formatDateTime(c.year, c.month, c.day, Math.floor(secs / 3600), Math.floor(secs / 60) % 60, secs % 60, inDay % 1e6, fsp);
}

export function formatDays(days: number): string {
  const c = civilFromDays(days);
  return formatDate(c.year, c.month, c.day);
}

/** Microseconds since midnight (Iceberg time) as TIME text. */
export function formatTimeMicros(micros: bigint, fsp: number): string {
  const neg = micros < 0n;
  const abs = Number(neg ? -micros : micros);
  const secs = Math.floor(abs / 1e6);
  return formatTime(neg, Math.floor(secs / 3600), Math.floor(secs / 60) % 60, secs % 60, abs % 1e6, fsp);
}

/** Fractional-second digits of a temporal column (`datetime(3)` -> 3). */
export function fspOf(columnType: string): number {
  const m = /\((\d)\)/.exec(columnType);
  return m ? Number(m[1]) : 0;
}
