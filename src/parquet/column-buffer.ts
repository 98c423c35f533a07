/**
 * Per-leaf buffers of one row group: definition/repetition levels plus the non-null values in
 * a typed representation ready for PLAIN encoding. Values are validated against the Iceberg
 * type here (values.ts representations), so a wrong value fails at write() naming the column.
 */
import { ValidationError } from '../errors.js';
import { compareBytes, compareStrings, parseUuidInto, uuidFromBytes } from '../iceberg/spec/value-serialization.js';
import type { PrimitiveValue } from '../iceberg/spec/values.js';
import type { LeafColumn } from './parquet-schema.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

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

/** A chunk's dictionary: PLAIN-encoded distinct values plus per-value indices. */
export interface Dictionary {
  readonly page: Uint8Array;
  readonly size: number;
  readonly indices: Int32Array;
}

/** `write.parquet.dict-size-bytes` default: dictionaries larger than this fall back to PLAIN. */
export const MAX_DICTIONARY_BYTES = 2 * 1024 * 1024;

/** A buffer's contents moved out for encoding on another thread (structured-clone friendly). */
export interface ValueState {
  count: number;
  bytes: number;
  a: unknown;
  min?: bigint;
  max?: bigint;
  /** binary/fixed/uuid values packed into one buffer (cloning views would copy their whole backing buffers). */
  offsets?: Int32Array;
}

type Typed = Int32Array | Float32Array | Float64Array | BigInt64Array | Uint8Array;

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
  abstract stats(): ValueStats;
  /** Dictionary for the buffered values, when worth it (only strings use one). */
  dictionary(): Dictionary | undefined {
    return undefined;
  }
  /** Parquet statistics encoding of a min/max value (undefined: do not write it). */
  abstract statBytes(v: PrimitiveValue): Uint8Array | undefined;
  abstract reset(): void;

  /**
   * Bulk-appends the non-null values of col[start, end) (nulls[i] = 1 marks a null) when col
   * is a typed array this buffer copies without per-value checks; returns false otherwise.
   */
  putTyped(_col: ArrayLike<unknown>, _nulls: Uint8Array | undefined, _start: number, _end: number): boolean {
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
    else this.a.splice(0, k);
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

function grow<T extends Int32Array | Float32Array | Float64Array | BigInt64Array | Uint8Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  let n = a.length * 2;
  while (n < need) n *= 2;
  const next = new (a.constructor as new (n: number) => T)(n);
  next.set(a as never);
  return next;
}

function bytesOf(a: Int32Array | Float32Array | Float64Array | BigInt64Array, start: number, end: number): Uint8Array {
  const w = a.BYTES_PER_ELEMENT;
  return new Uint8Array(a.buffer.slice(a.byteOffset + start * w, a.byteOffset + end * w));
}

/** Copies the non-null values of src[start, end) to dst from `at`; returns how many. */
function copyKept(src: Int32Array | Float32Array | Float64Array, nulls: Uint8Array | undefined, start: number, end: number, dst: Int32Array | Float32Array | Float64Array, at: number): number {
  if (!nulls) {
    dst.set(src.subarray(start, end), at);
    return end - start;
  }
  let j = at;
  for (let i = start; i < end; i++) if (!nulls[i]) dst[j++] = src[i]!;
  return j - at;
}

/** 64-bit values as pairs of int32 words (little-endian: low word first), so no bigint is made per value. */
function words(a: BigInt64Array): Int32Array {
  return new Int32Array(a.buffer, a.byteOffset, a.length * 2);
}

function copyKept64(src: BigInt64Array, nulls: Uint8Array | undefined, start: number, end: number, dst: BigInt64Array, at: number): number {
  if (!nulls) {
    dst.set(src.subarray(start, end), at);
    return end - start;
  }
  const s = words(src), d = words(dst);
  let j = at;
  for (let i = start; i < end; i++) {
    if (nulls[i]) continue;
    d[2 * j] = s[2 * i]!;
    d[2 * j + 1] = s[2 * i + 1]!;
    j++;
  }
  return j - at;
}

