/**
 * A binlog row's key as a snapshot position holds it (snapshot-sql.ts keyPartOf: integers
 * exact, binary and BIT as hex, everything else in MySQL's text form), from the row's Iceberg
 * values: whether a change is already in a table's snapshot compares these.
 */
import type { KeyPart } from '../position.js';
import { INTEGER_TYPES } from '../snapshot/snapshot-sql.js';
import type { MySqlColumn } from '../type-mapping.js';
import { formatDays, formatDecimal, formatEpochMicros, formatTimeMicros, fspOf } from './mysql-text.js';

export function keyPartOfValue(c: MySqlColumn, value: unknown): KeyPart {
  if (value === null || value === undefined) return null;
  // Strings, and any column written as a declared string: already the text form.
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
  const t = c.dataType;
  if (INTEGER_TYPES.has(t)) return BigInt(value as number | bigint);
  switch (t) {
    case 'bit': {
      const bits = Number(/\((\d+)\)/.exec(c.columnType)?.[1] ?? 1);
      return BigInt.asUintN(bits, BigInt(value as bigint)).toString(16).padStart(2 * Math.ceil(bits / 8), '0');
    }
    case 'decimal':
    case 'numeric':
      return formatDecimal(value as bigint, Number(/,(\d+)\)/.exec(c.columnType)?.[1] ?? 0));
    case 'date':
      return formatDays(value as number);
    case 'datetime':
    case 'timestamp':
      return formatEpochMicros(value as bigint, fspOf(c.columnType));
    case 'time':
      return formatTimeMicros(value as bigint, fspOf(c.columnType));
    default:
      return String(value);
  }
}
