import type { PartitionValues, PrimitiveValue } from './spec/values.js';

/** A string key for (spec id, partition tuple) equality; bigint/bytes/NaN safe. */
export function partitionKey(specId: number, partition: PartitionValues): string {
  let key = String(specId);
  for (const v of partition) key += `\u0000${valueKey(v)}`;
  return key;
}

/** A string that is equal for equal Iceberg values of one type (bigint/bytes/-0 safe). */
export function valueKey(v: PrimitiveValue | null): string {
  if (v === null) return 'N';
  if (typeof v === 'bigint') return `L${v}`;
  if (typeof v === 'number') return Object.is(v, -0) ? 'D-0' : `D${v}`;
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  if (typeof v === 'string') return `S${v}`;
  return `B${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
}
