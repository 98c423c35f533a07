/**
 * Worker side of off-thread encoding: receives a row group's column states in slices as the
 * writer fills it, encodes the pages each slice completes, and returns the row group's
 * chunks when the writer finishes it. See encoder-pool.ts.
 */
import { parentPort } from 'node:worker_threads';
import { ColumnBuffer, type ColumnState } from './column-buffer.js';
import { ChunkEncoder, type EncodedChunk, type PageOptions } from './column-writer.js';
import { makeCompressor, type Codec, type CompressFn } from './compression.js';
import type { LeafColumn } from './parquet-schema.js';

/** One row group being encoded: its first slice carries the settings. */
export type EncodeRequest =
  | { kind: 'append'; session: number; codec: Codec; level: number | undefined; pageOpts: PageOptions; leaves: LeafColumn[]; columns: ColumnState[] }
  | { kind: 'finish'; session: number; id: number }
  | { kind: 'drop'; session: number };

export type EncodeResponse = { id: number; chunks: EncodedChunk[] } | { id: number; error: string };

const compressors = new Map<string, CompressFn>();
/** Per row group: its column encoders, or the error an append hit (reported at finish). */
const sessions = new Map<number, ChunkEncoder[] | { error: string }>();

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

function append(req: Extract<EncodeRequest, { kind: 'append' }>): void {
  let s = sessions.get(req.session);
  if (s && !Array.isArray(s)) return;
  try {
    if (!s) {
      const key = `${req.codec}:${req.level ?? ''}`;
      let compress = compressors.get(key);
      if (!compress) {
        compress = makeCompressor(req.codec, req.level);
        compressors.set(key, compress);
      }
      const c = compress;
      s = req.leaves.map((leaf) => new ChunkEncoder(leaf, c, req.pageOpts));
      sessions.set(req.session, s);
    }
    const enc = s;
    req.columns.forEach((st, i) => enc[i]!.append(ColumnBuffer.restore(req.leaves[i]!, st)));
  } catch (err) {
    sessions.set(req.session, { error: describe(err) });
  }
}

parentPort?.on('message', (req: EncodeRequest) => {
  if (req.kind === 'append') return append(req);
  const s = sessions.get(req.session);
  sessions.delete(req.session);
  if (req.kind === 'drop') return;
  let res: EncodeResponse;
  try {
    if (!s) throw new Error(`no slices for row group session ${req.session}`);
    if (!Array.isArray(s)) throw new Error(s.error);
    res = { id: req.id, chunks: s.map((e) => e.finish()) };
  } catch (err) {
    res = { id: req.id, error: describe(err) };
  }
  parentPort!.postMessage(res);
});
