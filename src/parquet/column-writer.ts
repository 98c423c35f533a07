/**
 * Encodes one buffered leaf column into a column chunk: data pages v1 (levels RLE-hybrid,
 * values PLAIN), each compressed on its own, plus the chunk's statistics.
 */
import type { PrimitiveValue } from '../iceberg/spec/values.js';
import { compareValues } from '../iceberg/spec/value-serialization.js';
import type { StringBuffer } from './byte-array-buffer.js';
import { ColumnBuffer } from './column-buffer.js';
import { DictionaryBuilder } from './dictionary-builder.js';
import type { ValueBuffer, ValueStats } from './value-buffer.js';
import type { LeafColumn } from './parquet-schema.js';
import type { CompressFn } from './compression.js';
import { bitWidth, encodeLevels, encodeRun } from './encoding.js';
import { ThriftWriter } from './thrift.js';

export interface EncodedChunk {
  readonly parts: Uint8Array[];
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  /** Level entries (parquet num_values: nulls included). */
  readonly numValues: number;
  readonly nullCount: number;
  readonly nanCount: number;
  readonly min?: PrimitiveValue;
  readonly max?: PrimitiveValue;
  readonly minBytes?: Uint8Array;
  readonly maxBytes?: Uint8Array;
  /** Offset of the first data page within the chunk (> 0 when a dictionary page comes first). */
  readonly dataPageOffset: number;
  readonly dictionary: boolean;
}

export interface PageOptions {
  pageSizeBytes: number;
  pageRowLimit: number;
}

const ENC_PLAIN = 0;
const ENC_RLE = 3;
const ENC_RLE_DICTIONARY = 8;

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/**
 * Encodes one column chunk from slices of its values (whole rows each), emitting pages as
 * soon as they are complete, so a row group can be encoded while it is still being filled.
 * The bytes do not depend on the slicing: page boundaries, the dictionary decision and the
 * statistics are the ones a single pass over the whole chunk gives. While a string chunk's
 * dictionary is undecided its pages are encoded with it as they complete (so little is left
 * for finish(), which the writer waits on) and its values are kept: if the dictionary gives
 * up, those pages are dropped and the values encoded PLAIN. The dictionary page goes first
 * (parquet-format) when the chunk is finished.
 */
export class ChunkEncoder {
  private pending: ColumnBuffer;
  private dict: DictionaryBuilder | undefined;
  private readonly parts: Uint8Array[] = [];
  private compressedSize = 0;
  private uncompressedSize = 0;
  private numValues = 0;
  private nullCount = 0;
  private nanCount = 0;
  private min: PrimitiveValue | undefined;
  private max: PrimitiveValue | undefined;
  private dataPageOffset = 0;
  private dictionaryUsed = false;
  /** Entries and values of `pending` already in dictionary-encoded pages (dictionary undecided). */
  private eagerE = 0;
  private eagerV = 0;

  constructor(readonly leaf: LeafColumn, private readonly compress: CompressFn, private readonly opts: PageOptions) {
    this.pending = new ColumnBuffer(leaf);
    this.dict = leaf.type.kind === 'string' ? new DictionaryBuilder() : undefined;
  }

  /** Adds a slice (whole rows) and encodes the pages it completes. */
  append(slice: ColumnBuffer): void {
    this.numValues += slice.n;
    this.nullCount += slice.nulls;
    // While the dictionary is undecided its distinct values give the min and max (finish());
    // once it gives up, the values it held back (all in `pending`) get theirs here.
    if (this.dict) {
      this.dict.add(slice.values as StringBuffer);
      if (this.dict.failed) {
        this.dict = undefined;
        this.mergeStats(this.pending.values.stats());
        this.mergeStats(slice.values.stats());
      }
    } else this.mergeStats(slice.values.stats());
    // the first slice (or the first after every page went out) is taken over, not copied
    if (this.pending.n === 0) this.pending = slice;
    else this.pending.appendFrom(slice);
    if (this.dict) {
      // Undecided: pages go out dictionary-encoded as if it will be used (it usually is), and
      // every value stays in `pending` in case it is not.
      [this.eagerE, this.eagerV] = this.encodePages(false, this.eagerE, this.eagerV, this.dict.indices);
    } else {
      if (this.eagerE > 0) this.dropEagerPages();
      this.pages(false);
    }
  }

