import { mapBounded } from '../concurrency/map-bounded.js';
import type { DeleteFailure, FileIO } from './file-io.js';

/** Deletes in flight when a store has no batch delete: object stores are latency bound. */
export const DEFAULT_DELETE_CONCURRENCY = 16;

export interface DeleteFilesOptions {
  /** Per-file deletes in flight when the FileIO has no `deleteMany` (default 16). */
  readonly concurrency?: number;
  /** Locations per `deleteMany` call; the signal is checked between calls (default 1000). */
  readonly batchSize?: number;
  /** After it aborts, the rest are reported as not deleted. */
  readonly signal?: AbortSignal;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** One `delete` per file, in parallel; failures are collected, never thrown. */
export async function deleteEach(io: FileIO, locations: readonly string[], o: DeleteFilesOptions = {}): Promise<DeleteFailure[]> {
  const failures: DeleteFailure[] = [];
  await mapBounded(locations, o.concurrency ?? DEFAULT_DELETE_CONCURRENCY, async (location) => {
    if (o.signal?.aborted) {
      failures.push({ location, error: 'aborted' });
      return;
    }
    try {
      await io.delete(location);
    } catch (err) {
      failures.push({ location, error: message(err) });
    }
  });
  return failures;
}

/**
 * Deletes many files: through the store's batch delete when the FileIO has one (S3
 * DeleteObjects), else one delete per file. A failed delete is reported, never fatal.
 */
export async function deleteFiles(io: FileIO, locations: readonly string[], o: DeleteFilesOptions = {}): Promise<DeleteFailure[]> {
  if (!io.deleteMany) return deleteEach(io, locations, o);
  const batch = o.batchSize ?? 1000;
  const failures: DeleteFailure[] = [];
  for (let i = 0; i < locations.length; i += batch) {
    const part = locations.slice(i, i + batch);
    if (o.signal?.aborted) {
      failures.push(...part.map((location) => ({ location, error: 'aborted' })));
      continue;
    }
    try {
      failures.push(...(await io.deleteMany(part)));
    } catch (err) {
      failures.push(...part.map((location) => ({ location, error: message(err) })));
    }
  }
  return failures;
}
