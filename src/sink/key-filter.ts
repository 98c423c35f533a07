/**
 * Key filter for upsert mode: a bloom filter of every key ever written to a table. If it says
 * a key was never written, the writer skips the equality delete for it. A false positive costs
 * one needless delete row; a false negative would resurrect old rows, so bits are only ever
 * set, never cleared, and growth, serialisation and restore all keep every bit.
 *
 * Design: split-block bloom filters as in the Parquet spec (256-bit blocks of 8 x 32-bit words,
 * 8 salts, one block per key; upper 32 hash bits pick the block, lower 32 the bits) over XXH64
 * of the encoded key. Growth past the expected key count chains a new filter `growth` times
 * larger with half the FPP; lookups probe all filters, inserts go to the newest, so no rehash
 * and no quadratic slow-down, and the combined FPP stays below 2x the target (sum of p/2^i).
 */
import zlib from 'node:zlib';
import { crc32 as jsCrc32 } from '../avro/crc32.js';
import { IcetideError, ValidationError } from '../errors.js';
import { encodeInt64Key, KEY_ENCODING_VERSION, KeyEncoder } from './key-filter-encode.js';
import { xxh64Into } from './key-filter-hash.js';

export { encodeKey, KeyEncoder, KEY_ENCODING_VERSION } from './key-filter-encode.js';
export { xxh64 } from './key-filter-hash.js';

/** A serialized key filter that cannot be loaded; the message names what is wrong. */
export class InvalidKeyFilterError extends IcetideError {}

export interface KeyFilterOptions {
  /** Keys the first filter is sized for; more are fine (the filter grows). */
  expectedKeys: number;
  /** Target false-positive probability at `expectedKeys`, in (0, 1). */
  fpp: number;
  /**
   * Capacity ratio between successive filters once `expectedKeys` is exceeded, 2 to 16.
   * Default 4: at 4x/16x the expected count it measured lower FPP (1.1x/1.5x the target vs
   * 1.5x/1.9x), fewer bits per key and fewer filters to probe than 2; 2 wastes less just past 1x.
   */
  growth?: number;
}

/** One split-block bloom filter of the chain. */
interface Sub {
  words: Int32Array;
  blocks: number;
  /** Distinct keys it is sized for at `fpp`; the next insert past it starts a new filter. */
  capacity: number;
  /** Keys inserted (keys that already tested positive are not inserted again). */
  count: number;
  fpp: number;
}

// Parquet SBBF salts: one per word of a block.
const S0 = 0x47b6137b, S1 = 0x44974d91, S2 = 0x8824ad5b | 0, S3 = 0xa2b7289d | 0;
const S4 = 0x705495c7, S5 = 0x2df1424b, S6 = 0x9efc4947 | 0, S7 = 0x5c6bfb31;

/** FPP ratio between successive filters: the chain's FPP sum is bounded by 2x the first's. */
const TIGHTENING = 0.5;
/** 2 GiB per filter; beyond it a filter is capped and its FPP degrades (never false negatives). */
const MAX_BLOCKS = 2 ** 26;
const MAX_FILTERS = 64;

const FORMAT_VERSION = 1;
const HASH_XXH64_SBBF = 1;
const MAGIC = [0x49, 0x54, 0x4b, 0x46]; // "ITKF"
const FIXED_HEADER = 44;
const PER_FILTER = 32;

/** Hash output of the last key: [upper 32 bits, lower 32 bits]. Shared: JS is single-threaded. */
const H = new Int32Array(2);

/** Block index: upper 32 hash bits scaled to [0, blocks) (multiply-shift, as Parquet). */
function blockBase(hi: number, blocks: number): number {
  // Exact below 2^21 blocks; above, IEEE rounding is deterministic and stays below `blocks`.
  return (((hi >>> 0) * blocks) / 4294967296) << 3;
}