/** Indices of the smallest and largest of a[start, end) (signed 64-bit order, compared by words). */
function minMax64(a: BigInt64Array, start: number, end: number): [number, number] {
  const w = words(a);
  let lo = start, hi = start;
  let loH = w[2 * start + 1]!, loL = w[2 * start]! >>> 0, hiH = loH, hiL = loL;
  for (let i = start + 1; i < end; i++) {
    const h = w[2 * i + 1]!, l = w[2 * i]! >>> 0;
    if (h < loH || (h === loH && l < loL)) {
      lo = i;
      loH = h;
      loL = l;
    }
    if (h > hiH || (h === hiH && l > hiL)) {
      hi = i;
      hiH = h;
      hiL = l;
    }
  }
  return [lo, hi];
}

class BoolBuffer extends ValueBuffer {
  a = new Uint8Array(1024);
  readonly width = 1;
  put(v: unknown): void {
    if (typeof v !== 'boolean') throw badValue(this.leaf, v);
    this.a = grow(this.a, this.count + 1);
    this.a[this.count++] = v ? 1 : 0;
    this.bytes += 1;
  }
  encode(start: number, end: number): Uint8Array {
    const out = new Uint8Array(Math.ceil((end - start) / 8));
    for (let i = start; i < end; i++) if (this.a[i]) out[(i - start) >> 3]! |= 1 << ((i - start) & 7);
    return out;
  }
  stats(): ValueStats {
    let t = false, f = false;
    for (let i = 0; i < this.count && !(t && f); i++) if (this.a[i]) t = true; else f = true;
    if (!t && !f) return { nanCount: 0 };
    return { min: !f, max: t, nanCount: 0 };
  }
  statBytes(v: PrimitiveValue): Uint8Array {
    return Uint8Array.of(v ? 1 : 0);
  }
  reset(): void {
    this.count = this.bytes = 0;
  }
}

class Int32Buffer extends ValueBuffer {
  a = new Int32Array(1024);
  readonly width = 4;
  private readonly decimal: bigint | undefined;
  constructor(leaf: LeafColumn) {
    super(leaf);
    this.decimal = leaf.type.kind === 'decimal' ? 10n ** BigInt(leaf.type.precision) : undefined;
  }
  put(v: unknown): void {
    let n: number;
    if (this.decimal !== undefined) {
      if (typeof v !== 'bigint') throw badValue(this.leaf, v, 'expected a bigint unscaled value');
      if (v >= this.decimal || v <= -this.decimal) throw badValue(this.leaf, v, 'unscaled value exceeds the precision');
      n = Number(v);
    } else {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < -2147483648 || v > 2147483647) throw badValue(this.leaf, v, 'expected a 32-bit integer number');
      n = v;
    }
    if (this.count === this.a.length) this.a = grow(this.a, this.count + 1);
    this.a[this.count++] = n;
    this.bytes += 4;
  }
  override putTyped(col: ArrayLike<unknown>, nulls: Uint8Array | undefined, start: number, end: number): boolean {
    // Any Int32Array element is a valid int/date; decimals need the precision check of put().
    if (this.decimal !== undefined || !(col instanceof Int32Array)) return false;
    this.a = grow(this.a, this.count + (end - start));
    const k = copyKept(col, nulls, start, end, this.a, this.count);
    this.count += k;
    this.bytes += 4 * k;
    return true;
  }
  encode(start: number, end: number): Uint8Array {
    return bytesOf(this.a, start, end);
  }
  stats(): ValueStats {
    if (this.count === 0) return { nanCount: 0 };
    let min = this.a[0]!, max = min;
    for (let i = 1; i < this.count; i++) {
      const x = this.a[i]!;
      if (x < min) min = x;
      else if (x > max) max = x;
    }
    return this.decimal !== undefined ? { min: BigInt(min), max: BigInt(max), nanCount: 0 } : { min, max, nanCount: 0 };
  }
  statBytes(v: PrimitiveValue): Uint8Array {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, Number(v), true);
    return b;
  }
  reset(): void {
    this.count = this.bytes = 0;
  }
}

