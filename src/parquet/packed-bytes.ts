/**
 * Variable-length column values packed into one byte buffer with offsets: strings as UTF-8
 * and binaries as bytes, the form a columnar source already holds them in (a MySQL page) and
 * the form Parquet writes (PLAIN byte arrays). A column in this form goes into the writer's
 * buffers with a copy of its bytes, and on to the encoder thread by transfer, with no string
 * made or encoded per value; `get(i)` makes one value for the code that needs it (partition
 * transforms, keys, error messages, row views).
 */
import { isUtf8 } from 'node:buffer';
import { ValidationError } from '../errors.js';

/** Set only inside PackedStrings.wholeValuesOf. */
let trusting = false;

export abstract class PackedBytes {
  readonly length: number;

  /** Value i is bytes[offsets[i], offsets[i + 1]); offsets never decrease. */
  constructor(
    readonly bytes: Uint8Array,
    readonly offsets: Int32Array,
  ) {
    this.length = Math.max(0, offsets.length - 1);
  }

  /** Value i (whatever a null mask says about row i). */
  abstract get(i: number): string | Uint8Array;

  /** A packed column of the same kind holding the given rows, in the order given. */
  abstract select(rows: Int32Array): PackedBytes;

  byteLength(i: number): number {
    return this.offsets[i + 1]! - this.offsets[i]!;
  }

  /** The rows' bytes and offsets; runs of values adjacent in `bytes` are copied at once. */
  protected gather(rows: Int32Array): { bytes: Uint8Array; offsets: Int32Array } {
    const src = this.bytes, off = this.offsets;
    const offsets = new Int32Array(rows.length + 1);
    let size = 0;
    for (let k = 0; k < rows.length; k++) {
      const r = rows[k]!;
      offsets[k + 1] = size += off[r + 1]! - off[r]!;
    }
    const bytes = new Uint8Array(size);
    let runStart = 0, runEnd = 0, at = 0;
    for (let k = 0; k < rows.length; k++) {
      const r = rows[k]!;
      const s = off[r]!, e = off[r + 1]!;
      if (s !== runEnd) {
        bytes.set(src.subarray(runStart, runEnd), at);
        at += runEnd - runStart;
        runStart = s;
      }
      runEnd = e;
    }
    bytes.set(src.subarray(runStart, runEnd), at);
    return { bytes, offsets };
  }
}

/** Strings as UTF-8: every value is well-formed UTF-8 (checked when made). */
export class PackedStrings extends PackedBytes {
  private view: Buffer | undefined;

  constructor(bytes: Uint8Array, offsets: Int32Array) {
    super(bytes, offsets);
    if (!trusting && !PackedStrings.wellFormed(bytes, offsets)) throw new ValidationError('packed strings: a value is not well-formed UTF-8');
  }

  /**
   * Packed strings whose values are whole values copied from a PackedStrings (a gather, a
   * hand-over between threads): well-formed already, so not checked again.
   */
  static wholeValuesOf(bytes: Uint8Array, offsets: Int32Array): PackedStrings {
    trusting = true;
    try {
      return new PackedStrings(bytes, offsets);
    } finally {
      trusting = false;
    }
  }

  /**
   * Every value is well-formed UTF-8: the bytes they cover are, and each value starts on a
   * character boundary (not on a continuation byte 10xxxxxx), so none splits a character.
   */
  static wellFormed(bytes: Uint8Array, offsets: Int32Array): boolean {
    const n = offsets.length - 1;
    if (n <= 0) return true;
    const first = offsets[0]!, last = offsets[n]!;
    if (first < 0 || last > bytes.length || first > last) return false;
    for (let i = 0; i < n; i++) {
      const s = offsets[i]!, e = offsets[i + 1]!;
      if (e < s || (s < e && (bytes[s]! & 0xc0) === 0x80)) return false;
    }
    return isUtf8(bytes.subarray(first, last));
  }

  get(i: number): string {
    this.view ??= Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return this.view.toString('utf8', this.offsets[i]!, this.offsets[i + 1]!);
  }

  select(rows: Int32Array): PackedStrings {
    const { bytes, offsets } = this.gather(rows);
    return PackedStrings.wholeValuesOf(bytes, offsets);
  }
}

/** Binary values; `get` returns a view into the shared buffer (no copy). */
export class PackedBinary extends PackedBytes {
  get(i: number): Uint8Array {
    const s = this.offsets[i]!;
    // a plain Uint8Array (values.ts binary) even when the buffer is a Node Buffer
    return new Uint8Array(this.bytes.buffer, this.bytes.byteOffset + s, this.offsets[i + 1]! - s);
  }

  select(rows: Int32Array): PackedBinary {
    const { bytes, offsets } = this.gather(rows);
    return new PackedBinary(bytes, offsets);
  }
}

/** A column's values: an array (values.ts representations, or typed arrays) or packed bytes. */
export type ColumnArray = ArrayLike<unknown> | PackedBytes;

/** Value i of a column (null masks are the caller's). */
export function valueAt(col: ColumnArray, i: number): unknown {
  return col instanceof PackedBytes ? col.get(i) : col[i];
}
