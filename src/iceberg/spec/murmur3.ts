/**
 * 32-bit Murmur3 hash, x86 variant, seed 0 (spec "Bucket Transform Details" and Appendix B
 * "32-bit Hash Requirements"). Results are signed 32-bit ints, as Iceberg Java returns them.
 */
import { UnsupportedError, ValidationError } from '../../errors.js';
import type { PrimitiveType } from './types.js';
import type { PrimitiveValue } from './values.js';
import { typeToString } from './types.js';
import { parseUuidInto, writeMinTwosComplement } from './value-serialization.js';

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function mixK1(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

function mixH1(h: number, k: number): number {
  h ^= mixK1(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fmix(h: number, length: number): number {
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** murmur3_x86_32 with seed 0 over `bytes[0, length)`; returns a signed 32-bit int. */
export function murmur3Hash32(bytes: Uint8Array, length: number = bytes.length): number {
  let h = 0;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    const k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    h = mixH1(h, k);
  }
  const rem = length & 3;
  if (rem !== 0) {
    let k = 0;
    if (rem === 3) k ^= bytes[blocks + 2]! << 16;
    if (rem >= 2) k ^= bytes[blocks + 1]! << 8;
    k ^= bytes[blocks]!;
    h ^= mixK1(k);
  }
  return fmix(h, length);
}

/** Hash of an 8-byte little-endian long given as its low and high 32-bit halves. No allocation. */
function hashLongHalves(lo: number, hi: number): number {
  let h = mixH1(0, lo | 0);
  h = mixH1(h, hi | 0);
  return fmix(h, 8);
}

const TWO_32 = 0x1_0000_0000;

/** Appendix B `hashLong` for an integer-valued number in the safe range (also `hashInt`). */
export function hashLongNumber(n: number): number {
  // `>>> 0` is the value mod 2^32 (two's complement low half); floor division gives the high half.
  return hashLongHalves(n >>> 0, Math.floor(n / TWO_32) | 0);
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

/** Appendix B `hashLong`: murmur3 of the 8-byte little-endian two's complement value. */
export function hashLong(v: bigint): number {
  if (v <= MAX_SAFE && v >= MIN_SAFE) return hashLongNumber(Number(v));
  return hashLongHalves(Number(BigInt.asUintN(32, v)), Number(BigInt.asIntN(32, v >> 32n)));
}

const f64 = new Float64Array(1);
const f64Words = new Uint32Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Appendix B `hashLong(doubleToLongBits(v))`, note 5: NaN canonicalised to 0x7ff8000000000000,
 * -0.0 to 0.0. Floats hash as the float widened to double.
 */
export function hashDouble(d: number): number {
  if (Number.isNaN(d)) return hashLongHalves(0, 0x7ff80000);
  f64[0] = d === 0 ? 0 : d;
  return LITTLE_ENDIAN ? hashLongHalves(f64Words[0]!, f64Words[1]!) : hashLongHalves(f64Words[1]!, f64Words[0]!);
}

let scratch = new Uint8Array(64);
const utf8 = new TextEncoder();

/** Appendix B `hashBytes(utf8Bytes(v))`, encoding into a reused buffer. */
export function hashString(s: string): number {
  const need = s.length * 3;
  if (scratch.length < need) scratch = new Uint8Array(Math.max(need, scratch.length * 2));
  const { written } = utf8.encodeInto(s, scratch);
  return murmur3Hash32(scratch, written);
}

function fail(type: PrimitiveType, value: unknown): never {
  throw new ValidationError(`cannot hash ${typeof value} value as ${typeToString(type)}`, {
    type: typeToString(type),
    valueType: typeof value,
  });
}

/**
 * The spec's 32-bit hash of a value of the given type (Appendix B). int/date hash as long;
 * timestamp_ns values are floored to microseconds first (note 3); decimals hash their unscaled
 * value's minimal big-endian two's complement bytes (note 2); uuids their 16 big-endian bytes.
 * boolean/float/double follow the "not currently valid for bucketing" table.
 */
export function hashValue(type: PrimitiveType, value: PrimitiveValue): number {
  switch (type.kind) {
    case 'int':
    case 'date':
      if (typeof value !== 'number' || !Number.isInteger(value)) fail(type, value);
      return hashLongNumber(value);
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      if (typeof value !== 'bigint') fail(type, value);
      return hashLong(value);
    case 'timestamp_ns':
    case 'timestamptz_ns': {
      if (typeof value !== 'bigint') fail(type, value);
      // floor division by 1000 (DateTimeUtil.nanosToMicros)
      const q = value / 1000n;
      return hashLong(value < 0n && q * 1000n !== value ? q - 1n : q);
    }
    case 'decimal': {
      if (typeof value !== 'bigint') fail(type, value);
      if (scratch.length < 32) scratch = new Uint8Array(64);
      const n = writeMinTwosComplement(value, scratch);
      return murmur3Hash32(scratch, n);
    }
    case 'string':
      if (typeof value !== 'string') fail(type, value);
      return hashString(value);
    case 'uuid':
      if (typeof value !== 'string') fail(type, value);
      parseUuidInto(value, scratch);
      return murmur3Hash32(scratch, 16);
    case 'fixed':
    case 'binary':
      if (!(value instanceof Uint8Array)) fail(type, value);
      return murmur3Hash32(value);
    case 'boolean':
      if (typeof value !== 'boolean') fail(type, value);
      return hashLongNumber(value ? 1 : 0);
    case 'float':
    case 'double':
      if (typeof value !== 'number') fail(type, value);
      return hashDouble(value);
    default:
      throw new UnsupportedError(`no 32-bit hash is defined for type ${typeToString(type)}`, {
        type: typeToString(type),
      });
  }
}