function probe(s: Sub, hi: number, lo: number): boolean {
  const w = s.words;
  const b = blockBase(hi, s.blocks);
  return (w[b]! & (1 << (Math.imul(lo, S0) >>> 27))) !== 0
    && (w[b + 1]! & (1 << (Math.imul(lo, S1) >>> 27))) !== 0
    && (w[b + 2]! & (1 << (Math.imul(lo, S2) >>> 27))) !== 0
    && (w[b + 3]! & (1 << (Math.imul(lo, S3) >>> 27))) !== 0
    && (w[b + 4]! & (1 << (Math.imul(lo, S4) >>> 27))) !== 0
    && (w[b + 5]! & (1 << (Math.imul(lo, S5) >>> 27))) !== 0
    && (w[b + 6]! & (1 << (Math.imul(lo, S6) >>> 27))) !== 0
    && (w[b + 7]! & (1 << (Math.imul(lo, S7) >>> 27))) !== 0;
}

/** Sets the key's 8 bits; returns true when all were already set. */
function testAndSet(s: Sub, hi: number, lo: number): boolean {
  const w = s.words;
  const b = blockBase(hi, s.blocks);
  const m0 = 1 << (Math.imul(lo, S0) >>> 27), m1 = 1 << (Math.imul(lo, S1) >>> 27);
  const m2 = 1 << (Math.imul(lo, S2) >>> 27), m3 = 1 << (Math.imul(lo, S3) >>> 27);
  const m4 = 1 << (Math.imul(lo, S4) >>> 27), m5 = 1 << (Math.imul(lo, S5) >>> 27);
  const m6 = 1 << (Math.imul(lo, S6) >>> 27), m7 = 1 << (Math.imul(lo, S7) >>> 27);
  const w0 = w[b]!, w1 = w[b + 1]!, w2 = w[b + 2]!, w3 = w[b + 3]!;
  const w4 = w[b + 4]!, w5 = w[b + 5]!, w6 = w[b + 6]!, w7 = w[b + 7]!;
  if ((w0 & m0) !== 0 && (w1 & m1) !== 0 && (w2 & m2) !== 0 && (w3 & m3) !== 0
    && (w4 & m4) !== 0 && (w5 & m5) !== 0 && (w6 & m6) !== 0 && (w7 & m7) !== 0) return true;
  w[b] = w0 | m0; w[b + 1] = w1 | m1; w[b + 2] = w2 | m2; w[b + 3] = w3 | m3;
  w[b + 4] = w4 | m4; w[b + 5] = w5 | m5; w[b + 6] = w6 | m6; w[b + 7] = w7 | m7;
  return false;
}

/**
 * Expected FPP of a split-block filter holding `keysPerBlock` keys per block on average: block
 * loads are Poisson(λ), and a probe hits when each of its 8 words already has its one bit.
 */
function sbbfFpp(keysPerBlock: number): number {
  const lambda = keysPerBlock;
  if (lambda <= 0) return 0;
  let pj = Math.exp(-lambda); // P(load = 0)
  let miss = 1; // (31/32)^j
  let sum = 0;
  const last = Math.ceil(lambda + 12 * Math.sqrt(lambda) + 30);
  for (let j = 1; j <= last; j++) {
    pj *= lambda / j;
    miss *= 31 / 32;
    sum += pj * (1 - miss) ** 8;
  }
  return Math.min(sum, 1);
}

/** Largest keys-per-block whose expected FPP is at most `fpp` (bisection; FPP rises with load). */
function keysPerBlockFor(fpp: number): number {
  let lo = 0, hi = 256;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (sbbfFpp(mid) <= fpp) lo = mid; else hi = mid;
  }
  return lo;
}

function newSub(capacity: number, fpp: number): Sub {
  const blocks = Math.min(MAX_BLOCKS, Math.max(1, Math.ceil(capacity / keysPerBlockFor(fpp))));
  return { words: new Int32Array(blocks * 8), blocks, capacity, count: 0, fpp };
}

function checkOptions(o: KeyFilterOptions): Required<KeyFilterOptions> {
  const growth = o.growth ?? 4;
  if (!Number.isSafeInteger(o.expectedKeys) || o.expectedKeys < 1) {
    throw new ValidationError(`key filter expectedKeys must be a positive integer, got ${o.expectedKeys}`, { option: 'expectedKeys' });
  }
  if (!(o.fpp > 0 && o.fpp < 1)) {
    throw new ValidationError(`key filter fpp must be in (0, 1), got ${o.fpp}`, { option: 'fpp' });
  }
  if (!(growth >= 2 && growth <= 16)) {
    throw new ValidationError(`key filter growth must be in [2, 16], got ${growth}`, { option: 'growth' });
  }
  return { expectedKeys: o.expectedKeys, fpp: o.fpp, growth };
}

