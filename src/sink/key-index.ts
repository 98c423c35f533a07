/**
 * The hash tables behind the primary-key index (key-index-store.ts): key -> (file id, row
 * position), in typed arrays so ten million keys cost a few hundred megabytes and no garbage
 * collector work. Open addressing with linear probing; a removal shifts the following entries
 * of its run back (no tombstones, so lookups never slow down as keys come and go).
 *
 * Two layouts: a single `long` key column (the common case) keeps the key as two int32 words
 * in the slot (16 bytes a slot); any other key keeps its KeyEncoder bytes in an arena and the
 * slot holds the arena offset (12 bytes a slot). Tables grow by 1.5x at a load of 0.8, so a
 * slot array is at least 53% full: <= 30 bytes a bigint key, <= 23 + the key's bytes otherwise.
 */
import { ValidationError } from '../errors.js';
import { KeyEncoder } from './key-filter-encode.js';
import { xxh64Into } from './key-filter-hash.js';
import { valueAt, type ColumnArray } from '../parquet/packed-bytes.js';

const MAX_LOAD = 0.8;
const GROWTH = 1.5;
const MIN_CAPACITY = 1024;
/** Row positions are stored as uint32: a data file of 4 billion rows is far beyond any target size. */
const MAX_POS = 0xffff_ffff;

/** What every layout offers; `slot` results are valid until the next set or remove. */
export interface KeyTable {
  readonly size: number;
  /** Bytes of the typed arrays (what the index costs in memory). */
  readonly bytes: number;
  /** The slot of `key`, or -1. */
  find(key: readonly unknown[]): number;
  fileAt(slot: number): number;
  posAt(slot: number): number;
  set(key: readonly unknown[], fileId: number, pos: number): void;
  remove(key: readonly unknown[]): boolean;
  /** set() for rows [start, end) of key columns given column-wise, at positions firstPos, firstPos + 1, ... of one file. */
  setColumns(columns: readonly ColumnArray[], start: number, end: number, fileId: number, firstPos: number): void;
  /** Removes every entry for which `drop(fileId, pos)` is true (one pass over the slots). */
  removeWhere(drop: (fileId: number, pos: number) => boolean): number;
  /** Calls `visit` for every entry with its key's encoded bytes (valid only during the call). */
  forEach(visit: (key: Uint8Array, fileId: number, pos: number) => void): void;
  /** Adds an entry from forEach's encoded key bytes (a checkpoint being loaded). */
  setEncoded(key: Uint8Array, fileId: number, pos: number): void;
  /** For file ids [0, count): 1 where some entry names the file. */
  filesInUse(count: number): Uint8Array;
  /** Gives every entry the file id `map[fileId]` (the file list was compacted). */
  renumberFiles(map: Int32Array): void;
}

export function newKeyTable(singleLongKey: boolean): KeyTable {
  return singleLongKey ? new LongKeyTable() : new BytesKeyTable();
}

function checkPos(pos: number): void {
  if (!(pos >= 0 && pos <= MAX_POS)) throw new ValidationError(`key index: row position ${pos} is beyond ${MAX_POS} (a data file that large is not indexed)`);
}

function nextCapacity(cap: number): number {
  return Math.ceil(cap * GROWTH);
}

/** Bucket of a 32-bit hash in [0, cap) (multiply-shift: any capacity, not only powers of two). */
function bucket(h: number, cap: number): number {
  return Math.floor((h >>> 0) * cap / 4294967296);
}

/**
 * What both layouts share: the slot arrays of file ids (fileId + 1; 0 marks an empty slot) and
 * row positions, and deletion by backward shift. A layout keeps its keys in its own arrays and
 * says where a slot's key hashes to (`homeOf`) and how a key moves to another slot (`moveKey`).
 */
abstract class SlotTable implements KeyTable {
  size = 0;
  protected cap = MIN_CAPACITY;
  protected files = new Int32Array(MIN_CAPACITY);
  protected positions = new Uint32Array(MIN_CAPACITY);

  abstract readonly bytes: number;
  abstract find(key: readonly unknown[]): number;
  abstract set(key: readonly unknown[], fileId: number, pos: number): void;
  abstract setColumns(columns: readonly ColumnArray[], start: number, end: number, fileId: number, firstPos: number): void;
  abstract removeWhere(drop: (fileId: number, pos: number) => boolean): number;
  abstract forEach(visit: (key: Uint8Array, fileId: number, pos: number) => void): void;
  abstract setEncoded(key: Uint8Array, fileId: number, pos: number): void;
  protected abstract homeOf(slot: number): number;
  protected abstract moveKey(from: number, to: number): void;

  fileAt(slot: number): number {
    return this.files[slot]! - 1;
  }

  remove(key: readonly unknown[]): boolean {
    const slot = this.find(key);
    if (slot < 0) return false;
    this.removeSlot(slot);
    return true;
  }

