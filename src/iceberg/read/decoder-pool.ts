/**
 * Worker threads that decode small data files (decode-worker.ts), shared by the process:
 * compaction reads thousands of small files, and decoding them (footer, pages, zstd) is most
 * of its work; on the main thread it is serial. The main thread reads the bytes (any FileIO)
 * and hands them over; a worker returns the file's batches with keep-masks, packed into one
 * transferred buffer (batch-transfer.ts). Idle workers do not keep the process alive.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { workerScript } from '../../concurrency/worker-script.js';
import { IcetideError, InvalidDataFileError, InvalidMetadataError, NotFoundError, UnsupportedError, ValidationError, type ErrorContext } from '../../errors.js';
import { unpackBatches, type MaskedColumns } from '../../parquet/index.js';
import type { DecodeRequest, DecodeResponse } from './decode-worker.js';
import type { DecodeFileRequest } from './file-bytes-decoding.js';

/** Decode workers by default: one per core beyond the main thread's, at least one, at most 8. */
export function defaultDecodeWorkers(): number {
  return Math.max(1, Math.min(8, os.availableParallelism() - 1));
}

interface Pending {
  readonly resolve: (files: MaskedColumns[][]) => void;
  readonly reject: (err: Error) => void;
}

interface WorkerState {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
}

const ERRORS: Record<string, new (message: string, context: ErrorContext) => IcetideError> = {
  InvalidDataFileError, InvalidMetadataError, NotFoundError, UnsupportedError, ValidationError,
};

/** The worker's error on this thread, with its class (the ones data file reads throw) and context. */
function rebuild(e: Extract<DecodeResponse, { error: unknown }>['error']): Error {
  const Cls = ERRORS[e.name] ?? IcetideError;
  return new Cls(e.message, { ...(e.context as ErrorContext), ...(e.location ? { location: e.location } : {}) });
}

/** A byte array the caller may transfer: the whole of its own ArrayBuffer (else a copy). */
function transferable(b: Uint8Array): Uint8Array {
  return b.buffer instanceof ArrayBuffer && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : b.slice();
}

export class DecoderPool {
  private static sharedPool: DecoderPool | undefined;
  private readonly workers: WorkerState[] = [];
  private nextId = 0;

  private constructor(private size: number) {}

  /** The process's pool, grown to at least `size` workers. */
  static shared(size: number = defaultDecodeWorkers()): DecoderPool {
    const p = (DecoderPool.sharedPool ??= new DecoderPool(size));
    p.size = Math.max(p.size, size);
    return p;
  }

  get workerCount(): number {
    return this.size;
  }

  /**
   * Decodes the files (their `bytes` are transferred: the caller must not use them after)
   * with `schema` (Iceberg schema JSON text) projected; returns each file's batches in order.
   */
  decode(schema: string, files: readonly DecodeFileRequest[], packed = true): Promise<MaskedColumns[][]> {
    const state = this.pick();
    const id = this.nextId++;
    const sent = files.map((f) => ({ ...f, bytes: transferable(f.bytes) }));
    // a FileIO that hands out the same array twice must not list its buffer twice
    const transfer = [...new Set(sent.map((f) => f.bytes.buffer as ArrayBuffer))];
    return new Promise((resolve, reject) => {
      try {
        state.worker.postMessage({ id, schema, packed, files: sent } satisfies DecodeRequest, transfer);
      } catch (err) {
        // not sent (a value that cannot be cloned): nothing is pending
        reject(IcetideError.wrap(err, `handing ${files.map((f) => f.location).join(', ')} to a decoder worker`));
        return;
      }
      state.pending.set(id, { resolve, reject });
      state.worker.ref();
    });
  }

  /** The worker with the fewest requests in flight (started while below size). */
  private pick(): WorkerState {
    let best: WorkerState | undefined;
    for (const w of this.workers) if (!best || w.pending.size < best.pending.size) best = w;
    if (best && (best.pending.size === 0 || this.workers.length >= this.size)) return best;
    return this.start();
  }

  private start(): WorkerState {
    const worker = new Worker(workerScript(import.meta.url, 'decode-worker'), { eval: true });
    const state: WorkerState = { worker, pending: new Map() };
    const fail = (err: Error) => {
      const i = this.workers.indexOf(state);
      if (i >= 0) this.workers.splice(i, 1);
      for (const p of state.pending.values()) p.reject(err);
      state.pending.clear();
    };
    worker.on('message', (res: DecodeResponse) => {
      const p = state.pending.get(res.id);
      if (!p) return;
      state.pending.delete(res.id);
      if (state.pending.size === 0) worker.unref();
      if ('error' in res) p.reject(rebuild(res.error));
      else {
        const all = unpackBatches(res.batches);
        let i = 0;
        p.resolve(res.counts.map((n) => all.slice(i, (i += n))));
      }
    });
    worker.on('error', (err) => fail(IcetideError.wrap(err, 'data file decoder worker')));
    worker.on('exit', (code) => fail(new IcetideError(`data file decoder worker exited with code ${code}`)));
    worker.unref();
    this.workers.push(state);
    return state;
  }
}
