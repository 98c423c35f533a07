import { BytesFileIO } from '../../io/bytes-file-io.js';
import type { MaskedColumns } from '../../parquet/index.js';
import type { Schema } from '../spec/schema.js';
import { maskedBatches } from './columnar-task-reads.js';

/** A small data file already read, with what its decoding needs from the scan task. */
export interface DecodeFileRequest {
  readonly location: string;
  readonly bytes: Uint8Array;
  /** Position-deleted rows, sorted. */
  readonly deleted: Float64Array;
  /** Field id -> value for columns missing from the file (identity partition values). */
  readonly constants: Map<number, unknown>;
}

/**
 * Decodes a file held in memory into columnar batches with keep-masks (position deletes
 * cleared), appending them to `out`; returns how many. The same on a decoder worker and on
 * the thread that hands files to them.
 */
export async function decodeFileBytes(f: DecodeFileRequest, schema: Schema, packed: boolean, out: MaskedColumns[]): Promise<number> {
  const io = new BytesFileIO();
  io.put(f.location, f.bytes);
  let n = 0;
  for await (const b of maskedBatches(io, f.location, schema, f.deleted, f.constants, packed)) {
    out.push(b);
    n++;
  }
  return n;
}
