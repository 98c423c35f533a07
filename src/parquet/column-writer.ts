/**
 * Encodes one buffered leaf column into a column chunk: data pages v1 (levels RLE-hybrid,
 * values PLAIN), each compressed on its own, plus the chunk's statistics.
 */
import type { PrimitiveValue } from '../iceberg/spec/values.js';
import type { ColumnBuffer } from './column-buffer.js';
import type { CompressFn } from './compression.js';
import { bitWidth, encodeLevels } from './encoding.js';
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

export function encodeChunk(col: ColumnBuffer, compress: CompressFn, opts: PageOptions): EncodedChunk {
  const { leaf, defs, reps, n, values } = col;
  const parts: Uint8Array[] = [];
  let compressedSize = 0, uncompressedSize = 0;
  const defW = bitWidth(leaf.maxDef);
  const repW = bitWidth(leaf.maxRep);
  const fixedWidth = values.width;
  const dict = values.dictionary();
  let idxW = 0;
  if (dict) {
    const raw = dict.page;
    const compressed = compress(raw);
    const header = new ThriftWriter()
      .i32(1, 2) // DICTIONARY_PAGE
      .i32(2, raw.length)
      .i32(3, compressed.length)
      .struct(7)
      .i32(1, dict.size)
      .i32(2, ENC_PLAIN)
      .end()
      .finish();
    parts.push(header.slice(), compressed);
    compressedSize += header.length + compressed.length;
    uncompressedSize += header.length + raw.length;
    idxW = Math.max(1, bitWidth(dict.size - 1));
  }
  const dataPageOffset = compressedSize;
  const encodeValues = (v0: number, v1: number): Uint8Array => {
    if (!dict) return values.encode(v0, v1);
    const rle = encodeLevels(dict.indices, v0, v1, idxW, false);
    const out = new Uint8Array(rle.length + 1);
    out[0] = idxW;
    out.set(rle, 1);
    return out;
  };
  let e = 0, v = 0;
  while (e < n) {
    const e0 = e, v0 = v;
    let bytes = 0;
    if (!defs && !reps && fixedWidth !== undefined) {
      // Flat required fixed-width column: pages by count.
      const per = Math.max(1, Math.min(opts.pageRowLimit, Math.floor(opts.pageSizeBytes / fixedWidth)));
      e = Math.min(n, e + per);
      v = e;
    } else {
      const maxDef = leaf.maxDef;
      while (e < n) {
        if (!defs || defs[e] === maxDef) {
          bytes += fixedWidth ?? values.widthOf(v);
          v++;
        }
        e++;
        if ((bytes >= opts.pageSizeBytes || e - e0 >= opts.pageRowLimit) && (!reps || e === n || reps[e] === 0)) break;
      }
    }
    const body: Uint8Array[] = [];
    if (reps) body.push(encodeLevels(reps, e0, e, repW));
    if (defs) body.push(encodeLevels(defs, e0, e, defW));
    body.push(encodeValues(v0, v));
    let size = 0;
    for (const b of body) size += b.length;
    const raw = concat(body, size);
    const compressed = compress(raw);
    const header = new ThriftWriter()
      .i32(1, 0) // DATA_PAGE
      .i32(2, raw.length)
      .i32(3, compressed.length)
      .struct(5)
      .i32(1, e - e0)
      .i32(2, dict ? ENC_RLE_DICTIONARY : ENC_PLAIN)
      .i32(3, ENC_RLE)
      .i32(4, ENC_RLE)
      .end()
      .finish();
    parts.push(header.slice(), compressed);
    compressedSize += header.length + compressed.length;
    uncompressedSize += header.length + raw.length;
  }
  const s = values.stats();
  const minBytes = s.min !== undefined ? values.statBytes(s.min) : undefined;
  const maxBytes = s.max !== undefined ? values.statBytes(s.max) : undefined;
  return {
    parts, compressedSize, uncompressedSize, numValues: n, nullCount: col.nulls, nanCount: s.nanCount, dataPageOffset, dictionary: dict !== undefined,
    ...(s.min !== undefined ? { min: s.min } : {}),
    ...(s.max !== undefined ? { max: s.max } : {}),
    ...(minBytes && maxBytes ? { minBytes, maxBytes } : {}),
  };
}

