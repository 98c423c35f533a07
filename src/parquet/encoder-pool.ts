/**
 * One shared worker thread that encodes row groups for every writer that asks for it
 * (`encodeInWorker`).
 */
import { Worker } from 'node:worker_threads';
import { workerScript } from '../concurrency/worker-script.js';
import { IcetideError } from '../errors.js';
import { transferables, type ColumnState } from './column-buffer.js';
import type { EncodedChunk } from './column-writer.js';
import type { EncodeRequest, EncodeResponse } from './encode-worker.js';

let worker: Worker | undefined;
let nextId = 0;
const waiting = new Map<number, { resolve: (c: EncodedChunk[]) => void; reject: (e: Error) => void }>();

function failAll(err: Error): void {
  for (const w of waiting.values()) w.reject(err);
  waiting.clear();
  worker = undefined;
}

function getWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(workerScript(import.meta.url, 'encode-worker'), { eval: true });
  w.on('message', (res: EncodeResponse) => {
    const p = waiting.get(res.id);
    if (!p) return;
    waiting.delete(res.id);
    if (waiting.size === 0) w.unref();
    if ('error' in res) p.reject(new IcetideError(`parquet encoder worker: ${res.error}`));
    else p.resolve(res.chunks);
  });
  w.on('error', (err) => failAll(err instanceof Error ? err : new Error(String(err))));
  w.on('exit', (code) => {
    if (waiting.size) failAll(new IcetideError(`parquet encoder worker exited with code ${code}`));
    worker = undefined;
  });
  w.unref();
  worker = w;
  return w;
}

let nextSession = 0;

/**
 * A row group encoded on the worker while it is filled: `append` hands over slices (whole
 * rows; the states' buffers are transferred), `finish` returns the chunks, `drop` discards.
 */
export class OffThreadRowGroup {
  private readonly session = nextSession++;
  constructor(private readonly settings: Pick<Extract<EncodeRequest, { kind: 'append' }>, 'codec' | 'level' | 'pageOpts' | 'leaves'>) {}

  append(columns: ColumnState[]): void {
    const transfer = columns.flatMap((c) => transferables(c));
    getWorker().postMessage({ kind: 'append', session: this.session, ...this.settings, columns } satisfies EncodeRequest, transfer);
  }

  finish(): Promise<EncodedChunk[]> {
    const w = getWorker();
    const id = nextId++;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      w.ref();
      w.postMessage({ kind: 'finish', session: this.session, id } satisfies EncodeRequest);
    });
  }

  drop(): void {
    worker?.postMessage({ kind: 'drop', session: this.session } satisfies EncodeRequest);
  }
}
