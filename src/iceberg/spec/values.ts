/**
 * In-memory representation of Iceberg values, used for partition tuples, bounds and rows.
 *
 * | Iceberg type           | JS value                                   |
 * |------------------------|--------------------------------------------|
 * | boolean                | boolean                                    |
 * | int, date              | number (date = days since 1970-01-01)      |
 * | long                   | bigint                                     |
 * | float, double          | number                                     |
 * | decimal(P,S)           | bigint: the unscaled value                 |
 * | time                   | bigint: microseconds since midnight        |
 * | timestamp(tz)          | bigint: microseconds since epoch           |
 * | timestamp(tz)_ns       | bigint: nanoseconds since epoch            |
 * | string                 | string                                     |
 * | uuid                   | string, lowercase 8-4-4-4-12 form          |
 * | fixed(L), binary       | Uint8Array                                 |
 */
export type PrimitiveValue = boolean | number | bigint | string | Uint8Array;

/** A partition tuple: one value (or null) per partition field, in spec order. */
export type PartitionValues = readonly (PrimitiveValue | null)[];

/** The JS representation of a primitive type's values (the table above), for dispatch. */
export type ValueRepresentation = 'boolean' | 'number' | 'bigint' | 'string' | 'bytes';

export function representationOf(kind: string): ValueRepresentation {
  switch (kind) {
    case 'boolean':
      return 'boolean';
    case 'int':
    case 'date':
    case 'float':
    case 'double':
      return 'number';
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
    case 'decimal':
      return 'bigint';
    case 'string':
    case 'uuid':
      return 'string';
    default:
      return 'bytes';
  }
}