class Int64Buffer extends ValueBuffer {
  a = new BigInt64Array(1024);
  readonly width = 8;
  private readonly lo: bigint;
  private readonly hi: bigint;
  constructor(leaf: LeafColumn) {
    super(leaf);
    if (leaf.type.kind === 'decimal') {
      this.hi = 10n ** BigInt(leaf.type.precision) - 1n;
      this.lo = -this.hi;
    } else {
      this.lo = INT64_MIN;
      this.hi = INT64_MAX;
    }
  }
  // min/max tracked in put(): reading a BigInt64Array back allocates a bigint per element
  min = 0n;
  max = 0n;
  put(v: unknown): void {
    if (typeof v !== 'bigint') throw badValue(this.leaf, v, 'expected a bigint');
    if (v < this.lo || v > this.hi) throw badValue(this.leaf, v, 'out of range');
    if (this.count === this.a.length) this.a = grow(this.a, this.count + 1);
    if (this.count === 0) this.min = this.max = v;
    else if (v < this.min) this.min = v;
    else if (v > this.max) this.max = v;
    this.a[this.count++] = v;
    this.bytes += 8;
  }
  override putTyped(col: ArrayLike<unknown>, nulls: Uint8Array | undefined, start: number, end: number): boolean {
    if (!(col instanceof BigInt64Array)) return false;
    this.a = grow(this.a, this.count + (end - start));
    const from = this.count;
    const k = copyKept64(col, nulls, start, end, this.a, from);
    if (k === 0) return true;
    const [lo, hi] = minMax64(this.a, from, from + k);
    const min = this.a[lo]!, max = this.a[hi]!;
    // Decimal columns: the unscaled values must fit the precision (spec "Primitive Types").
    if (min < this.lo) throw badValue(this.leaf, min, 'out of range');
    if (max > this.hi) throw badValue(this.leaf, max, 'out of range');
    if (from === 0) {
      this.min = min;
      this.max = max;
    } else {
      if (min < this.min) this.min = min;
      if (max > this.max) this.max = max;
    }
    this.count += k;
    this.bytes += 8 * k;
    return true;
  }
  encode(start: number, end: number): Uint8Array {
    return bytesOf(this.a, start, end);
  }
  stats(): ValueStats {
    return this.count === 0 ? { nanCount: 0 } : { min: this.min, max: this.max, nanCount: 0 };
  }
  override take(): ValueState {
    const { min, max } = this;
    return { ...super.take(), min, max };
  }
  override restore(st: ValueState): void {
    super.restore(st);
    this.min = st.min ?? 0n;
    this.max = st.max ?? 0n;
  }
  statBytes(v: PrimitiveValue): Uint8Array {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, v as bigint, true);
    return b;
  }
  reset(): void {
    this.count = this.bytes = 0;
  }
}

class FloatBuffer extends ValueBuffer {
  a: Float32Array | Float64Array;
  readonly width: number;
  constructor(leaf: LeafColumn, private readonly double: boolean) {
    super(leaf);
    this.a = double ? new Float64Array(1024) : new Float32Array(1024);
    this.width = double ? 8 : 4;
  }
  put(v: unknown): void {
    if (typeof v !== 'number') throw badValue(this.leaf, v, 'expected a number');
    if (this.count === this.a.length) this.a = grow(this.a, this.count + 1);
    this.a[this.count++] = v;
    this.bytes += this.width;
  }
  override putTyped(col: ArrayLike<unknown>, nulls: Uint8Array | undefined, start: number, end: number): boolean {
    // Assigning into the Float32Array rounds exactly as put() does.
    if (!(col instanceof Float64Array || col instanceof Float32Array)) return false;
    this.a = grow(this.a, this.count + (end - start));
    const k = copyKept(col, nulls, start, end, this.a, this.count);
    this.count += k;
    this.bytes += this.width * k;
    return true;
  }
  encode(start: number, end: number): Uint8Array {
    return bytesOf(this.a, start, end);
  }
  stats(): ValueStats {
    // NaN never becomes a bound (spec "Metrics"; parquet-format: NaN is not written in min/max).
    let min = Infinity, max = -Infinity, nan = 0, any = false;
    for (let i = 0; i < this.count; i++) {
      const x = this.a[i]!;
      if (x !== x) {
        nan++;
        continue;
      }
      any = true;
      if (x < min || (x === 0 && min === 0 && Object.is(x, -0))) min = x;
      if (x > max || (x === 0 && max === 0 && Object.is(max, -0))) max = x;
    }
    return any ? { min, max, nanCount: nan } : { nanCount: nan };
  }
  statBytes(v: PrimitiveValue): Uint8Array {
    const b = new Uint8Array(this.width);
    const dv = new DataView(b.buffer);
    if (this.double) dv.setFloat64(0, v as number, true);
    else dv.setFloat32(0, v as number, true);
    return b;
  }
  reset(): void {
    this.count = this.bytes = 0;
  }
}