const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32; // Node >= 20.15
function crc32(data: Uint8Array): number {
  return nativeCrc32 ? nativeCrc32(data) >>> 0 : jsCrc32(data);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export class KeyFilter {
  private opts: Required<KeyFilterOptions>;
  private readonly subs: Sub[];
  private total = 0;
  private readonly encoder = new KeyEncoder();
  private readonly longKey = new Uint8Array(9);

  constructor(opts: KeyFilterOptions) {
    this.opts = checkOptions(opts);
    this.subs = [newSub(this.opts.expectedKeys, this.opts.fpp)];
  }

  /**
   * Records the key `key[start, end)` (an `encodeKey` result). Returns true when it might
   * already have been present (then nothing changes), false when it certainly was not. For
   * upserts this is the whole check: `if (filter.add(key)) writeEqualityDelete(...)`. The
   * range lets a caller pass a reused or packed buffer without making a view.
   */
  add(key: Uint8Array, start = 0, end = key.length): boolean {
    xxh64Into(H, key, start, end);
    return this.insertHash(H[0]!, H[1]!);
  }

  /** False only if the key `key[start, end)` was certainly never added. */
  mightContain(key: Uint8Array, start = 0, end = key.length): boolean {
    xxh64Into(H, key, start, end);
    return this.probeHash(H[0]!, H[1]!);
  }

  /** `add(encodeKey(values))` without allocating. */
  addValues(values: readonly unknown[]): boolean {
    const n = this.encoder.encode(values);
    xxh64Into(H, this.encoder.bytes, 0, n);
    return this.insertHash(H[0]!, H[1]!);
  }

  /**
   * `addValues([v])` for each v of longs[start, end) (a single long key column, as a full load
   * collects it), without a bigint or an array per key.
   */
  addLongs(longs: BigInt64Array, start = 0, end = longs.length): void {
    if (!LITTLE_ENDIAN) {
      for (let i = start; i < end; i++) this.addValues([longs[i]!]);
      return;
    }
    const words = new Int32Array(longs.buffer, longs.byteOffset, longs.length * 2);
    const key = this.longKey;
    for (let i = start; i < end; i++) {
      encodeInt64Key(words[2 * i + 1]!, words[2 * i]!, key);
      xxh64Into(H, key, 0, 9);
      this.insertHash(H[0]!, H[1]!);
    }
  }

  /** `mightContain(encodeKey(values))` without allocating. */
  mightContainValues(values: readonly unknown[]): boolean {
    const n = this.encoder.encode(values);
    xxh64Into(H, this.encoder.bytes, 0, n);
    return this.probeHash(H[0]!, H[1]!);
  }

  /** Keys inserted: distinct keys added, less those that already tested positive. */
  get size(): number {
    return this.total;
  }

  /** Bytes of filter bits held in memory. */
  get byteSize(): number {
    let n = 0;
    for (const s of this.subs) n += s.words.byteLength;
    return n;
  }

  /** Filters in the chain (1 until `expectedKeys` is exceeded). */
  get filterCount(): number {
    return this.subs.length;
  }

  /** Expected FPP of a lookup now, from each filter's load. */
  get estimatedFpp(): number {
    let pass = 1;
    for (const s of this.subs) pass *= 1 - sbbfFpp(s.count / s.blocks);
    return 1 - pass;
  }

  /** The options in force (a restored filter keeps the ones it was built with). */
  get options(): Required<KeyFilterOptions> {
    return { ...this.opts };
  }

  private probeHash(hi: number, lo: number): boolean {
    const subs = this.subs;
    for (let i = 0; i < subs.length; i++) if (probe(subs[i]!, hi, lo)) return true;
    return false;
  }

  private insertHash(hi: number, lo: number): boolean {
    const subs = this.subs;
    const last = subs.length - 1;
    for (let i = 0; i < last; i++) if (probe(subs[i]!, hi, lo)) return true;
    let cur = subs[last]!;
    if (cur.count >= cur.capacity) {
      if (probe(cur, hi, lo)) return true;
      cur = this.grow(cur);
    }
    if (testAndSet(cur, hi, lo)) return true;
    cur.count++;
    this.total++;
    return false;
  }

  private grow(prev: Sub): Sub {
    if (this.subs.length >= MAX_FILTERS) {
      prev.capacity = Infinity; // keep filling the last one: FPP degrades, correctness holds
      return prev;
    }
    const next = newSub(Math.ceil(prev.capacity * this.opts.growth), prev.fpp * TIGHTENING);
    this.subs.push(next);
    return next;
  }

  /**
   * Layout (little-endian): "ITKF", u8 format version, u8 hash id, u8 key encoding version,
   * u8 0, u32 filter count, f64 expectedKeys, fpp, growth, tightening; per filter f64 blocks,
   * capacity, count, fpp; u32 CRC-32 of all that; the filters' words; u32 CRC-32 of the words.
   */
  serialize(): Uint8Array {
    const headerLen = FIXED_HEADER + PER_FILTER * this.subs.length;
    const out = new Uint8Array(headerLen + 4 + this.byteSize + 4);
    const dv = new DataView(out.buffer);
    out.set(MAGIC, 0);
    out[4] = FORMAT_VERSION;
    out[5] = HASH_XXH64_SBBF;
    out[6] = KEY_ENCODING_VERSION;
    dv.setUint32(8, this.subs.length, true);
    dv.setFloat64(12, this.opts.expectedKeys, true);
    dv.setFloat64(20, this.opts.fpp, true);
    dv.setFloat64(28, this.opts.growth, true);
    dv.setFloat64(36, TIGHTENING, true);
    let p = FIXED_HEADER;
    for (const s of this.subs) {
      dv.setFloat64(p, s.blocks, true);
      dv.setFloat64(p + 8, s.capacity === Infinity ? -1 : s.capacity, true);
      dv.setFloat64(p + 16, s.count, true);
      dv.setFloat64(p + 24, s.fpp, true);
      p += PER_FILTER;
    }
    dv.setUint32(p, crc32(out.subarray(0, p)), true);
    p += 4;
    const bodyStart = p;
    for (const s of this.subs) {
      if (LITTLE_ENDIAN) {
        out.set(new Uint8Array(s.words.buffer, s.words.byteOffset, s.words.byteLength), p);
      } else {
        for (let i = 0; i < s.words.length; i++) dv.setInt32(p + 4 * i, s.words[i]!, true);
      }
      p += s.words.byteLength;
    }
    dv.setUint32(p, crc32(out.subarray(bodyStart, p)), true);
    return out;
  }

  /**
   * Loads a `serialize()` result. Throws InvalidKeyFilterError naming the problem (truncated,
   * not a key filter, other version, checksum mismatch, bad parameter); `source` (e.g. the
   * file path) goes into the message. Callers fall back to "delete always" on error.
   */
  static deserialize(bytes: Uint8Array, source = 'key filter'): KeyFilter {
    const fail = (reason: string, message: string): never => {
      throw new InvalidKeyFilterError(`${source}: ${message}`, { source, reason });
    };
    const len = bytes.length;
    if (len < FIXED_HEADER + 4) fail('truncated', `truncated header: ${len} bytes, a key filter has at least ${FIXED_HEADER + 4 + 4}`);
    if (MAGIC.some((m, i) => bytes[i] !== m)) {
      const found = Array.from(bytes.subarray(0, 4), (x) => x.toString(16).padStart(2, '0')).join('');
      fail('magic', `not a key filter: magic is 0x${found}, expected 0x49544b46 ("ITKF")`);
    }
    if (bytes[4] !== FORMAT_VERSION) fail('version', `unsupported format version ${bytes[4]} (this build reads ${FORMAT_VERSION})`);
    if (bytes[5] !== HASH_XXH64_SBBF) fail('version', `unsupported hash id ${bytes[5]} (this build uses ${HASH_XXH64_SBBF}: XXH64 + split-block)`);
    // Keys encoded differently would all miss: refuse rather than risk false negatives.
    if (bytes[6] !== KEY_ENCODING_VERSION) fail('version', `key encoding version ${bytes[6]} differs from this build's ${KEY_ENCODING_VERSION}`);
    if (bytes[7] !== 0) fail('parameter', `reserved header byte is ${bytes[7]}, expected 0`);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = dv.getUint32(8, true);
    if (n < 1 || n > MAX_FILTERS) fail('parameter', `filter count ${n} is out of range [1, ${MAX_FILTERS}]`);
    const headerLen = FIXED_HEADER + PER_FILTER * n;
    if (len < headerLen + 4) fail('truncated', `truncated header: ${len} bytes, a header with ${n} filters needs ${headerLen + 4}`);
    const storedHeaderCrc = dv.getUint32(headerLen, true);
    const headerCrc = crc32(bytes.subarray(0, headerLen));
    if (storedHeaderCrc !== headerCrc) {
      fail('checksum', `header checksum mismatch: stored 0x${storedHeaderCrc.toString(16)}, computed 0x${headerCrc.toString(16)}`);
    }

    let opts: Required<KeyFilterOptions> = { expectedKeys: 0, fpp: 0, growth: 0 };
    try {
      opts = checkOptions({ expectedKeys: dv.getFloat64(12, true), fpp: dv.getFloat64(20, true), growth: dv.getFloat64(28, true) });
    } catch (e) {
      fail('parameter', `bad parameter: ${(e as Error).message}`);
    }
    if (dv.getFloat64(36, true) !== TIGHTENING) fail('parameter', `bad parameter tightening ${dv.getFloat64(36, true)}, expected ${TIGHTENING}`);
    const subs: Sub[] = [];
    let bodyLen = 0;
    for (let i = 0, p = FIXED_HEADER; i < n; i++, p += PER_FILTER) {
      const blocks = dv.getFloat64(p, true);
      const capRaw = dv.getFloat64(p + 8, true);
      const count = dv.getFloat64(p + 16, true);
      const fpp = dv.getFloat64(p + 24, true);
      if (!Number.isInteger(blocks) || blocks < 1 || blocks > MAX_BLOCKS) fail('parameter', `filter ${i}: bad block count ${blocks}`);
      if (!(capRaw === -1 || (Number.isSafeInteger(capRaw) && capRaw >= 1))) fail('parameter', `filter ${i}: bad capacity ${capRaw}`);
      if (!Number.isSafeInteger(count) || count < 0) fail('parameter', `filter ${i}: bad key count ${count}`);
      if (!(fpp > 0 && fpp < 1)) fail('parameter', `filter ${i}: bad fpp ${fpp}`);
      subs.push({ words: new Int32Array(0), blocks, capacity: capRaw === -1 ? Infinity : capRaw, count, fpp });
      bodyLen += blocks * 32;
    }
    const expected = headerLen + 4 + bodyLen + 4;
    if (len < expected) fail('truncated', `truncated body: ${len} bytes, expected ${expected}`);
    if (len > expected) fail('trailing', `${len - expected} unexpected bytes after the filter (expected ${expected} bytes)`);
    const bodyStart = headerLen + 4;
    const storedBodyCrc = dv.getUint32(bodyStart + bodyLen, true);
    const bodyCrc = crc32(bytes.subarray(bodyStart, bodyStart + bodyLen));
    if (storedBodyCrc !== bodyCrc) {
      fail('checksum', `body checksum mismatch: stored 0x${storedBodyCrc.toString(16)}, computed 0x${bodyCrc.toString(16)}`);
    }

    const filter = new KeyFilter({ ...opts, expectedKeys: 1 }); // its 1-block filter is replaced
    filter.opts = opts;
    filter.subs.length = 0;
    let p = bodyStart;
    for (const s of subs) {
      const words = new Int32Array(s.blocks * 8);
      if (LITTLE_ENDIAN) {
        new Uint8Array(words.buffer).set(bytes.subarray(p, p + words.byteLength));
      } else {
        for (let i = 0; i < words.length; i++) words[i] = dv.getInt32(p + 4 * i, true);
      }
      p += words.byteLength;
      s.words = words;
      filter.subs.push(s);
      filter.total += s.count;
    }
    return filter;
  }
}
