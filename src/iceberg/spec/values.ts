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