/** Parquet statistics for byte arrays are written whole only when short (no truncation). */
const MAX_STAT_BYTES = 64;

class StringBuffer extends ValueBuffer {
  a: string[] = [];
  readonly width = undefined;
  put(v: unknown): void {
    if (typeof v !== 'string') throw badValue(this.leaf, v, 'expected a string');
    this.a.push(v);
    this.count++;
    this.bytes += v.length + 4;
  }
  override widthOf(i: number): number {
    return this.a[i]!.length + 4;
  }
  encode(start: number, end: number): Uint8Array {
    let cap = 0;
    for (let i = start; i < end; i++) cap += 4 + this.a[i]!.length * 3;
    const buf = Buffer.allocUnsafe(cap);
    let pos = 0;
    for (let i = start; i < end; i++) {
      const n = buf.write(this.a[i]!, pos + 4);
      buf.writeInt32LE(n, pos);
      pos += 4 + n;
    }
    return buf.subarray(0, pos);
  }
  stats(): ValueStats {
    if (this.count === 0) return { nanCount: 0 };
    let min = this.a[0]!, max = min;
    for (let i = 1; i < this.count; i++) {
      const x = this.a[i]!;
      if (x === min || x === max) continue;
      if (compareStrings(x, min) < 0) min = x;
      else if (compareStrings(x, max) > 0) max = x;
    }
    return { min, max, nanCount: 0 };
  }
  statBytes(v: PrimitiveValue): Uint8Array | undefined {
    const b = Buffer.from(v as string, 'utf8');
    return b.length <= MAX_STAT_BYTES ? b : undefined;
  }
  /** Dictionary-encodes when the distinct values fit MAX_DICTIONARY_BYTES and repeat enough. */
  override dictionary(): Dictionary | undefined {
    const b = new DictionaryBuilder();
    b.add(this.a, this.count);
    return b.finish(this.leaf);
  }
  reset(): void {
    this.a = [];
    this.count = this.bytes = 0;
  }
}

/**
 * Builds a string chunk's dictionary value by value, so a chunk can be fed in slices: gives up
 * (`failed`) once the distinct values pass MAX_DICTIONARY_BYTES or barely repeat, with the
 * same decisions whatever the slicing.
 */
export class DictionaryBuilder {
  private readonly ids = new Map<string, number>();
  private indices = new Int32Array(1024);
  private bytes = 0;
  private n = 0;
  failed = false;

  add(a: readonly string[], count: number): void {
    if (this.failed) return;
    this.indices = grow(this.indices, this.n + count);
    const ids = this.ids;
    for (let k = 0; k < count; k++) {
      const i = this.n++;
      const s = a[k]!;
      let id = ids.get(s);
      if (id === undefined) {
        id = ids.size;
        ids.set(s, id);
        this.bytes += s.length + 4;
        // give up early when the values barely repeat or the dictionary gets too big
        if (this.bytes > MAX_DICTIONARY_BYTES || (i >= 1000 && ids.size > i * 0.5)) {
          this.failed = true;
          this.ids.clear();
          return;
        }
      }
      this.indices[i] = id;
    }
  }

