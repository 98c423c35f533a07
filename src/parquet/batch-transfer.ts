/**
 * Decoded columnar batches packed into one ArrayBuffer, so that a worker hands a file's
 * batches to another thread by transferring a single buffer. Structured clone of batches as
 * they are (a typed array, null mask and packed-bytes pair per column, or a layout object
 * per column, or booleans as JS arrays) costs about as much as decoding small files; here
 * the layout is a table of int32 words at the start of the same buffer, every typed column
 * one memcpy, and booleans one byte each.
 */
import { ValidationError } from '../errors.js';
import type { ColumnarBatch, ColumnData } from './column-reader.js';
import { PackedBinary, PackedBytes, PackedStrings } from './packed-bytes.js';

/** A batch with a keep-mask (1 = live row) and its count of live rows. */
export interface MaskedColumns {
  readonly batch: ColumnarBatch;
  readonly mask: Uint8Array;
  readonly kept: number;
}

/** What goes with the buffer: column names (shared by every batch) and non-typed columns. */
export interface PackedBatches {
  readonly buffer: ArrayBuffer;
  readonly names: readonly string[];
  /** Columns held as arrays of values (decimals beyond 18 digits, booleans, ...), by batch then column; structured clone. */
  readonly values: readonly (readonly (unknown[] | null)[])[];
}

const enum Kind {
  I32 = 1,
  I64,
  F32,
  F64,
  Strings,
  Binary,
  /** Booleans as bytes: 0 false, 1 true, 2 null. */
  Bool,
  Values,
}

/** Words per batch: length, kept, mask at/len; per column: kind, data at/len, offsets at/len, nulls at/len (-1 = none). */
const BATCH_WORDS = 4;
const COLUMN_WORDS = 7;

const align8 = (n: number) => (n + 7) & ~7;

type TypedColumn = Int32Array | BigInt64Array | Float32Array | Float64Array;
/** The typed-array kinds: one memcpy in, one view out. */
const TYPED: readonly (readonly [Kind, { new (buffer: ArrayBuffer, at: number, length: number): TypedColumn; readonly BYTES_PER_ELEMENT: number }])[] = [
  [Kind.I32, Int32Array],
  [Kind.I64, BigInt64Array],
  [Kind.F32, Float32Array],
  [Kind.F64, Float64Array],
];

/** A boolean column (values true/false/null) as bytes, or undefined if it holds anything else. */
function boolBytes(col: readonly unknown[]): Uint8Array | undefined {
  const out = new Uint8Array(col.length);
  for (let i = 0; i < col.length; i++) {
    const v = col[i];
    if (v === true) out[i] = 1;
    else if (v === null || v === undefined) out[i] = 2;
    else if (v !== false) return undefined;
  }
  return out;
}

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Packs batches (all with the same columns, in the same order) into one buffer; the batches are not changed. */
export function packBatches(batches: readonly MaskedColumns[]): PackedBatches {
  const names = batches.length > 0 ? Object.keys(batches[0]!.batch.columns) : [];
  const tableBytes = align8(4 * (1 + batches.length * (BATCH_WORDS + names.length * COLUMN_WORDS)));
  const parts: Uint8Array[] = [];
  const table: number[] = [batches.length];
  let size = tableBytes;
  const place = (bytes: Uint8Array | undefined): void => {
    if (!bytes) {
      table.push(-1, 0);
      return;
    }
    table.push(size, bytes.byteLength);
    parts.push(bytes);
    size += align8(bytes.byteLength);
  };
  const values = batches.map(({ batch, mask, kept }) => {
    table.push(batch.length, kept);
    place(mask);
    const keys = Object.keys(batch.columns);
    if (keys.length !== names.length || keys.some((k, i) => k !== names[i])) {
      throw new ValidationError(`batches to pack differ in columns: [${keys.join(', ')}] vs [${names.join(', ')}]`);
    }
    return names.map((name) => {
      const col = batch.columns[name]!;
      let other: unknown[] | null = null;
      if (col instanceof PackedBytes) {
        const first = col.offsets[0] ?? 0;
        const end = col.offsets[col.length] ?? 0;
        table.push(col instanceof PackedStrings ? Kind.Strings : Kind.Binary);
        place(col.bytes.subarray(first, end));
        place(bytesOf(first === 0 ? col.offsets : col.offsets.map((o) => o - first)));
      } else {
        const typed = TYPED.find(([, C]) => col instanceof C);
        const bools = !typed && Array.isArray(col) ? boolBytes(col) : undefined;
        table.push(typed ? typed[0] : bools ? Kind.Bool : Kind.Values);
        if (typed) place(bytesOf(col as TypedColumn));
        else if (bools) place(bools);
        else {
          other = col as unknown[];
          place(undefined);
        }
        place(undefined);
      }
      place(batch.nulls[name]);
      return other;
    });
  });
  const out = new Uint8Array(size);
  new Int32Array(out.buffer, 0, table.length).set(table);
  let at = tableBytes;
  for (const p of parts) {
    out.set(p, at);
    at += align8(p.byteLength);
  }
  return { buffer: out.buffer, names, values };
}

/** The batches of `packBatches`, as views into its buffer (no copy). */
export function unpackBatches({ buffer, names, values }: PackedBatches): MaskedColumns[] {
  const words = new Int32Array(buffer, 0, Math.floor(buffer.byteLength / 4));
  let w = 0;
  const region = () => {
    const at = words[w++]!, len = words[w++]!;
    return at < 0 ? undefined : { at, len };
  };
  const u8 = (r: { at: number; len: number }) => new Uint8Array(buffer, r.at, r.len);
  const count = words[w++]!;
  const out: MaskedColumns[] = [];
  for (let b = 0; b < count; b++) {
    const length = words[w++]!, kept = words[w++]!;
    const mask = u8(region()!);
    const columns: Record<string, ColumnData> = {};
    const nulls: Record<string, Uint8Array | undefined> = {};
    for (let c = 0; c < names.length; c++) {
      const name = names[c]!;
      const kind = words[w++] as Kind;
      const data = region(), offsets = region(), nm = region();
      nulls[name] = nm ? u8(nm) : undefined;
      const typed = TYPED.find(([k]) => k === kind);
      if (typed) {
        const C = typed[1];
        columns[name] = new C(buffer, data!.at, data!.len / C.BYTES_PER_ELEMENT);
        continue;
      }
      switch (kind) {
        case Kind.Strings:
        case Kind.Binary: {
          const o = new Int32Array(buffer, offsets!.at, offsets!.len / 4);
          // strings: checked when the sending thread decoded them
          columns[name] = kind === Kind.Strings ? PackedStrings.wholeValuesOf(u8(data!), o) : new PackedBinary(u8(data!), o);
          break;
        }
        case Kind.Bool: {
          const bytes = u8(data!);
          const a = new Array<boolean | null>(bytes.length);
          for (let i = 0; i < bytes.length; i++) a[i] = bytes[i] === 2 ? null : bytes[i] === 1;
          columns[name] = a;
          break;
        }
        case Kind.Values:
          columns[name] = values[b]![c]!;
          break;
        default:
          throw new ValidationError(`packed batches: unknown column kind ${kind as number}`);
      }
    }
    out.push({ batch: { length, columns, nulls }, mask, kept });
  }
  return out;
}
