/**
 * Worker side of off-thread encoding: receives a row group's column states, encodes and
 * compresses every column chunk, returns the chunks. See encoder-pool.ts.
 */
import { parentPort } from 'node:worker_threads';
import { ColumnBuffer, type ColumnState } from './column-buffer.js';
import { encodeChunk, type EncodedChunk, type PageOptions } from './column-writer.js';
import { makeCompressor, type Codec, type CompressFn } from './compression.js';
import type { LeafColumn } from './parquet-schema.js';

export interface EncodeRequest {
  id: number;
  codec: Codec;
  level: number | undefined;
  pageOpts: PageOptions;
  leaves: LeafColumn[];
  columns: ColumnState[];
}

export type EncodeResponse = { id: number; chunks: EncodedChunk[] } | { id: number; error: string };

const compressors = new Map<string, CompressFn>();

parentPort?.on('message', (req: EncodeRequest) => {
  let res: EncodeResponse;
  try {
    const key = `${req.codec}:${req.level ?? ''}`;
    let compress = compressors.get(key);
    if (!compress) {
      compress = makeCompressor(req.codec, req.level);
      compressors.set(key, compress);
    }
    const chunks = req.columns.map((st, i) => encodeChunk(ColumnBuffer.restore(req.leaves[i]!, st), compress, req.pageOpts));
    res = { id: req.id, chunks };
  } catch (err) {
    res = { id: req.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  parentPort!.postMessage(res);
});