  /** The dictionary of everything added, or undefined when not worth it. */
  finish(leaf: LeafColumn): Dictionary | undefined {
    const n = this.n;
    if (this.failed || n < 2 || this.ids.size > n * 0.5) return undefined;
    const keys = [...this.ids.keys()];
    const page = new StringBuffer(leaf);
    page.a = keys;
    page.count = keys.length;
    return { page: page.encode(0, keys.length), size: keys.length, indices: this.indices.subarray(0, n) };
  }
}

/** binary, fixed[L], uuid (stored as 16 bytes). */
class BytesBuffer extends ValueBuffer {
  a: Uint8Array[] = [];
  readonly width: number | undefined;
  private readonly uuid: boolean;
  constructor(leaf: LeafColumn) {
    super(leaf);
    this.uuid = leaf.type.kind === 'uuid';
    this.width = leaf.typeLength || undefined;
  }
  put(v: unknown): void {
    let b: Uint8Array;
    if (this.uuid) {
      if (typeof v !== 'string') throw badValue(this.leaf, v, 'expected a uuid string');
      b = new Uint8Array(16);
      try {
        parseUuidInto(v, b);
      } catch {
        throw badValue(this.leaf, v, 'not a uuid');
      }
    } else {
      if (!(v instanceof Uint8Array)) throw badValue(this.leaf, v, 'expected a Uint8Array');
      if (this.width !== undefined && v.length !== this.width) throw badValue(this.leaf, v, `expected ${this.width} bytes`);
      b = v;
    }
    this.a.push(b);
    this.count++;
    this.bytes += b.length + (this.width === undefined ? 4 : 0);
  }
  override widthOf(i: number): number {
    return this.width ?? this.a[i]!.length + 4;
  }
  override take(): ValueState {
    const offsets = new Int32Array(this.count + 1);
    for (let i = 0; i < this.count; i++) offsets[i + 1] = offsets[i]! + this.a[i]!.length;
    const data = new Uint8Array(offsets[this.count]!);
    for (let i = 0; i < this.count; i++) data.set(this.a[i]!, offsets[i]!);
    const st: ValueState = { count: this.count, bytes: this.bytes, a: data, offsets };
    this.reset();
    return st;
  }
  override restore(st: ValueState): void {
    const data = st.a as Uint8Array;
    const off = st.offsets!;
    this.a = Array.from({ length: st.count }, (_, i) => data.subarray(off[i]!, off[i + 1]!));
    this.count = st.count;
    this.bytes = st.bytes;
  }
  encode(start: number, end: number): Uint8Array {
    const prefix = this.width === undefined ? 4 : 0;
    let cap = 0;
    for (let i = start; i < end; i++) cap += prefix + this.a[i]!.length;
    const out = new Uint8Array(cap);
    const dv = new DataView(out.buffer);
    let pos = 0;
    for (let i = start; i < end; i++) {
      const b = this.a[i]!;
      if (prefix) dv.setInt32(pos, b.length, true);
      out.set(b, pos + prefix);
      pos += prefix + b.length;
    }
    return out;
  }
  stats(): ValueStats {
    if (this.count === 0) return { nanCount: 0 };
    let min = this.a[0]!, max = min;
    for (let i = 1; i < this.count; i++) {
      const x = this.a[i]!;
      if (compareBytes(x, min) < 0) min = x;
      else if (compareBytes(x, max) > 0) max = x;
    }
    return this.uuid ? { min: uuidFromBytes(min), max: uuidFromBytes(max), nanCount: 0 } : { min, max, nanCount: 0 };
  }
  statBytes(v: PrimitiveValue): Uint8Array | undefined {
    if (typeof v === 'string') {
      const b = new Uint8Array(16);
      parseUuidInto(v, b);
      return b;
    }
    const b = v as Uint8Array;
    return b.length <= MAX_STAT_BYTES || this.width !== undefined ? b : undefined;
  }
  reset(): void {
    this.a = [];
    this.count = this.bytes = 0;
  }
}

