/**
 * The contract of a leaf's value buffer (column-buffer.ts, byte-array-buffer.ts): the non-null
 * values of a row group in a form ready for PLAIN encoding, validated against the Iceberg type
 * on the way in (values.ts representations), so a wrong value fails at write() naming the column.
 */
import { ValidationError } from '../errors.js';
import type { PrimitiveValue } from '../iceberg/spec/values.js';
import type { ColumnArray } from './packed-bytes.js';
import type { LeafColumn } from './parquet-schema.js';

/** Min/max (Iceberg values) and NaN count of the values of a chunk. */
export interface ValueStats {
  min?: PrimitiveValue;
  max?: PrimitiveValue;
  nanCount: number;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v instanceof Uint8Array) return `Uint8Array(${v.length})`;
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  if (typeof v === 'object') return v.constructor?.name ?? 'object';
  return `${typeof v} ${String(v)}`;
}

export function badValue(leaf: LeafColumn, v: unknown, why?: string): ValidationError {
  const t = leaf.type.kind === 'decimal' ? `decimal(${leaf.type.precision}, ${leaf.type.scale})` : leaf.type.kind === 'fixed' ? `fixed[${leaf.type.length}]` : leaf.type.kind;
  return new ValidationError(`column ${leaf.icebergName} (id ${leaf.fieldId}, ${t}): ${why ?? 'wrong value'}: ${describe(v)}`, { column: leaf.icebergName, fieldId: leaf.fieldId });
}

/** A buffer's contents moved out for encoding on another thread (structured-clone friendly). */
export interface ValueState {
  count: number;
  bytes: number;
  a: unknown;
  min?: bigint;
  max?: bigint;
  /** Byte-array values: `a` holds their bytes packed, value i at [offsets[i], offsets[i + 1]). */
  offsets?: Int32Array;
}

export type Typed = Int32Array | Float32Array | Float64Array | BigInt64Array | Uint8Array;

/** A typed array of at least `need` elements holding a's contents (a itself when it is). */
export function grow<T extends Typed | Int32Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  let n = Math.max(1, a.length * 2);
  while (n < need) n *= 2;
  const next = new (a.constructor as new (n: number) => T)(n);
  next.set(a as never);
  return next;
}

export abstract class ValueBuffer {
  abstract a: Typed | unknown[];
  count = 0;
  /** Estimated PLAIN bytes buffered. */
  bytes = 0;
  constructor(readonly leaf: LeafColumn) {}
  abstract put(v: unknown): void;
  /** PLAIN encoding of values [start, end). */
  abstract encode(start: number, end: number): Uint8Array;
  /** Size estimate of value i for page splitting; fixed width when undefined. */
  abstract readonly width: number | undefined;
  widthOf(_i: number): number {
    return this.width ?? 0;
  }
  /** Size estimate of values [v0, v1) (the sum of their widthOf). */
  byteSize(v0: number, v1: number): number {
    if (this.width !== undefined) return this.width * (v1 - v0);
    let n = 0;
    for (let i = v0; i < v1; i++) n += this.widthOf(i);
    return n;
  }
  abstract stats(): ValueStats;
  /** Parquet statistics encoding of a min/max value (undefined: do not write it). */
  abstract statBytes(v: PrimitiveValue): Uint8Array | undefined;
  abstract reset(): void;

  /**
   * Bulk-appends the non-null values of col[start, end) (nulls[i] = 1 marks a null) when col
   * is in a form this buffer copies without per-value checks (a typed array, packed bytes);
   * returns false otherwise.
   */
  putBulk(_col: ColumnArray, _nulls: Uint8Array | undefined, _start: number, _end: number): boolean {
    return false;
  }

  /** Appends another buffer's values (same leaf): the incremental encoder's pending values. */
  appendFrom(other: ValueBuffer): void {
    if (ArrayBuffer.isView(this.a)) {
      const a = grow(this.a, this.count + other.count);
      a.set((other.a as Typed).subarray(0, other.count) as never, this.count);
      this.a = a;
    } else {
      const a = this.a;
      const b = other.a as unknown[];
      for (let i = 0; i < other.count; i++) a.push(b[i]);
    }
    this.count += other.count;
    this.bytes += other.bytes;
  }

  /** Drops the first k values (already encoded into pages). `bytes` is left as an estimate. */
  dropPrefix(k: number): void {
    if (k === 0) return;
    if (ArrayBuffer.isView(this.a)) this.a.copyWithin(0, k, this.count);
    else {
      // compact in place: Array#splice would allocate the removed values as a new array
      const a = this.a;
      for (let i = k; i < this.count; i++) a[i - k] = a[i];
      a.length = this.count - k;
    }
    this.count -= k;
  }

  /** Moves the values out (the buffer is left empty). */
  take(): ValueState {
    const st: ValueState = { count: this.count, bytes: this.bytes, a: this.a };
    if (ArrayBuffer.isView(this.a)) this.a = new (this.a.constructor as new (n: number) => Typed)(Math.max(1024, this.a.length));
    else this.a = [];
    this.count = this.bytes = 0;
    return st;
  }

  restore(st: ValueState): void {
    this.a = st.a as Typed | unknown[];
    this.count = st.count;
    this.bytes = st.bytes;
  }
}