  /** The dictionary gave up: the pages encoded with it go, its values are encoded again PLAIN. */
  private dropEagerPages(): void {
    this.parts.length = 0;
    this.compressedSize = this.uncompressedSize = 0;
    this.eagerE = this.eagerV = 0;
  }

  private mergeStats(st: ValueStats): void {
    this.nanCount += st.nanCount;
    const t = this.leaf.type;
    const float = t.kind === 'float' || t.kind === 'double';
    if (st.min !== undefined) {
      const x = st.min;
      const m = this.min;
      // floats: the chunk-wide rule (-0 is below +0; NaN never becomes a bound)
      if (m === undefined || (float ? (x as number) < (m as number) || (x === 0 && m === 0 && Object.is(x, -0)) : compareValues(t, x, m) < 0)) this.min = x;
    }
    if (st.max !== undefined) {
      const x = st.max;
      const m = this.max;
      if (m === undefined || (float ? (x as number) > (m as number) || (x === 0 && m === 0 && Object.is(m, -0)) : compareValues(t, x, m) > 0)) this.max = x;
    }
  }

  /** Encodes the complete PLAIN pages of the pending entries (all of them when `final`) and drops them. */
  private pages(final: boolean): void {
    const [e, v] = this.encodePages(final, 0, 0);
    this.pending.dropPrefix(e, v);
  }

  /**
   * Encodes the complete pages of the pending entries from entry e, value v (all of them when
   * `final`); values as dictionary indices when given (each page's bit width from its largest
   * index, so a page's bytes do not depend on what came after it). Returns where it stopped.
   */
  private encodePages(final: boolean, e: number, v: number, indices?: Int32Array): [number, number] {
    const opts = this.opts;
    const col = this.pending;
    const { leaf, defs, reps, n, values } = col;
    const defW = bitWidth(leaf.maxDef);
    const repW = bitWidth(leaf.maxRep);
    const fixedWidth = values.width;
    const encodeValues = (v0: number, v1: number): Uint8Array => {
      if (!indices) return values.encode(v0, v1);
      let max = 0;
      for (let i = v0; i < v1; i++) if (indices[i]! > max) max = indices[i]!;
      const idxW = Math.max(1, bitWidth(max));
      const rle = encodeLevels(indices, v0, v1, idxW, false);
      const out = new Uint8Array(rle.length + 1);
      out[0] = idxW;
      out.set(rle, 1);
      return out;
    };
    while (e < n) {
      const e0 = e, v0 = v;
      let bytes = 0;
      if (!defs && !reps && fixedWidth !== undefined) {
        // Flat required fixed-width column: pages by count.
        const per = Math.max(1, Math.min(opts.pageRowLimit, Math.floor(opts.pageSizeBytes / fixedWidth)));
        if (!final && e + per > n) break;
        e = Math.min(n, e + per);
        v = e;
      } else if (!reps) {
        // without nulls every entry is a value: no definition levels to look at
        const end = flatPageEnd(col.nulls === 0 ? null : defs, leaf.maxDef, values, opts, e0, v0, n);
        if (!end.complete && !final) break;
        e = end.e;
        v = end.v;
      } else {
        const maxDef = leaf.maxDef;
        let complete = false;
        while (e < n) {
          if (!defs || defs[e] === maxDef) {
            bytes += fixedWidth ?? values.widthOf(v);
            v++;
          }
          e++;
          // a slice ends on a row boundary, so its end (e === n) is one
          if ((bytes >= opts.pageSizeBytes || e - e0 >= opts.pageRowLimit) && (e === n || reps[e] === 0)) {
            complete = true;
            break;
          }
        }
        if (!complete && !final) {
          e = e0;
          v = v0;
          break;
        }
      }
      const body: Uint8Array[] = [];
      if (reps) body.push(encodeLevels(reps, e0, e, repW));
      if (defs) body.push(!reps && col.nulls === 0 ? encodeRun(leaf.maxDef, e - e0, defW) : encodeLevels(defs, e0, e, defW));
      body.push(encodeValues(v0, v));
      let size = 0;
      for (const b of body) size += b.length;
      const raw = concat(body, size);
      const compressed = this.compress(raw);
      const header = new ThriftWriter()
        .i32(1, 0) // DATA_PAGE
        .i32(2, raw.length)
        .i32(3, compressed.length)
        .struct(5)
        .i32(1, e - e0)
        .i32(2, indices ? ENC_RLE_DICTIONARY : ENC_PLAIN)
        .i32(3, ENC_RLE)
        .i32(4, ENC_RLE)
        .end()
        .finish();
      this.parts.push(header.slice(), compressed);
      this.compressedSize += header.length + compressed.length;
      this.uncompressedSize += header.length + raw.length;
    }
    return [e, v];
  }

