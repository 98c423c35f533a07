/**
 * Worker side of off-thread data file decoding (see decoder-pool.ts): receives small data
 * files' bytes with their deleted positions, decodes them into columnar batches with
 * keep-masks, and hands them back packed into one transferred buffer per request.
 */
import { parentPort } from 'node:worker_threads';
import { packBatches, type MaskedColumns, type PackedBatches } from '../../parquet/index.js';
import { parseJson } from '../spec/lossless-json.js';
import { schemaFromJson } from '../spec/schema-json.js';
import type { Schema } from '../spec/schema.js';
import { decodeFileBytes, type DecodeFileRequest } from './file-bytes-decoding.js';

export interface DecodeRequest {
  readonly id: number;
  /** The projection as Iceberg schema JSON (parsed once per distinct text). */
  readonly schema: string;
  readonly packed: boolean;
  readonly files: readonly DecodeFileRequest[];
}

export type DecodeResponse =
  /** Every file's batches in one packed buffer; `counts[i]`: how many are file i's. */
  | { readonly id: number; readonly batches: PackedBatches; readonly counts: readonly number[] }
  | { readonly id: number; readonly error: { name: string; message: string; context: Record<string, unknown>; location: string } };

const schemas = new Map<string, Schema>();

function schemaOf(text: string): Schema {
  let s = schemas.get(text);
  if (!s) {
    s = schemaFromJson(parseJson(text, 'decode request schema'), 'schema');
    schemas.set(text, s);
  }
  return s;
}

async function handle(req: DecodeRequest): Promise<void> {
  let at = '';
  try {
    const schema = schemaOf(req.schema);
    const batches: MaskedColumns[] = [];
    const counts: number[] = [];
    for (const f of req.files) {
      at = f.location;
      counts.push(await decodeFileBytes(f, schema, req.packed, batches));
    }
    const packed = packBatches(batches);
    parentPort!.postMessage({ id: req.id, batches: packed, counts } satisfies DecodeResponse, [packed.buffer]);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const context = (e as { context?: Record<string, unknown> }).context ?? {};
    parentPort!.postMessage({ id: req.id, error: { name: e.name, message: e.message, context, location: at } } satisfies DecodeResponse);
  }
}

// One request at a time, in arrival order (each is decoded synchronously from memory anyway).
let queue = Promise.resolve();
parentPort?.on('message', (req: DecodeRequest) => {
  queue = queue.then(() => handle(req));
});
