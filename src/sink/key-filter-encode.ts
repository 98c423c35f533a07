/**
 * Deterministic, self-delimiting byte encoding of composite keys for the key filter. Each
 * component is a type tag, then (for variable-length types) a 4-byte big-endian length, then
 * the payload; tags make the code prefix-free, so a concatenation decodes one way only:
 * ['a','bc'] and ['ab','c'] differ, as do (1,'ab') and ('1a','b'), null and 'null'.
 *
 * Equal values must encode equally, or a key written once and looked up later would be
 * missed (a false negative resurrects old rows). So numbers are encoded by mathematical value:
 * 1, 1n and 1.0 are the same key (an int column promoted to long, or a source that yields
 * number for small values and bigint for big ones, must still match), while non-integral
 * doubles get their own tag. -0 encodes as 0 and every NaN alike. Strings are UTF-8 with lone
 * surrogates replaced by U+FFFD, exactly as TextEncoder (and hence the Parquet writer) does:
 * a filter rebuilt from data files then sees the same bytes as the live writer.
 *
 * Bump KEY_ENCODING_VERSION on any change: serialized filters record it.
 */
import { ValidationError } from '../errors.js';

export const KEY_ENCODING_VERSION = 1;

const TAG_NULL = 0x00;
const TAG_FALSE = 0x01;
const TAG_TRUE = 0x02;
/** Integer in [-2^63, 2^63): 8 bytes, two's complement, big-endian. */
const TAG_INT64 = 0x03;
/** Integer outside int64: length + minimal two's complement, big-endian. */
const TAG_BIGINT = 0x04;
/** Non-integral number (incl. NaN, ±Infinity): 8 bytes IEEE 754, big-endian. */
const TAG_DOUBLE = 0x05;
const TAG_STRING = 0x06;
const TAG_BYTES = 0x07;

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const TWO_63 = 2 ** 63;
const TWO_32 = 2 ** 32;

/** Strings longer than this go through TextEncoder.encodeInto (its setup cost pays off). */
const LONG_STRING = 64;
const utf8 = new TextEncoder();

/**
 * Encodes keys into one reused buffer, so the hot path allocates nothing. `bytes` is only
 * valid up to the length `encode` returned, and only until the next `encode`.
 */
export class KeyEncoder {
  bytes: Uint8Array;
  private view: DataView;

  constructor(initialCapacity = 256) {
    this.bytes = new Uint8Array(initialCapacity);
    this.view = new DataView(this.bytes.buffer);
  }

  /** Encodes `values` at the start of `bytes`; returns the encoded length. */
  encode(values: readonly unknown[]): number {
    let pos = 0;
    for (let i = 0; i < values.length; i++) pos = this.component(values[i], pos, i);
    return pos;
  }

