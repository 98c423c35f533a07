/**
 * Keys of equality-delete tuples (spec "Equality Delete Files": a row is deleted when its
 * values of the delete's equality columns equal a delete row's; null equals null, as in
 * Iceberg Java's StructLikeSet). The same key is computed from a delete file's rows, from a
 * data row object and from a row of a columnar batch, so one Set/Map lookup decides.
 */
import { columnValue, type ColumnarBatch } from '../../parquet/index.js';
import { valueKey } from '../partition-key.js';
import type { PrimitiveValue } from '../spec/values.js';

/**
 * A key of equality columns: a number for a single long-valued column within +-(2^53 - 1)
 * (the common `id bigint` key: no string is built per row), else equalityKey()'s string.
 */
export type EqualityKey = string | number;

const TWO_32 = 4294967296;
const SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);

/** Composite string key of a row's equality columns; null equals null. */
export function equalityKey(values: readonly unknown[]): string {
  let k = '';
  for (const v of values) k += `${valueKey((v ?? null) as PrimitiveValue | null)}\u0001`;
  return k;
}

/** Key of one tuple of equality-column values (the same for delete rows and data rows). */
export function tupleKey(values: readonly unknown[]): EqualityKey {
  if (values.length === 1) {
    const v = values[0];
    if (typeof v === 'bigint' && v <= SAFE_BIGINT && v >= -SAFE_BIGINT) return Number(v);
  }
  return equalityKey(values);
}

/** The key of the null tuple of one column. */
export const NULL_KEY: EqualityKey = tupleKey([null]);

/** tupleKey of a long column's value from its two int32 words (little-endian), without a bigint. */
export function longKey(w: Int32Array, i: number, col: BigInt64Array): EqualityKey {
  const lo = w[2 * i]!, hi = w[2 * i + 1]!;
  // a value that fits 32 signed bits is just the low word (no float arithmetic, no allocation)
  if ((hi === 0 && lo >= 0) || (hi === -1 && lo < 0)) return lo;
  // exact in a double while |hi| < 2^21
  if (hi >= -2097152 && hi < 2097152) {
    const v = hi * TWO_32 + (lo >>> 0);
    if (Number.isSafeInteger(v)) return v;
  }
  return tupleKey([col[i]]);
}

/** Row i's key read straight from a columnar batch (tupleKey of the same values). */
export function batchKeys(batch: ColumnarBatch, names: readonly string[]): (i: number) => EqualityKey {
  if (names.length === 1) {
    const name = names[0]!;
    const col = batch.columns[name];
    const nulls = batch.nulls[name];
    if (col instanceof BigInt64Array) {
      const w = new Int32Array(col.buffer, col.byteOffset, col.length * 2);
      return (i) => (nulls?.[i] ? NULL_KEY : longKey(w, i, col));
    }
  }
  return (i) => tupleKey(names.map((n) => columnValue(batch, n, i)));
}