  /** Encodes what is left (and the dictionary page, when used) and returns the chunk. */
  finish(): EncodedChunk {
    if (this.dict) this.mergeStats(this.dict.stats());
    const dict = this.dict?.finish();
    this.dict = undefined;
    if (dict) {
      this.encodePages(true, this.eagerE, this.eagerV, dict.indices);
      const raw = dict.page;
      const compressed = this.compress(raw);
      const header = new ThriftWriter()
        .i32(1, 2) // DICTIONARY_PAGE
        .i32(2, raw.length)
        .i32(3, compressed.length)
        .struct(7)
        .i32(1, dict.size)
        .i32(2, ENC_PLAIN)
        .end()
        .finish();
      // parquet-format: the dictionary page is the chunk's first page
      this.parts.unshift(header.slice(), compressed);
      this.compressedSize += header.length + compressed.length;
      this.uncompressedSize += header.length + raw.length;
      this.dataPageOffset = header.length + compressed.length;
      this.dictionaryUsed = true;
    } else {
      if (this.eagerE > 0) this.dropEagerPages();
      this.pages(true);
    }
    const values = this.pending.values;
    const minBytes = this.min !== undefined ? values.statBytes(this.min) : undefined;
    const maxBytes = this.max !== undefined ? values.statBytes(this.max) : undefined;
    return {
      parts: this.parts, compressedSize: this.compressedSize, uncompressedSize: this.uncompressedSize, numValues: this.numValues, nullCount: this.nullCount,
      nanCount: this.nanCount, dataPageOffset: this.dataPageOffset, dictionary: this.dictionaryUsed,
      ...(this.min !== undefined ? { min: this.min } : {}),
      ...(this.max !== undefined ? { max: this.max } : {}),
      ...(minBytes && maxBytes ? { minBytes, maxBytes } : {}),
    };
  }
}

/**
 * Where the page of a flat column that starts at entry e0 (value v0) ends: at the row limit,
 * or right after the first value that brings its values' bytes to the page size, whichever
 * comes first (the rule the entry-by-entry loop applies to nested columns); `complete` is
 * false when the entries run out before either. `defs` null: every entry is a value.
 */
function flatPageEnd(defs: Uint8Array | null, maxDef: number, values: ValueBuffer, opts: PageOptions, e0: number, v0: number, n: number): { e: number; v: number; complete: boolean } {
  const e = Math.min(n, e0 + opts.pageRowLimit);
  let v = v0;
  if (!defs) v += e - e0;
  else if (maxDef === 1) for (let i = e0; i < e; i++) v += defs[i]!; // levels are 0 or 1
  else for (let i = e0; i < e; i++) if (defs[i] === maxDef) v++;
  if (values.byteSize(v0, v) < opts.pageSizeBytes) return { e, v, complete: e - e0 === opts.pageRowLimit };
  // the smallest k in (v0, v] whose values v0..k-1 reach the page size (bytes grow with k)
  let lo = v0, hi = v;
  while (hi - lo > 1) {
    const mid = lo + ((hi - lo) >> 1);
    if (values.byteSize(v0, mid) >= opts.pageSizeBytes) hi = mid;
    else lo = mid;
  }
  // the page ends after the entry of value hi - 1
  if (!defs) return { e: e0 + (hi - v0), v: hi, complete: true };
  let i = e0;
  for (let seen = 0; seen < hi - v0; i++) if (defs[i] === maxDef) seen++;
  return { e: i, v: hi, complete: true };
}

/** Encodes a whole buffered chunk (one slice). */
export function encodeChunk(col: ColumnBuffer, compress: CompressFn, opts: PageOptions): EncodedChunk {
  const enc = new ChunkEncoder(col.leaf, compress, opts);
  enc.append(col);
  return enc.finish();
}
