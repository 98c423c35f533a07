/**
 * Date/time inputs of the file source: ISO-8601 strings (any UTC offset for timestamptz) and
 * integers in a unit (Debezium's logical types say which; see value-decoder.ts).
 */
import { ValidationError } from '../../src/errors.js';
import { floorDivBig, valueFromJson } from '../../src/iceberg/spec/value-serialization.js';

export type EpochUnit = 'days' | 'ms' | 'us' | 'ns';

const NANOS_PER: Readonly<Record<EpochUnit, bigint>> = {
  days: 86_400_000_000_000n,
  ms: 1_000_000n,
  us: 1_000n,
  ns: 1n,
};

/** An integer count of `unit` since the epoch (or midnight) in nanoseconds. */
export function toNanos(v: bigint, unit: EpochUnit): bigint {
  return v * NANOS_PER[unit];
}

/** Nanoseconds to the target's unit, flooring sub-unit digits toward the earlier instant. */
export function fromNanos(nanos: bigint, unit: 'us' | 'ns'): bigint {
  return unit === 'ns' ? nanos : floorDivBig(nanos, 1000n);
}

const ISO_TS = /^([+-]?\d{4,}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?) ?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

export interface ParsedTimestamp {
  /** Nanoseconds since the epoch, in UTC when an offset was given, else the wall time. */
  readonly nanos: bigint;
  /** Offset in minutes, undefined when the string has none. */
  readonly offsetMinutes: number | undefined;
}

/**
 * `YYYY-MM-DD[T ]HH:MM[:SS[.fffffffff]][Z|±HH[:MM]]`; undefined when the shape does not match
 * or the date/time is invalid.
 */
export function parseIsoTimestamp(s: string): ParsedTimestamp | undefined {
  const m = ISO_TS.exec(s);
  if (!m) return undefined;
  let local: bigint;
  try {
    local = valueFromJson({ kind: 'timestamp_ns' }, `${m[1]}T${m[2]!.replace(',', '.')}`) as bigint;
  } catch (err) {
    if (err instanceof ValidationError) return undefined;
    throw err;
  }
  const off = m[3];
  if (off === undefined) return { nanos: local, offsetMinutes: undefined };
  if (off === 'Z' || off === 'z') return { nanos: local, offsetMinutes: 0 };
  const digits = off.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || '0');
  if (hours > 18 || minutes > 59) return undefined;
  const offsetMinutes = (off[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
  return { nanos: local - BigInt(offsetMinutes) * 60_000_000_000n, offsetMinutes };
}
