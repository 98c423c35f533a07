/**
 * Reading BYTE_ARRAY column chunks (strings, binaries) into packed form (packed-bytes.ts)
 * without making a value per row: pages are parsed into references to their bytes, a
 * dictionary is expanded by reference, and the chunk's values are copied once into one
 * buffer with offsets. A reader that hands the values on to the Parquet writer (compaction)
 * then copies bytes, never encodes or decodes strings.
 */
import { ValidationError } from '../errors.js';
import { PackedBinary, PackedStrings } from './packed-bytes.js';

/** Values by reference: value i is buf[starts[i], ends[i]). */
export interface ByteRefs {
  readonly buf: Uint8Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
}

/**
 * `count` PLAIN BYTE_ARRAY values at `offset` of a page (parquet-format Encodings.md:
 * 4-byte little-endian length, then the bytes), by reference into the page.
 */
export function plainByteRefs(page: Uint8Array, offset: number, count: number): ByteRefs {
  const starts = new Int32Array(count), ends = new Int32Array(count);
  let p = offset;
  for (let i = 0; i < count; i++) {
    if (p + 4 > page.length) throw new Error('BYTE_ARRAY value extends past the page');
    const len = page[p]! | (page[p + 1]! << 8) | (page[p + 2]! << 16) | (page[p + 3]! << 24);
    const s = p + 4, e = s + len;
    if (len < 0 || e > page.length) throw new Error('BYTE_ARRAY value extends past the page');
    starts[i] = s;
    ends[i] = e;
    p = e;
  }
  return { buf: page, starts, ends };
}

/** Byte-array values decoded by hyparquet (other encodings) as references into one copy of them. */
export function valueByteRefs(values: ArrayLike<unknown>): ByteRefs {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += (values[i] as Uint8Array).length;
  const buf = new Uint8Array(total);
  const starts = new Int32Array(values.length), ends = new Int32Array(values.length);
  let at = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as Uint8Array;
    buf.set(v, at);
    starts[i] = at;
    ends[i] = at += v.length;
  }
  return { buf, starts, ends };
}

/** dense[i] = dict[idx[i]], by reference. */
export function expandByteRefs(dict: ByteRefs, idx: ArrayLike<number>, n: number): ByteRefs {
  const starts = new Int32Array(n), ends = new Int32Array(n);
  const size = dict.starts.length;
  for (let i = 0; i < n; i++) {
    const k = idx[i]!;
    if (k >= size) throw new Error(`dictionary index ${k} out of range (${size} entries)`);
    starts[i] = dict.starts[k]!;
    ends[i] = dict.ends[k]!;
  }
  return { buf: dict.buf, starts, ends };
}

const utf8 = new TextDecoder();

/** One column chunk's values being packed, row by row (null rows get no bytes). */
export class PackedChunk {
  private bytes: Uint8Array;
  private used = 0;
  private readonly offsets: Int32Array;
  /** Whether a non-null value starts with a UTF-8 byte-order mark (EF BB BF). */
  private bom = false;

  constructor(rows: number, sizeHint: number) {
    this.bytes = new Uint8Array(Math.max(64, sizeHint));
    this.offsets = new Int32Array(rows + 1);
  }

  /** Rows [at, at + count): the present ones (def level = maxDef) take dense's values in order. */
  scatter(at: number, dense: ByteRefs, defs: ArrayLike<number> | undefined, maxDef: number, count: number, nulls: Uint8Array): void {
    const { buf, starts, ends } = dense;
    const off = this.offsets;
    let used = this.used;
    for (let i = 0, v = 0; i < count; i++) {
      if (defs && defs[i] !== maxDef) {
        nulls[at + i] = 1;
        off[at + i + 1] = used;
        continue;
      }
      const s = starts[v]!, e = ends[v]!;
      v++;
      if (used + (e - s) > this.bytes.length) {
        this.used = used;
        this.grow(used + (e - s));
      }
      const out = this.bytes;
      if (e - s >= 3 && buf[s] === 0xef && buf[s + 1] === 0xbb && buf[s + 2] === 0xbf) this.bom = true;
      if (e - s < 32) for (let k = s; k < e; k++) out[used++] = buf[k]!;
      else {
        out.set(buf.subarray(s, e), used);
        used += e - s;
      }
      off[at + i + 1] = used;
    }
    this.used = used;
  }

  private grow(need: number): void {
    const next = new Uint8Array(Math.max(need, this.bytes.length * 2));
    next.set(this.bytes.subarray(0, this.used));
    this.bytes = next;
  }

  /**
   * The chunk as PackedBinary, or as PackedStrings when every value is well-formed UTF-8. A
   * string chunk with malformed UTF-8, or with a value that starts with a byte-order mark,
   * comes back as strings decoded as the row reader decodes them (TextDecoder: U+FFFD for
   * malformed bytes, a leading BOM dropped), so both readers give the same values.
   */
  finish(kind: 'string' | 'binary', nulls: Uint8Array): PackedStrings | PackedBinary | unknown[] {
    const bytes = this.bytes.subarray(0, this.used);
    if (kind === 'binary') return new PackedBinary(bytes, this.offsets);
    if (!this.bom) {
      try {
        return new PackedStrings(bytes, this.offsets);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
      }
    }
    const out = new Array<unknown>(this.offsets.length - 1);
    for (let i = 0; i < out.length; i++) out[i] = nulls[i] ? null : utf8.decode(bytes.subarray(this.offsets[i]!, this.offsets[i + 1]!));
    return out;
  }
}