/** decimal(P > 18): big-endian two's complement in fixed[minimum bytes for P]. */
class DecimalFixedBuffer extends ValueBuffer {
  a: bigint[] = [];
  readonly width: number;
  private readonly limit: bigint;
  constructor(leaf: LeafColumn) {
    super(leaf);
    this.width = leaf.typeLength;
    this.limit = leaf.type.kind === 'decimal' ? 10n ** BigInt(leaf.type.precision) : 0n;
  }
  put(v: unknown): void {
    if (typeof v !== 'bigint') throw badValue(this.leaf, v, 'expected a bigint unscaled value');
    if (v >= this.limit || v <= -this.limit) throw badValue(this.leaf, v, 'unscaled value exceeds the precision');
    this.a.push(v);
    this.count++;
    this.bytes += this.width;
  }
  private write(v: bigint, out: Uint8Array, pos: number): void {
    let x = BigInt.asUintN(this.width * 8, v);
    for (let j = this.width - 1; j >= 0; j--) {
      out[pos + j] = Number(x & 0xffn);
      x >>= 8n;
    }
  }
  encode(start: number, end: number): Uint8Array {
    const out = new Uint8Array((end - start) * this.width);
    for (let i = start; i < end; i++) this.write(this.a[i]!, out, (i - start) * this.width);
    return out;
  }
  stats(): ValueStats {
    if (this.count === 0) return { nanCount: 0 };
    let min = this.a[0]!, max = min;
    for (let i = 1; i < this.count; i++) {
      const x = this.a[i]!;
      if (x < min) min = x;
      else if (x > max) max = x;
    }
    return { min, max, nanCount: 0 };
  }
  statBytes(v: PrimitiveValue): Uint8Array {
    const out = new Uint8Array(this.width);
    this.write(v as bigint, out, 0);
    return out;
  }
  reset(): void {
    this.a = [];
    this.count = this.bytes = 0;
  }
}

export function makeValueBuffer(leaf: LeafColumn): ValueBuffer {
  const t = leaf.type;
  switch (t.kind) {
    case 'boolean':
      return new BoolBuffer(leaf);
    case 'int':
    case 'date':
      return new Int32Buffer(leaf);
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return new Int64Buffer(leaf);
    case 'float':
      return new FloatBuffer(leaf, false);
    case 'double':
      return new FloatBuffer(leaf, true);
    case 'string':
      return new StringBuffer(leaf);
    case 'uuid':
    case 'binary':
    case 'fixed':
      return new BytesBuffer(leaf);
    case 'decimal':
      if (t.precision <= 9) return new Int32Buffer(leaf);
      if (t.precision <= 18) return new Int64Buffer(leaf);
      return new DecimalFixedBuffer(leaf);
  }
}

/** Levels plus values of one leaf column for the row group being buffered. */
export class ColumnBuffer {
  defs: Uint8Array | null;
  reps: Uint8Array | null;
  /** Level entries (rows for flat columns). */
  n = 0;
  nulls = 0;
  readonly values: ValueBuffer;

  constructor(readonly leaf: LeafColumn) {
    this.defs = leaf.maxDef > 0 ? new Uint8Array(1024) : null;
    this.reps = leaf.maxRep > 0 ? new Uint8Array(1024) : null;
    this.values = makeValueBuffer(leaf);
  }

  private level(rep: number, def: number): void {
    const i = this.n++;
    if (this.defs) {
      if (i === this.defs.length) this.defs = grow(this.defs, i + 1);
      this.defs[i] = def;
    }
    if (this.reps) {
      if (i === this.reps.length) this.reps = grow(this.reps, i + 1);
      this.reps[i] = rep;
    }
  }

  push(rep: number, v: unknown): void {
    this.values.put(v);
    this.level(rep, this.leaf.maxDef);
  }

  pushNull(rep: number, def: number): void {
    this.nulls++;
    this.level(rep, def);
  }

