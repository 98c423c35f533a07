/**
 * A page of snapshot rows in columnar form, as a reader worker fills it and hands it to the
 * main thread: typed arrays and packed bytes that move between threads by transfer (no copy,
 * no per-value cloning), plus a generic array for the rare types without a typed form.
 *
 * Values are Iceberg values (src/iceberg/spec/values.ts): int/date in Int32Array; long,
 * timestamp(tz), time and decimal(P <= 18) (unscaled) in BigInt64Array; float/double in
 * Float32Array/Float64Array; strings as UTF-8 and binary as bytes, each packed into one buffer
 * with offsets; anything else as its value in `values`. `nulls[i] = 1` marks a null.
 */

export type WireColumn =
  | { readonly kind: 'i32'; readonly values: Int32Array; readonly nulls?: Uint8Array }
  | { readonly kind: 'i64'; readonly values: BigInt64Array; readonly nulls?: Uint8Array }
  | { readonly kind: 'f32'; readonly values: Float32Array; readonly nulls?: Uint8Array }
  | { readonly kind: 'f64'; readonly values: Float64Array; readonly nulls?: Uint8Array }
  /** Value i is bytes[offsets[i], offsets[i + 1]). */
  | { readonly kind: 'utf8' | 'bytes'; readonly bytes: Uint8Array; readonly offsets: Int32Array; readonly nulls?: Uint8Array }
  | { readonly kind: 'values'; readonly values: unknown[] };

export type WireKind = WireColumn['kind'];

/** The buffers of a page's columns, for postMessage's transfer list. */
export function transferList(columns: readonly WireColumn[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const add = (a: ArrayBufferView | undefined): void => {
    if (a && a.buffer instanceof ArrayBuffer) out.add(a.buffer);
  };
  for (const c of columns) {
    if (c.kind === 'values') continue;
    if (c.kind === 'utf8' || c.kind === 'bytes') {
      add(c.bytes);
      add(c.offsets);
    } else add((c as { values: ArrayBufferView }).values);
    add(c.nulls);
  }
  return [...out];
}

/** Fills one column of a page of at most `capacity` rows. */
export abstract class ColumnBuilder {
  protected nulls: Uint8Array | undefined;
  constructor(protected readonly capacity: number) {}

  setNull(row: number): void {
    (this.nulls ??= new Uint8Array(this.capacity))[row] = 1;
    this.skip(row);
  }

  /** Called for a null row: keeps offsets of packed columns in step. */
  protected skip(_row: number): void {}

  /** The first `rows` values; the builder starts a new page. */
  abstract finish(rows: number): WireColumn;

  protected takeNulls(rows: number): Uint8Array | undefined {
    const n = this.nulls;
    this.nulls = undefined;
    return n ? n.slice(0, rows) : undefined;
  }
}

export class Int32Builder extends ColumnBuilder {
  values = new Int32Array(this.capacity);
  finish(rows: number): WireColumn {
    const values = this.values.slice(0, rows);
    this.values = new Int32Array(this.capacity);
    const nulls = this.takeNulls(rows);
    return { kind: 'i32', values, ...(nulls ? { nulls } : {}) };
  }
}

/**
 * int64 values; `words` views the same memory as 32-bit words so safe-integer doubles are
 * stored without a BigInt each (little-endian platforms; see text-values.ts setInt64).
 */
export class Int64Builder extends ColumnBuilder {
  values = new BigInt64Array(this.capacity);
  words = new Int32Array(this.values.buffer);
  finish(rows: number): WireColumn {
    const values = this.values.slice(0, rows);
    this.values = new BigInt64Array(this.capacity);
    this.words = new Int32Array(this.values.buffer);
    const nulls = this.takeNulls(rows);
    return { kind: 'i64', values, ...(nulls ? { nulls } : {}) };
  }
}

export class Float64Builder extends ColumnBuilder {
  values = new Float64Array(this.capacity);
  constructor(capacity: number, private readonly single: boolean) {
    super(capacity);
  }
  finish(rows: number): WireColumn {
    const nulls = this.takeNulls(rows);
    const n = nulls ? { nulls } : {};
    const out: WireColumn = this.single ? { kind: 'f32', values: Float32Array.from(this.values.subarray(0, rows)), ...n } : { kind: 'f64', values: this.values.slice(0, rows), ...n };
    this.values = new Float64Array(this.capacity);
    return out;
  }
}

/** Variable-length values packed into one growing buffer (UTF-8 text or binary). */
export class PackedBuilder extends ColumnBuilder {
  private bytes: Uint8Array = new Uint8Array(64 * 1024);
  private offsets = new Int32Array(this.capacity + 1);
  private used = 0;

  constructor(capacity: number, private readonly kind: 'utf8' | 'bytes') {
    super(capacity);
  }

  put(row: number, src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (this.used + n > this.bytes.length) {
      let size = this.bytes.length * 2;
      while (size < this.used + n) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
    }
    if (n < 64) for (let i = 0; i < n; i++) this.bytes[this.used + i] = src[start + i]!;
    else this.bytes.set(src.subarray(start, end), this.used);
    this.used += n;
    this.offsets[row + 1] = this.used;
  }

  protected override skip(row: number): void {
    this.offsets[row + 1] = this.used;
  }

  /** Row `row` of the page being filled as bytes[start, end) of `buffer`, or null for a null. */
  peek<T>(row: number, f: (buffer: Buffer, start: number, end: number) => T): T | null {
    if (this.nulls?.[row]) return null;
    return f(Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength), this.offsets[row]!, this.offsets[row + 1]!);
  }

  finish(rows: number): WireColumn {
    const nulls = this.takeNulls(rows);
    const out: WireColumn = { kind: this.kind, bytes: this.bytes.slice(0, this.used), offsets: this.offsets.slice(0, rows + 1), ...(nulls ? { nulls } : {}) };
    this.offsets = new Int32Array(this.capacity + 1);
    this.used = 0;
    return out;
  }
}

/** Any Iceberg value (rare types: TIME, declared overrides, decimals beyond 18 digits). */
export class ValuesBuilder extends ColumnBuilder {
  values: unknown[] = [];
  override setNull(row: number): void {
    this.values[row] = null;
  }
  finish(rows: number): WireColumn {
    const values = this.values.length === rows ? this.values : this.values.slice(0, rows);
    this.values = [];
    return { kind: 'values', values };
  }
}
