/**
 * The given rows of a column (indices, in the order given) as a column of its own: what a
 * keep-mask leaves of a decoded batch, or one partition's rows of a page. One copy loop per
 * array type, each monomorphic (a shared generic loop makes its element accesses polymorphic).
 */
import { PackedBytes, type ColumnArray } from './packed-bytes.js';

export function selectRows(col: ColumnArray, rows: Int32Array): ColumnArray {
  if (col instanceof BigInt64Array) return select64(col, rows);
  if (col instanceof Int32Array) return selectI32(col, rows);
  if (col instanceof Float64Array) return selectF64(col, rows);
  if (col instanceof Float32Array) return selectF32(col, rows);
  if (col instanceof Uint8Array) return selectU8(col, rows);
  if (col instanceof PackedBytes) return col.select(rows);
  if (ArrayBuffer.isView(col) && !(col instanceof DataView)) {
    const Typed = col.constructor as new (n: number) => { [i: number]: unknown; length: number };
    const out = new Typed(rows.length);
    for (let j = 0; j < rows.length; j++) out[j] = col[rows[j]!];
    return out as unknown as ColumnArray;
  }
  const out = new Array<unknown>(rows.length);
  for (let j = 0; j < rows.length; j++) out[j] = col[rows[j]!];
  return out;
}

/** 64-bit values copied as pairs of int32 words: no bigint made per value. */
function select64(col: BigInt64Array, rows: Int32Array): BigInt64Array {
  const o = new BigInt64Array(rows.length);
  const ow = new Int32Array(o.buffer), cw = new Int32Array(col.buffer, col.byteOffset, col.length * 2);
  for (let j = 0; j < rows.length; j++) {
    const i = rows[j]!;
    ow[2 * j] = cw[2 * i]!;
    ow[2 * j + 1] = cw[2 * i + 1]!;
  }
  return o;
}

function selectI32(col: Int32Array, rows: Int32Array): Int32Array {
  const o = new Int32Array(rows.length);
  for (let j = 0; j < rows.length; j++) o[j] = col[rows[j]!]!;
  return o;
}

function selectF64(col: Float64Array, rows: Int32Array): Float64Array {
  const o = new Float64Array(rows.length);
  for (let j = 0; j < rows.length; j++) o[j] = col[rows[j]!]!;
  return o;
}

function selectF32(col: Float32Array, rows: Int32Array): Float32Array {
  const o = new Float32Array(rows.length);
  for (let j = 0; j < rows.length; j++) o[j] = col[rows[j]!]!;
  return o;
}

function selectU8(col: Uint8Array, rows: Int32Array): Uint8Array {
  const o = new Uint8Array(rows.length);
  for (let j = 0; j < rows.length; j++) o[j] = col[rows[j]!]!;
  return o;
}
