/**
 * Per-leaf buffers of one row group: definition/repetition levels plus the non-null values in
 * a typed representation ready for PLAIN encoding (value-buffer.ts): the fixed-width buffers
 * here, the byte-array ones in byte-array-buffer.ts.
 */
import type { PrimitiveValue } from '../iceberg/spec/values.js';
import { BytesBuffer, StringBuffer } from './byte-array-buffer.js';
import { PackedBytes, valueAt, type ColumnArray } from './packed-bytes.js';
import type { LeafColumn } from './parquet-schema.js';
import { badValue, grow, ValueBuffer, type ValueState, type ValueStats } from './value-buffer.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

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
  override putBulk(col: ColumnArray, nulls: Uint8Array | undefined, start: number, end: number): boolean {
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
  override putBulk(col: ColumnArray, nulls: Uint8Array | undefined, start: number, end: number): boolean {
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
  override putBulk(col: ColumnArray, nulls: Uint8Array | undefined, start: number, end: number): boolean {
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
   * does a null/undefined value): typed arrays and packed bytes are copied in bulk, other
   * arrays value by value. Throws `required()` for a null in a required column.
   */
  appendFlat(col: ColumnArray, nulls: Uint8Array | undefined, start: number, end: number, optional: boolean, required: () => Error): void {
    const len = end - start;
    if (ArrayBuffer.isView(col) || col instanceof PackedBytes) {
      let nullCount = 0;
      if (nulls) for (let i = start; i < end; i++) nullCount += nulls[i]!;
      if (nullCount > 0 && !optional) throw required();
      if (this.values.putBulk(col, nullCount > 0 ? nulls : undefined, start, end)) {
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
      const v = nulls?.[i] ? null : valueAt(col, i);
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
    this.nulls -= entries - values; // an entry is a value or a null (empty lists included)
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
