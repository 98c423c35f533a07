/**
 * A string chunk's dictionary (parquet-format Encodings.md: PLAIN_DICTIONARY / RLE_DICTIONARY),
 * built from the chunk's UTF-8 values as they are buffered (byte ranges of a packed buffer):
 * distinct values are found by hashing their bytes, so no string is made per value.
 */
import { grow } from './value-buffer.js';

/** `write.parquet.dict-size-bytes` default: dictionaries larger than this fall back to PLAIN. */
export const MAX_DICTIONARY_BYTES = 2 * 1024 * 1024;

/** A chunk's dictionary: PLAIN-encoded distinct values plus per-value indices. */
export interface Dictionary {
  readonly page: Uint8Array;
  readonly size: number;
  readonly indices: Int32Array;
}

/** Values packed in one buffer: value k is bytes[offsets[k], offsets[k + 1]). */
export interface PackedValues {
  readonly a: Uint8Array;
  readonly offsets: Int32Array;
  readonly count: number;
}

/**
 * Hash of bytes[s, e): 4 bytes a step (multiply-rotate, as murmur3's body), then the tail and
 * the length, finished with murmur3's avalanche so similar values spread over the table.
 */
function hashBytes(b: Uint8Array, s: number, e: number): number {
  let h = e - s;
  let i = s;
  for (; i + 4 <= e; i += 4) {
    let k = b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  for (; i < e; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * Builds a string chunk's dictionary value by value, so a chunk can be fed in slices: gives up
 * (`failed`) once the distinct values pass MAX_DICTIONARY_BYTES (their PLAIN size) or barely
 * repeat, with the same decisions whatever the slicing.
 */
export class DictionaryBuilder {
  /** Distinct values in id order, packed: id k is store[starts[k], starts[k + 1]). */
  private store = new Uint8Array(16 * 1024);
  private starts = new Int32Array(1024);
  private hashes = new Int32Array(1024);
  /** Open addressing: id + 1 per slot, 0 for an empty slot; size a power of two, at most half full. */
  private slots = new Int32Array(2048);
  private size = 0;
  private ids = new Int32Array(1024);
  private bytes = 0;
  private n = 0;
  failed = false;

  add(values: PackedValues): void {
    if (this.failed) return;
    const { a, offsets, count } = values;
    this.ids = grow(this.ids, this.n + count);
    for (let k = 0; k < count; k++) {
      const i = this.n++;
      const s = offsets[k]!, e = offsets[k + 1]!;
      const h = hashBytes(a, s, e);
      let id = this.find(h, a, s, e);
      if (id < 0) {
        id = this.insert(h, a, s, e);
        this.bytes += e - s + 4;
        // give up early when the values barely repeat or the dictionary gets too big
        if (this.bytes > MAX_DICTIONARY_BYTES || (i >= 1000 && this.size > i * 0.5)) {
          this.failed = true;
          this.release();
          return;
        }
      }
      this.ids[i] = id;
    }
  }

  private find(h: number, a: Uint8Array, s: number, e: number): number {
    const mask = this.slots.length - 1;
    const len = e - s;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const id = this.slots[slot]! - 1;
      if (id < 0) return -1;
      if (this.hashes[id] !== h) continue;
      const at = this.starts[id]!;
      if (this.starts[id + 1]! - at !== len) continue;
      let j = 0;
      while (j < len && this.store[at + j] === a[s + j]) j++;
      if (j === len) return id;
    }
  }

  private insert(h: number, a: Uint8Array, s: number, e: number): number {
    const id = this.size++;
    const at = this.starts[id]!;
    this.store = grow(this.store, at + (e - s));
    this.store.set(a.subarray(s, e), at);
    this.starts = grow(this.starts, id + 2);
    this.starts[id + 1] = at + (e - s);
    this.hashes = grow(this.hashes, id + 1);
    this.hashes[id] = h;
    if (this.size * 2 > this.slots.length) this.rehash();
    else this.place(id);
    return id;
  }

  private place(id: number): void {
    const mask = this.slots.length - 1;
    let slot = this.hashes[id]! & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = id + 1;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    for (let id = 0; id < this.size; id++) this.place(id);
  }

  private release(): void {
    this.store = new Uint8Array(0);
    this.starts = new Int32Array(1);
    this.hashes = new Int32Array(0);
    this.slots = new Int32Array(1);
    this.size = 0;
  }

  /** The dictionary index of each value added so far (valid while not failed). */
  get indices(): Int32Array {
    return this.ids;
  }

  /** Min and max of everything added (unsigned byte order = code point order), as strings. */
  stats(): { min?: string; max?: string; nanCount: number } {
    if (this.failed || this.size === 0) return { nanCount: 0 };
    const st = this.store, at = this.starts;
    const less = (x: number, y: number): boolean => {
      const xs = at[x]!, xn = at[x + 1]! - xs, ys = at[y]!, yn = at[y + 1]! - ys;
      for (let k = 0; k < Math.min(xn, yn); k++) if (st[xs + k] !== st[ys + k]) return st[xs + k]! < st[ys + k]!;
      return xn < yn;
    };
    let lo = 0, hi = 0;
    for (let id = 1; id < this.size; id++) {
      if (less(id, lo)) lo = id;
      else if (less(hi, id)) hi = id;
    }
    const text = (id: number) => Buffer.from(st.buffer, st.byteOffset + at[id]!, at[id + 1]! - at[id]!).toString('utf8');
    return { min: text(lo), max: text(hi), nanCount: 0 };
  }

  /** The dictionary of everything added, or undefined when not worth it. */
  finish(): Dictionary | undefined {
    const n = this.n;
    if (this.failed || n < 2 || this.size > n * 0.5) return undefined;
    // PLAIN byte arrays: 4-byte little-endian length, then the bytes
    const used = this.starts[this.size]!;
    const page = new Uint8Array(4 * this.size + used);
    const dv = new DataView(page.buffer);
    let pos = 0;
    for (let id = 0; id < this.size; id++) {
      const s = this.starts[id]!, e = this.starts[id + 1]!;
      dv.setInt32(pos, e - s, true);
      page.set(this.store.subarray(s, e), pos + 4);
      pos += 4 + e - s;
    }
    return { page, size: this.size, indices: this.ids.subarray(0, n) };
  }
}