  private ensure(needed: number): void {
    if (needed <= this.bytes.length) return;
    const next = new Uint8Array(Math.max(needed, this.bytes.length * 2));
    next.set(this.bytes);
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  private component(v: unknown, pos: number, index: number): number {
    this.ensure(pos + 9);
    const b = this.bytes;
    switch (typeof v) {
      case 'string':
        return this.string(v, pos);
      case 'number':
        if (Number.isInteger(v)) {
          if (v >= -TWO_63 && v < TWO_63) {
            // Same bytes as setBigInt64(BigInt(v)); the split is exact for integral doubles.
            const hi = Math.floor(v / TWO_32);
            b[pos] = TAG_INT64;
            this.view.setInt32(pos + 1, hi);
            this.view.setUint32(pos + 5, v - hi * TWO_32);
            return pos + 9;
          }
          return this.bigint(BigInt(v), pos);
        }
        b[pos] = TAG_DOUBLE;
        if (Number.isNaN(v)) {
          b[pos + 1] = 0x7f; b[pos + 2] = 0xf8;
          for (let k = 3; k <= 8; k++) b[pos + k] = 0;
        } else {
          this.view.setFloat64(pos + 1, v);
        }
        return pos + 9;
      case 'bigint':
        if (v >= I64_MIN && v <= I64_MAX) {
          b[pos] = TAG_INT64;
          this.view.setBigInt64(pos + 1, v);
          return pos + 9;
        }
        return this.bigint(v, pos);
      case 'boolean':
        b[pos] = v ? TAG_TRUE : TAG_FALSE;
        return pos + 1;
      case 'undefined':
        b[pos] = TAG_NULL; // undefined and null are both SQL NULL
        return pos + 1;
      case 'object':
        if (v === null) {
          b[pos] = TAG_NULL;
          return pos + 1;
        }
        if (v instanceof Uint8Array) {
          this.ensure(pos + 5 + v.length);
          this.bytes[pos] = TAG_BYTES;
          this.view.setUint32(pos + 1, v.length);
          this.bytes.set(v, pos + 5);
          return pos + 5 + v.length;
        }
        break;
    }
    const kind = v === null ? 'null' : typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v;
    throw new ValidationError(
      `key component ${index}: cannot encode a ${kind}; expected null, boolean, number, bigint, string or Uint8Array`,
      { component: index, type: kind },
    );
  }

  private string(s: string, pos: number): number {
    const n = s.length;
    this.ensure(pos + 5 + 3 * n); // UTF-8 needs at most 3 bytes per UTF-16 unit
    const b = this.bytes;
    b[pos] = TAG_STRING;
    const start = pos + 5;
    let p = start;
    if (n > LONG_STRING) {
      p += utf8.encodeInto(s, b.subarray(start)).written;
    } else {
      for (let i = 0; i < n; i++) {
        let c = s.charCodeAt(i);
        if (c < 0x80) {
          b[p++] = c;
        } else if (c < 0x800) {
          b[p++] = 0xc0 | (c >> 6);
          b[p++] = 0x80 | (c & 0x3f);
        } else {
          if (c >= 0xd800 && c <= 0xdfff) {
            const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
            if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
              c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
              i++;
              b[p++] = 0xf0 | (c >> 18);
              b[p++] = 0x80 | ((c >> 12) & 0x3f);
              b[p++] = 0x80 | ((c >> 6) & 0x3f);
              b[p++] = 0x80 | (c & 0x3f);
              continue;
            }
            c = 0xfffd; // lone surrogate, as TextEncoder
          }
          b[p++] = 0xe0 | (c >> 12);
          b[p++] = 0x80 | ((c >> 6) & 0x3f);
          b[p++] = 0x80 | (c & 0x3f);
        }
      }
    }
    this.view.setUint32(pos + 1, p - start);
    return p;
  }

  /** Integers outside int64: minimal big-endian two's complement, length-prefixed. */
  private bigint(v: bigint, pos: number): number {
    const bytes: number[] = [];
    let x = v;
    // Emit low bytes until the rest is pure sign extension of the last byte's top bit.
    for (;;) {
      const byte = Number(x & 0xffn);
      bytes.push(byte);
      x >>= 8n;
      if ((x === 0n && (byte & 0x80) === 0) || (x === -1n && (byte & 0x80) !== 0)) break;
    }
    this.ensure(pos + 5 + bytes.length);
    this.bytes[pos] = TAG_BIGINT;
    this.view.setUint32(pos + 1, bytes.length);
    for (let k = 0; k < bytes.length; k++) this.bytes[pos + 5 + k] = bytes[bytes.length - 1 - k]!;
    return pos + 5 + bytes.length;
  }
}

/**
 * The encoding of the one-component key [v] for a signed 64-bit v given as its 32-bit words
 * (hi, lo), written to out[0, 9): what `encode([v])` writes, without a bigint.
 */
export function encodeInt64Key(hi: number, lo: number, out: Uint8Array): void {
  out[0] = TAG_INT64;
  out[1] = hi >>> 24; out[2] = (hi >>> 16) & 0xff; out[3] = (hi >>> 8) & 0xff; out[4] = hi & 0xff;
  out[5] = lo >>> 24; out[6] = (lo >>> 16) & 0xff; out[7] = (lo >>> 8) & 0xff; out[8] = lo & 0xff;
}

const shared = new KeyEncoder();

/**
 * Encodes a composite key (see the module comment). Without `encoder` the result is a fresh
 * copy; with one, it is a view of the encoder's buffer, valid until its next use.
 */
export function encodeKey(values: readonly unknown[], encoder?: KeyEncoder): Uint8Array {
  const e = encoder ?? shared;
  const n = e.encode(values);
  return encoder ? e.bytes.subarray(0, n) : e.bytes.slice(0, n);
}