  posAt(slot: number): number {
    return this.positions[slot]!;
  }

  filesInUse(count: number): Uint8Array {
    const used = new Uint8Array(count);
    for (let i = 0; i < this.files.length; i++) if (this.files[i] !== 0) used[this.files[i]! - 1] = 1;
    return used;
  }

  renumberFiles(map: Int32Array): void {
    for (let i = 0; i < this.files.length; i++) if (this.files[i] !== 0) this.files[i] = map[this.files[i]! - 1]! + 1;
  }

  /** Backward-shift deletion: moves each later entry of the run into the hole if its home allows. */
  protected removeSlot(slot: number): void {
    const cap = this.cap;
    let hole = slot;
    for (let j = hole + 1 === cap ? 0 : hole + 1; this.files[j] !== 0; j = j + 1 === cap ? 0 : j + 1) {
      const home = this.homeOf(j);
      // The entry at j may move to the hole when its home is not in (hole, j] (cyclically).
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (stays) continue;
      this.moveKey(j, hole);
      this.files[hole] = this.files[j]!;
      this.positions[hole] = this.positions[j]!;
      hole = j;
    }
    this.files[hole] = 0;
    this.size--;
  }
}

/** A 64-bit integer's words mixed to 32 bits (murmur3 finaliser over both words). */
function mix64(hi: number, lo: number): number {
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const I64 = new BigInt64Array(1);
const I64_WORDS = new Int32Array(I64.buffer);
const TWO_63 = 2n ** 63n;

/** A single long key column: the key's two words live in the slot. */
class LongKeyTable extends SlotTable {
  /** [lo, hi] per slot. */
  private words = new Int32Array(2 * MIN_CAPACITY);
  private readonly encoded = new Uint8Array(9);

  get bytes(): number {
    return this.words.byteLength + this.files.byteLength + this.positions.byteLength;
  }

  /** Loads key[0] into I64_WORDS; false when it is no int64 (such a key is never stored). */
  private load(key: readonly unknown[]): boolean {
    const v = key[0];
    if (typeof v === 'bigint') {
      if (v < -TWO_63 || v >= TWO_63) return false;
      I64[0] = v;
      return true;
    }
    if (typeof v === 'number' && Number.isSafeInteger(v)) {
      I64[0] = BigInt(v);
      return true;
    }
    return false;
  }

  private findWords(lo: number, hi: number): number {
    const cap = this.cap;
    for (let i = bucket(mix64(hi, lo), cap); ; i = i + 1 === cap ? 0 : i + 1) {
      if (this.files[i] === 0) return -1;
      if (this.words[2 * i] === lo && this.words[2 * i + 1] === hi) return i;
    }
  }

  find(key: readonly unknown[]): number {
    if (!this.load(key)) return -1;
    return this.findWords(I64_WORDS[0]!, I64_WORDS[1]!);
  }

  set(key: readonly unknown[], fileId: number, pos: number): void {
    if (!this.load(key)) throw new ValidationError(`key index: ${String(key[0])} is not a 64-bit integer key`);
    this.setWords(I64_WORDS[0]!, I64_WORDS[1]!, fileId, pos);
  }

  private setWords(lo: number, hi: number, fileId: number, pos: number): void {
    checkPos(pos);
    if (this.size + 1 > this.cap * MAX_LOAD) this.grow();
    const cap = this.cap;
    for (let i = bucket(mix64(hi, lo), cap); ; i = i + 1 === cap ? 0 : i + 1) {
      if (this.files[i] === 0) {
        this.words[2 * i] = lo;
        this.words[2 * i + 1] = hi;
        this.size++;
      } else if (this.words[2 * i] !== lo || this.words[2 * i + 1] !== hi) continue;
      this.files[i] = fileId + 1;
      this.positions[i] = pos;
      return;
    }
  }

  setColumns(columns: readonly ColumnArray[], start: number, end: number, fileId: number, firstPos: number): void {
    const col = columns[0]!;
    if (columns.length === 1 && col instanceof BigInt64Array) {
      // The column's own words: no bigint per row.
      const w = new Int32Array(col.buffer, col.byteOffset, col.length * 2);
      for (let i = start; i < end; i++) this.setWords(w[2 * i]!, w[2 * i + 1]!, fileId, firstPos + (i - start));
      return;
    }
    for (let i = start; i < end; i++) this.set([valueAt(col, i)], fileId, firstPos + (i - start));
  }

  protected homeOf(slot: number): number {
    return bucket(mix64(this.words[2 * slot + 1]!, this.words[2 * slot]!), this.cap);
  }

  protected moveKey(from: number, to: number): void {
    this.words[2 * to] = this.words[2 * from]!;
    this.words[2 * to + 1] = this.words[2 * from + 1]!;
  }

  removeWhere(drop: (fileId: number, pos: number) => boolean): number {
    const doomed: number[] = [];
    for (let i = 0; i < this.cap; i++) {
      if (this.files[i] !== 0 && drop(this.files[i]! - 1, this.positions[i]!)) doomed.push(this.words[2 * i]!, this.words[2 * i + 1]!);
    }
    for (let k = 0; k < doomed.length; k += 2) {
      const slot = this.findWords(doomed[k]!, doomed[k + 1]!);
      if (slot >= 0) this.removeSlot(slot);
    }
    return doomed.length / 2;
  }

  forEach(visit: (key: Uint8Array, fileId: number, pos: number) => void): void {
    const e = this.encoded;
    for (let i = 0; i < this.cap; i++) {
      if (this.files[i] === 0) continue;
      const lo = this.words[2 * i]!, hi = this.words[2 * i + 1]!;
      e[0] = 0; // LongKeyTable's own layout: tag 0, then hi, lo big-endian
      e[1] = hi >>> 24; e[2] = (hi >>> 16) & 0xff; e[3] = (hi >>> 8) & 0xff; e[4] = hi & 0xff;
      e[5] = lo >>> 24; e[6] = (lo >>> 16) & 0xff; e[7] = (lo >>> 8) & 0xff; e[8] = lo & 0xff;
      visit(e, this.files[i]! - 1, this.positions[i]!);
    }
  }

  setEncoded(key: Uint8Array, fileId: number, pos: number): void {
    if (key.length !== 9 || key[0] !== 0) throw new ValidationError('key index checkpoint: a long key entry is not 9 bytes');
    const hi = (key[1]! << 24) | (key[2]! << 16) | (key[3]! << 8) | key[4]!;
    const lo = (key[5]! << 24) | (key[6]! << 16) | (key[7]! << 8) | key[8]!;
    this.setWords(lo, hi, fileId, pos);
  }

  private grow(): void {
    const oldWords = this.words, oldFiles = this.files, oldPos = this.positions, oldCap = this.cap;
    this.cap = nextCapacity(oldCap);
    this.words = new Int32Array(2 * this.cap);
    this.files = new Int32Array(this.cap);
    this.positions = new Uint32Array(this.cap);
    this.size = 0;
    for (let i = 0; i < oldCap; i++) {
      if (oldFiles[i] !== 0) this.setWords(oldWords[2 * i]!, oldWords[2 * i + 1]!, oldFiles[i]! - 1, oldPos[i]!);
    }
  }
}

/**
 * Any other key: its KeyEncoder bytes (the key filter's encoding: 1, 1n and 1.0 are one key)
 * in an append-only arena, each preceded by its length (one byte below 128, else four).
 * Removed keys leave garbage that is compacted away once it is half the arena.
 */
class BytesKeyTable extends SlotTable {
  private offsets = new Uint32Array(MIN_CAPACITY);
  private arena = new Uint8Array(64 * 1024);
  private arenaLength = 0;
  private garbage = 0;
  private readonly encoder = new KeyEncoder();
  private readonly hash = new Int32Array(2);

  get bytes(): number {
    return this.offsets.byteLength + this.files.byteLength + this.positions.byteLength + this.arena.byteLength;
  }

  private hashOf(bytes: Uint8Array, start: number, end: number): number {
    xxh64Into(this.hash, bytes, start, end);
    return this.hash[1]!;
  }

  /** [start, end) of the key bytes of the entry at arena offset `off`. */
  private span(off: number): [number, number] {
    const a = this.arena;
    const b0 = a[off]!;
    if (b0 < 0x80) return [off + 1, off + 1 + b0];
    const len = ((b0 & 0x7f) << 24) | (a[off + 1]! << 16) | (a[off + 2]! << 8) | a[off + 3]!;
    return [off + 4, off + 4 + len];
  }

  private equalAt(off: number, key: Uint8Array, n: number): boolean {
    const [s, e] = this.span(off);
    if (e - s !== n) return false;
    const a = this.arena;
    for (let k = 0; k < n; k++) if (a[s + k] !== key[k]) return false;
    return true;
  }

  private findBytes(key: Uint8Array, n: number): number {
    const cap = this.cap;
    for (let i = bucket(this.hashOf(key, 0, n), cap); ; i = i + 1 === cap ? 0 : i + 1) {
      if (this.files[i] === 0) return -1;
      if (this.equalAt(this.offsets[i]!, key, n)) return i;
    }
  }

  find(key: readonly unknown[]): number {
    const n = this.encoder.encode(key);
    return this.findBytes(this.encoder.bytes, n);
  }

  set(key: readonly unknown[], fileId: number, pos: number): void {
    const n = this.encoder.encode(key);
    this.setBytes(this.encoder.bytes, n, fileId, pos);
  }

  setEncoded(key: Uint8Array, fileId: number, pos: number): void {
    this.setBytes(key, key.length, fileId, pos);
  }

  private setBytes(key: Uint8Array, n: number, fileId: number, pos: number): void {
    checkPos(pos);
    if (this.size + 1 > this.cap * MAX_LOAD) this.grow();
    const cap = this.cap;
    for (let i = bucket(this.hashOf(key, 0, n), cap); ; i = i + 1 === cap ? 0 : i + 1) {
      if (this.files[i] === 0) {
        this.offsets[i] = this.append(key, n);
        this.size++;
      } else if (!this.equalAt(this.offsets[i]!, key, n)) continue;
      this.files[i] = fileId + 1;
      this.positions[i] = pos;
      return;
    }
  }

  private append(key: Uint8Array, n: number): number {
    const need = n + (n < 0x80 ? 1 : 4);
    if (this.arenaLength + need > this.arena.length) this.makeRoom(need);
    const off = this.arenaLength;
    const a = this.arena;
    let p = off;
    if (n < 0x80) a[p++] = n;
    else {
      a[p++] = 0x80 | (n >>> 24); a[p++] = (n >>> 16) & 0xff; a[p++] = (n >>> 8) & 0xff; a[p++] = n & 0xff;
    }
    a.set(key.subarray(0, n), p);
    this.arenaLength = p + n;
    return off;
  }

  /** Compacts when half the arena is garbage, else grows it by 1.5x (the key being added is the caller's, not in the arena). */
  private makeRoom(need: number): void {
    const live = this.arenaLength - this.garbage;
    const size = this.garbage * 2 >= this.arenaLength ? Math.max(this.arena.length, live + need) : Math.max(Math.ceil(this.arena.length * GROWTH), this.arenaLength + need);
    const next = new Uint8Array(size);
    let p = 0;
    for (let i = 0; i < this.cap; i++) {
      if (this.files[i] === 0) continue;
      const off = this.offsets[i]!;
      const [, e] = this.span(off);
      next.set(this.arena.subarray(off, e), p);
      this.offsets[i] = p;
      p += e - off;
    }
    this.arena = next;
    this.arenaLength = p;
    this.garbage = 0;
  }

  setColumns(columns: readonly ColumnArray[], start: number, end: number, fileId: number, firstPos: number): void {
    const key = new Array<unknown>(columns.length);
    for (let i = start; i < end; i++) {
      for (let c = 0; c < columns.length; c++) key[c] = valueAt(columns[c]!, i);
      this.set(key, fileId, firstPos + (i - start));
    }
  }

  protected homeOf(slot: number): number {
    const [s, e] = this.span(this.offsets[slot]!);
    return bucket(this.hashOf(this.arena, s, e), this.cap);
  }

  protected moveKey(from: number, to: number): void {
    this.offsets[to] = this.offsets[from]!;
  }

  protected override removeSlot(slot: number): void {
    this.garbage += this.span(this.offsets[slot]!)[1] - this.offsets[slot]!;
    super.removeSlot(slot);
  }

  removeWhere(drop: (fileId: number, pos: number) => boolean): number {
    const doomed: Uint8Array[] = [];
    for (let i = 0; i < this.cap; i++) {
      if (this.files[i] === 0 || !drop(this.files[i]! - 1, this.positions[i]!)) continue;
      const [s, e] = this.span(this.offsets[i]!);
      doomed.push(this.arena.slice(s, e));
    }
    for (const k of doomed) {
      const slot = this.findBytes(k, k.length);
      if (slot >= 0) this.removeSlot(slot);
    }
    return doomed.length;
  }

  forEach(visit: (key: Uint8Array, fileId: number, pos: number) => void): void {
    for (let i = 0; i < this.cap; i++) {
      if (this.files[i] === 0) continue;
      const [s, e] = this.span(this.offsets[i]!);
      visit(this.arena.subarray(s, e), this.files[i]! - 1, this.positions[i]!);
    }
  }

  private grow(): void {
    const oldOffsets = this.offsets, oldFiles = this.files, oldPos = this.positions, oldCap = this.cap;
    this.cap = nextCapacity(oldCap);
    this.offsets = new Uint32Array(this.cap);
    this.files = new Int32Array(this.cap);
    this.positions = new Uint32Array(this.cap);
    for (let i = 0; i < oldCap; i++) {
      if (oldFiles[i] === 0) continue;
      const [s, e] = this.span(oldOffsets[i]!);
      // The key stays where it is in the arena: only its slot moves.
      for (let j = bucket(this.hashOf(this.arena, s, e), this.cap); ; j = j + 1 === this.cap ? 0 : j + 1) {
        if (this.files[j] !== 0) continue;
        this.offsets[j] = oldOffsets[i]!;
        this.files[j] = oldFiles[i]!;
        this.positions[j] = oldPos[i]!;
        break;
      }
    }
  }
}
