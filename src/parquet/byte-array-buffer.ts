/**
 * Value buffers of byte-array leaves (string, binary, fixed[L], uuid): the values' bytes packed
 * into one growing buffer with offsets, value i at a[offsets[i], offsets[i + 1]). Strings are
 * held as UTF-8, so PLAIN encoding, page sizes, the dictionary and the min/max (UTF-8 byte
 * order = code point order, spec "Appendix D") all work on bytes; a string is made only for a
 * chunk's min and max. Packed columns (packed-bytes.ts) are copied in with one copy of their
 * bytes, and the buffers move to the encoder thread by transfer.
 */
import { parseUuidInto, uuidFromBytes } from '../iceberg/spec/value-serialization.js';
import type { PrimitiveValue } from '../iceberg/spec/values.js';
import { PackedBinary, PackedStrings, type ColumnArray } from './packed-bytes.js';
import type { LeafColumn } from './parquet-schema.js';
import { badValue, grow, ValueBuffer, type ValueState, type ValueStats } from './value-buffer.js';

/** Parquet statistics for byte arrays are written whole only when short (no truncation). */
const MAX_STAT_BYTES = 64;

/** Buffer#utf8Write (what Buffer#write calls, without its argument handling). */
interface Utf8Write {
  utf8Write(s: string, offset: number, length: number): number;
}

/** Unsigned byte order of a[s1, e1) and a[s2, e2); a proper prefix sorts first. */
function compareRanges(a: Uint8Array, s1: number, e1: number, s2: number, e2: number): number {
  const n = Math.min(e1 - s1, e2 - s2);
  for (let k = 0; k < n; k++) {
    const d = a[s1 + k]! - a[s2 + k]!;
    if (d !== 0) return d;
  }
  return e1 - s1 - (e2 - s2);
}

abstract class ByteArrayBuffer extends ValueBuffer {
  a: Uint8Array = new Uint8Array(16 * 1024);
  offsets: Int32Array = new Int32Array(1025);
  /** PLAIN adds a 4-byte length before each value of a variable-length leaf. */
  protected readonly prefix: number;

  constructor(leaf: LeafColumn, readonly width: number | undefined) {
    super(leaf);
    this.prefix = width === undefined ? 4 : 0;
  }

  /** Bytes of the values buffered. */
  protected get used(): number {
    return this.offsets[this.count]!;
  }

  /** Room for one more value of up to `n` bytes. */
  protected reserve(n: number): void {
    if (this.count + 2 > this.offsets.length) this.offsets = grow(this.offsets, this.count + 2);
    const need = this.offsets[this.count]! + n;
    if (need > this.a.length) this.a = grow(this.a, need);
  }

  /** Ends the value whose bytes were written up to `end`. */
  protected close(end: number): void {
    this.offsets[++this.count] = end;
    this.bytes += end - this.offsets[this.count - 1]! + this.prefix;
  }

  protected putBytes(b: Uint8Array): void {
    this.reserve(b.length);
    const at = this.used;
    if (b.length < 32) for (let k = 0; k < b.length; k++) this.a[at + k] = b[k]!;
    else this.a.set(b, at);
    this.close(at + b.length);
  }

  /** Copies the non-null values of a packed column (runs of adjacent values in one copy). */
  protected putPacked(col: PackedStrings | PackedBinary, nulls: Uint8Array | undefined, start: number, end: number): void {
    const src = col.bytes, off = col.offsets;
    this.offsets = grow(this.offsets, this.count + (end - start) + 1);
    const offsets = this.offsets;
    let count = this.count;
    let at = offsets[count]!;
    let runStart = off[start]!, runEnd = runStart, runAt = at;
    for (let i = start; i < end; i++) {
      if (nulls?.[i]) continue;
      const s = off[i]!, e = off[i + 1]!;
      if (s !== runEnd) {
        this.copy(src, runStart, runEnd, runAt);
        runStart = s;
        runAt = at;
      }
      runEnd = e;
      at += e - s;
      offsets[++count] = at;
    }
    this.copy(src, runStart, runEnd, runAt);
    this.bytes += at - offsets[this.count]! + this.prefix * (count - this.count);
    this.count = count;
  }

  private copy(src: Uint8Array, s: number, e: number, at: number): void {
    if (s === e) return;
    this.a = grow(this.a, at + (e - s));
    this.a.set(src.subarray(s, e), at);
  }

  override widthOf(i: number): number {
    return this.width ?? this.offsets[i + 1]! - this.offsets[i]! + 4;
  }

  override byteSize(v0: number, v1: number): number {
    return this.offsets[v1]! - this.offsets[v0]! + this.prefix * (v1 - v0);
  }

  encode(start: number, end: number): Uint8Array {
    const a = this.a, off = this.offsets;
    const from = off[start]!, to = off[end]!;
    if (this.prefix === 0) return a.slice(from, to);
    const out = new Uint8Array(to - from + 4 * (end - start));
    let pos = 0;
    for (let i = start; i < end; i++) {
      const s = off[i]!, n = off[i + 1]! - s;
      out[pos] = n & 0xff;
      out[pos + 1] = (n >>> 8) & 0xff;
      out[pos + 2] = (n >>> 16) & 0xff;
      out[pos + 3] = n >>> 24;
      pos += 4;
      if (n < 32) for (let k = 0; k < n; k++) out[pos + k] = a[s + k]!;
      else out.set(a.subarray(s, s + n), pos);
      pos += n;
    }
    return out;
  }

