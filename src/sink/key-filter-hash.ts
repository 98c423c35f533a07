/**
 * XXH64 (seed 0) over bytes, in plain JS on 32-bit halves. Measured faster than
 * `xxhash-wasm` for the short keys the key filter sees: no bigint result, no copy into wasm
 * memory (see bench/key-filter.ts). The result is left in `hashHi` / `hashLo` (signed int32
 * halves) instead of being returned, so the hot path allocates nothing.
 */

/** Upper / lower 32 bits of the last `xxh64` result, as signed int32. */
export let hashHi = 0;
export let hashLo = 0;

// PRIME64_1..5 split into (hi, lo) int32 halves.
const P1H = 0x9e3779b1 | 0, P1L = 0x85ebca87 | 0;
const P2H = 0xc2b2ae3d | 0, P2L = 0x27d4eb4f | 0;
const P3H = 0x165667b1 | 0, P3L = 0x9e3779f9 | 0;
const P4H = 0x85ebca77 | 0, P4L = 0xc2b2ae63 | 0;
const P5H = 0x27d4eb2f | 0, P5L = 0x165667c5 | 0;

// Scratch "registers" for the helpers below (int32 values stay Smis: no boxing).
let rH = 0, rL = 0;

/** High 32 bits of the unsigned 32x32 product, via 16-bit limbs (all partials exact). */
function mulHi32(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const m1 = Math.imul(a1, b0), m2 = Math.imul(a0, b1);
  const mid = (Math.imul(a0, b0) >>> 16) + (m1 & 0xffff) + (m2 & 0xffff);
  return (Math.imul(a1, b1) + (m1 >>> 16) + (m2 >>> 16) + (mid >>> 16)) | 0;
}

/** (rH, rL) = (ah, al) * (bh, bl) mod 2^64. */
function mul(ah: number, al: number, bh: number, bl: number): void {
  rH = (mulHi32(al, bl) + Math.imul(ah, bl) + Math.imul(al, bh)) | 0;
  rL = Math.imul(al, bl);
}

/** (rH, rL) = (ah, al) + (bh, bl) mod 2^64. */
function add(ah: number, al: number, bh: number, bl: number): void {
  const lo = (al >>> 0) + (bl >>> 0);
  rH = (ah + bh + (lo > 0xffffffff ? 1 : 0)) | 0;
  rL = lo | 0;
}

/** (rH, rL) = rotl64((h, l), n) for 0 < n < 32. */
function rotl(h: number, l: number, n: number): void {
  rH = (h << n) | (l >>> (32 - n));
  rL = (l << n) | (h >>> (32 - n));
}

/** XXH64 round(acc, input) = rotl(acc + input * P2, 31) * P1, into (rH, rL). */
function round(accH: number, accL: number, inH: number, inL: number): void {
  mul(inH, inL, P2H, P2L);
  add(accH, accL, rH, rL);
  rotl(rH, rL, 31);
  mul(rH, rL, P1H, P1L);
}

function read32(b: Uint8Array, p: number): number {
  return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
}

/** XXH64 with seed 0 of `bytes[start, end)`; the result lands in `hashHi` / `hashLo`. */
export function xxh64(bytes: Uint8Array, start = 0, end = bytes.length): void {
  const len = end - start;
  let p = start;
  let hH: number, hL: number;
  if (len >= 32) {
    // v1 = P1 + P2, v2 = P2, v3 = 0, v4 = -P1 (all mod 2^64)
    add(P1H, P1L, P2H, P2L);
    let v1H = rH, v1L = rL, v2H = P2H, v2L = P2L, v3H = 0, v3L = 0;
    add(~P1H, ~P1L, 0, 1);
    let v4H = rH, v4L = rL;
    const limit = end - 32;
    do {
      round(v1H, v1L, read32(bytes, p + 4), read32(bytes, p)); v1H = rH; v1L = rL;
      round(v2H, v2L, read32(bytes, p + 12), read32(bytes, p + 8)); v2H = rH; v2L = rL;
      round(v3H, v3L, read32(bytes, p + 20), read32(bytes, p + 16)); v3H = rH; v3L = rL;
      round(v4H, v4L, read32(bytes, p + 28), read32(bytes, p + 24)); v4H = rH; v4L = rL;
      p += 32;
    } while (p <= limit);
    rotl(v1H, v1L, 1); hH = rH; hL = rL;
    rotl(v2H, v2L, 7); add(hH, hL, rH, rL); hH = rH; hL = rL;
    rotl(v3H, v3L, 12); add(hH, hL, rH, rL); hH = rH; hL = rL;
    // rotl by 18 of v4
    rotl(v4H, v4L, 18); add(hH, hL, rH, rL); hH = rH; hL = rL;
    // mergeRound for each lane: h = (h ^ round(0, v)) * P1 + P4
    round(0, 0, v1H, v1L); mul(hH ^ rH, hL ^ rL, P1H, P1L); add(rH, rL, P4H, P4L); hH = rH; hL = rL;
    round(0, 0, v2H, v2L); mul(hH ^ rH, hL ^ rL, P1H, P1L); add(rH, rL, P4H, P4L); hH = rH; hL = rL;
    round(0, 0, v3H, v3L); mul(hH ^ rH, hL ^ rL, P1H, P1L); add(rH, rL, P4H, P4L); hH = rH; hL = rL;
    round(0, 0, v4H, v4L); mul(hH ^ rH, hL ^ rL, P1H, P1L); add(rH, rL, P4H, P4L); hH = rH; hL = rL;
  } else {
    hH = P5H; hL = P5L;
  }
  add(hH, hL, 0, len); hH = rH; hL = rL;
  while (p + 8 <= end) {
    round(0, 0, read32(bytes, p + 4), read32(bytes, p));
    rotl(hH ^ rH, hL ^ rL, 27);
    mul(rH, rL, P1H, P1L);
    add(rH, rL, P4H, P4L); hH = rH; hL = rL;
    p += 8;
  }
  if (p + 4 <= end) {
    mul(0, read32(bytes, p), P1H, P1L);
    rotl(hH ^ rH, hL ^ rL, 23);
    mul(rH, rL, P2H, P2L);
    add(rH, rL, P3H, P3L); hH = rH; hL = rL;
    p += 4;
  }
  while (p < end) {
    mul(0, bytes[p]!, P5H, P5L);
    rotl(hH ^ rH, hL ^ rL, 11);
    mul(rH, rL, P1H, P1L); hH = rH; hL = rL;
    p++;
  }
  // avalanche: h ^= h >>> 33; h *= P2; h ^= h >>> 29; h *= P3; h ^= h >>> 32
  hL ^= hH >>> 1;
  mul(hH, hL, P2H, P2L); hH = rH; hL = rL;
  hL ^= (hL >>> 29) | (hH << 3); hH ^= hH >>> 29;
  mul(hH, hL, P3H, P3L); hH = rH; hL = rL;
  hashHi = hH;
  hashLo = hL ^ hH;
}
