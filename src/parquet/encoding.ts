/**
 * parquet-format Encodings.md: the RLE / bit-packing hybrid used for definition and repetition
 * levels (data page v1 prefixes it with its 4-byte length).
 */

export function bitWidth(max: number): number {
  return max === 0 ? 0 : 32 - Math.clz32(max);
}

class Bytes {
  buf: Uint8Array;
  pos = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(Math.max(16, size));
  }
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
  varint(n: number): void {
    this.ensure(5);
    while (n > 0x7f) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.pos++] = n;
  }
}

/**
 * Encodes levels[start, end) with width `w`, 4-byte little-endian length first. Runs of 8+
 * equal values become RLE runs, the rest bit-packed groups of 8 (the last one zero-padded).
 */
export function encodeLevels(levels: ArrayLike<number>, start: number, end: number, w: number, lengthPrefix = true): Uint8Array {
  const out = new Bytes(8 + ((end - start) * w) / 8);
  out.pos = lengthPrefix ? 4 : 0;
  const vbytes = (w + 7) >> 3;
  const runAt = (i: number): number => {
    const v = levels[i];
    let j = i + 1;
    while (j < end && levels[j] === v) j++;
    return j - i;
  };
  let i = start;
  while (i < end) {
    const run = runAt(i);
    if (run >= 8) {
      out.varint(run << 1);
      out.ensure(vbytes);
      const v = levels[i]!;
      for (let b = 0; b < vbytes; b++) out.buf[out.pos++] = (v >> (8 * b)) & 0xff;
      i += run;
      continue;
    }
    // Bit-packed groups until a long run starts at a group boundary.
    const groupsAt = out.pos;
    out.varint(0); // placeholder, rewritten below (1 byte while groups < 64)
    let groups = 0;
    do {
      out.ensure(w);
      // w <= 24 (levels, dictionary indices): acc never needs more than 31 bits
      let acc = 0, nbits = 0;
      for (let k = 0; k < 8; k++) {
        const v = i + k < end ? levels[i + k]! : 0;
        acc |= v << nbits;
        nbits += w;
        while (nbits >= 8) {
          out.buf[out.pos++] = acc & 0xff;
          acc >>>= 8;
          nbits -= 8;
        }
      }
      i += 8;
      groups++;
    } while (i < end && groups < 63 && runAt(i) < 8);
    out.buf[groupsAt] = (groups << 1) | 1;
  }
  if (lengthPrefix) new DataView(out.buf.buffer).setInt32(0, out.pos - 4, true);
  return out.buf.subarray(0, out.pos);
}

/**
 * `encodeLevels` of `count` copies of `value` (a page of a column without nulls): one RLE run,
 * the bytes encodeLevels gives for it, without looking at the levels.
 */
export function encodeRun(value: number, count: number, w: number, lengthPrefix = true): Uint8Array {
  if (count < 8) return encodeLevels(new Int32Array(count).fill(value), 0, count, w, lengthPrefix);
  const out = new Bytes(16);
  out.pos = lengthPrefix ? 4 : 0;
  out.varint(count << 1);
  for (let b = 0; b < (w + 7) >> 3; b++) out.buf[out.pos++] = (value >> (8 * b)) & 0xff;
  if (lengthPrefix) new DataView(out.buf.buffer).setInt32(0, out.pos - 4, true);
  return out.buf.subarray(0, out.pos);
}