  /**
   * Appends rows [start, end) of a top-level primitive column (nulls[i] = 1 marks a null, as
   * does a null/undefined value): typed arrays are copied in bulk, other arrays value by value.
   * Throws `required()` for a null in a required column.
   */
  appendFlat(col: ArrayLike<unknown>, nulls: Uint8Array | undefined, start: number, end: number, optional: boolean, required: () => Error): void {
    const len = end - start;
    if (ArrayBuffer.isView(col)) {
      let nullCount = 0;
      if (nulls) for (let i = start; i < end; i++) nullCount += nulls[i]!;
      if (nullCount > 0 && !optional) throw required();
      if (this.values.putTyped(col, nullCount > 0 ? nulls : undefined, start, end)) {
        if (this.defs) {
          this.defs = grow(this.defs, this.n + len);
          const max = this.leaf.maxDef;
          if (nullCount === 0) this.defs.fill(max, this.n, this.n + len);
          else for (let i = start, j = this.n; i < end; i++, j++) this.defs[j] = nulls![i] ? 0 : max;
        }
        this.n += len;
        this.nulls += nullCount;
        return;
      }
    }
    // value by value (validated by put()), levels written here rather than through push()
    if (this.defs) this.defs = grow(this.defs, this.n + len);
    const defs = this.defs;
    const max = this.leaf.maxDef;
    const values = this.values;
    for (let i = start; i < end; i++) {
      const v = nulls?.[i] ? null : col[i];
      if (v === null || v === undefined) {
        if (!optional) throw required();
        this.nulls++;
        if (defs) defs[this.n] = 0;
      } else {
        values.put(v);
        if (defs) defs[this.n] = max;
      }
      this.n++;
    }
  }

  get bytes(): number {
    return this.values.bytes + this.n * ((this.defs ? 1 : 0) + (this.reps ? 1 : 0)) / 4;
  }

  reset(): void {
    this.n = this.nulls = 0;
    this.values.reset();
  }

  /** Appends another buffer's levels and values (same leaf). */
  appendFrom(other: ColumnBuffer): void {
    const m = other.n;
    if (this.defs && other.defs) {
      this.defs = grow(this.defs, this.n + m);
      this.defs.set(other.defs.subarray(0, m), this.n);
    }
    if (this.reps && other.reps) {
      this.reps = grow(this.reps, this.n + m);
      this.reps.set(other.reps.subarray(0, m), this.n);
    }
    this.n += m;
    this.nulls += other.nulls;
    this.values.appendFrom(other.values);
  }

  /** Drops the first `entries` level entries and `values` values (encoded into pages). */
  dropPrefix(entries: number, values: number): void {
    if (this.defs) this.defs.copyWithin(0, entries, this.n);
    if (this.reps) this.reps.copyWithin(0, entries, this.n);
    this.n -= entries;
    this.values.dropPrefix(values);
  }

  /** Moves the row group's levels and values out, leaving this buffer empty. */
  take(): ColumnState {
    const st: ColumnState = { n: this.n, nulls: this.nulls, defs: this.defs, reps: this.reps, values: this.values.take() };
    if (this.defs) this.defs = new Uint8Array(this.defs.length);
    if (this.reps) this.reps = new Uint8Array(this.reps.length);
    this.n = this.nulls = 0;
    return st;
  }

  static restore(leaf: LeafColumn, st: ColumnState): ColumnBuffer {
    const b = new ColumnBuffer(leaf);
    b.n = st.n;
    b.nulls = st.nulls;
    b.defs = st.defs;
    b.reps = st.reps;
    b.values.restore(st.values);
    return b;
  }
}

export interface ColumnState {
  n: number;
  nulls: number;
  defs: Uint8Array | null;
  reps: Uint8Array | null;
  values: ValueState;
}

/** ArrayBuffers a ColumnState can transfer instead of copying. */
export function transferables(st: ColumnState): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const add = (x: unknown): void => {
    if (ArrayBuffer.isView(x) && x.buffer instanceof ArrayBuffer && !out.includes(x.buffer)) out.push(x.buffer);
  };
  add(st.defs);
  add(st.reps);
  add(st.values.a);
  add(st.values.offsets);
  return out;
}
