/**
 * JavaScript values that Avro data maps to (one mapping, used by both reader and writer):
 *
 * | Avro            | JS                                        |
 * |-----------------|-------------------------------------------|
 * | null            | `null`                                    |
 * | boolean         | `boolean`                                 |
 * | int             | `number` (int32)                          |
 * | long            | `bigint` (always, so ids above 2^53 stay exact; the writer also takes safe-integer numbers) |
 * | float, double   | `number`                                  |
 * | bytes, fixed    | `Uint8Array`                              |
 * | string          | `string`                                  |
 * | enum            | `string` (the symbol)                     |
 * | array           | `Array`                                   |
 * | map             | `Map<string, V>` (the writer also takes plain objects) |
 * | record          | plain object keyed by field name          |
 * | union           | the chosen branch's value                 |
 */
export type AvroValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | AvroValue[]
  | Map<string, AvroValue>
  | AvroRecord;

/**
 * A record value. `undefined` (or a missing key) means "not given": the writer then uses the
 * field's default. Decoded records never hold `undefined`.
 */
export interface AvroRecord {
  [field: string]: AvroValue | undefined;
}

/** True for values the writer treats as a record (or a map given as a plain object). */
export function isPlainRecord(v: unknown): v is AvroRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Map);
}

/** Short description of a value for error messages (never the whole value). */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'bigint') return `bigint ${v}n`;
  if (typeof v === 'number') return `number ${v}`;
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  if (typeof v === 'boolean') return `boolean ${v}`;
  if (v instanceof Uint8Array) return `Uint8Array(${v.length})`;
  if (Array.isArray(v)) return `array(${v.length})`;
  if (v instanceof Map) return `Map(${v.size})`;
  if (typeof v === 'object') return 'object';
  return typeof v;
}