  /** Indices of the smallest and largest value (unsigned byte order); undefined when empty. */
  protected minMaxIndex(): [number, number] | undefined {
    if (this.count === 0) return undefined;
    const a = this.a, off = this.offsets;
    let lo = 0, hi = 0;
    let loS = off[0]!, loE = off[1]!, hiS = loS, hiE = loE;
    for (let i = 1; i < this.count; i++) {
      const s = off[i]!, e = off[i + 1]!;
      if (compareRanges(a, s, e, loS, loE) < 0) {
        lo = i;
        loS = s;
        loE = e;
      } else if (compareRanges(a, s, e, hiS, hiE) > 0) {
        hi = i;
        hiS = s;
        hiE = e;
      }
    }
    return [lo, hi];
  }

  protected valueBytes(i: number): Uint8Array {
    return this.a.slice(this.offsets[i]!, this.offsets[i + 1]!);
  }

  override appendFrom(other: ValueBuffer): void {
    const o = other as ByteArrayBuffer;
    const base = this.used;
    const n = o.used;
    this.a = grow(this.a, base + n);
    this.a.set(o.a.subarray(0, n), base);
    this.offsets = grow(this.offsets, this.count + o.count + 1);
    for (let k = 1; k <= o.count; k++) this.offsets[this.count + k] = base + o.offsets[k]!;
    this.count += o.count;
    this.bytes += o.bytes;
  }

  override dropPrefix(k: number): void {
    if (k === 0) return;
    const off = this.offsets;
    const base = off[k]!;
    this.a.copyWithin(0, base, off[this.count]!);
    for (let i = k; i <= this.count; i++) off[i - k] = off[i]! - base;
    this.count -= k;
  }

  override take(): ValueState {
    const st: ValueState = { count: this.count, bytes: this.bytes, a: this.a, offsets: this.offsets };
    this.a = new Uint8Array(this.a.length);
    this.offsets = new Int32Array(this.offsets.length);
    this.count = this.bytes = 0;
    return st;
  }

  override restore(st: ValueState): void {
    this.a = st.a as Uint8Array;
    this.offsets = st.offsets!;
    this.count = st.count;
    this.bytes = st.bytes;
  }

  reset(): void {
    this.count = this.bytes = 0;
  }
}

export class StringBuffer extends ByteArrayBuffer {
  private view: Buffer | undefined;

  constructor(leaf: LeafColumn) {
    super(leaf, undefined);
  }

  put(v: unknown): void {
    if (typeof v !== 'string') throw badValue(this.leaf, v, 'expected a string');
    const n = v.length;
    this.reserve(3 * n); // UTF-8 takes at most 3 bytes per UTF-16 unit
    const a = this.a;
    const at = this.used;
    let k = 0;
    // short ASCII strings byte by byte: cheaper than a call into the encoder
    if (n <= 64) {
      for (; k < n; k++) {
        const c = v.charCodeAt(k);
        if (c >= 0x80) break;
        a[at + k] = c;
      }
    }
    if (k === n) return this.close(at + n);
    if (this.view?.buffer !== a.buffer) this.view = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    this.close(at + (this.view as unknown as Utf8Write).utf8Write(v, at, 3 * n));
  }

  override putBulk(col: ColumnArray, nulls: Uint8Array | undefined, start: number, end: number): boolean {
    if (!(col instanceof PackedStrings)) return false;
    this.putPacked(col, nulls, start, end);
    return true;
  }

  stats(): ValueStats {
    const mm = this.minMaxIndex();
    if (!mm) return { nanCount: 0 };
    const text = (i: number) => Buffer.from(this.a.buffer, this.a.byteOffset + this.offsets[i]!, this.offsets[i + 1]! - this.offsets[i]!).toString('utf8');
    return { min: text(mm[0]), max: text(mm[1]), nanCount: 0 };
  }

  statBytes(v: PrimitiveValue): Uint8Array | undefined {
    const b = Buffer.from(v as string, 'utf8');
    return b.length <= MAX_STAT_BYTES ? b : undefined;
  }
}

/** binary, fixed[L], uuid (stored as 16 bytes). */
export class BytesBuffer extends ByteArrayBuffer {
  private readonly uuid: boolean;
  constructor(leaf: LeafColumn) {
    super(leaf, leaf.typeLength || undefined);
    this.uuid = leaf.type.kind === 'uuid';
  }

  put(v: unknown): void {
    if (this.uuid) {
      if (typeof v !== 'string') throw badValue(this.leaf, v, 'expected a uuid string');
      const b = new Uint8Array(16);
      try {
        parseUuidInto(v, b);
      } catch {
        throw badValue(this.leaf, v, 'not a uuid');
      }
      return this.putBytes(b);
    }
    if (!(v instanceof Uint8Array)) throw badValue(this.leaf, v, 'expected a Uint8Array');
    if (this.width !== undefined && v.length !== this.width) throw badValue(this.leaf, v, `expected ${this.width} bytes`);
    this.putBytes(v);
  }

  override putBulk(col: ColumnArray, nulls: Uint8Array | undefined, start: number, end: number): boolean {
    if (!(col instanceof PackedBinary) || this.uuid) return false;
    if (this.width !== undefined) {
      // fixed[L]: a value of another length goes the per-value way, which names it
      for (let i = start; i < end; i++) if (!nulls?.[i] && col.byteLength(i) !== this.width) return false;
    }
    this.putPacked(col, nulls, start, end);
    return true;
  }

  stats(): ValueStats {
    const mm = this.minMaxIndex();
    if (!mm) return { nanCount: 0 };
    const [min, max] = [this.valueBytes(mm[0]), this.valueBytes(mm[1])];
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
}
