import { DEFAULT_DELETE_CONCURRENCY, deleteFiles } from '../../src/io/delete-files.js';
import type { DeleteFailure, FileIO } from '../../src/io/file-io.js';

export type { DeleteFailure } from '../../src/io/file-io.js';
export { DEFAULT_DELETE_CONCURRENCY } from '../../src/io/delete-files.js';

/**
 * Deletes files, in batches where the store has a batch delete (S3 DeleteObjects) and in
 * parallel otherwise. A failed delete is reported, never fatal: what stays behind is
 * unreachable and the next orphan run removes it. After `signal` aborts, the rest are
 * reported as not deleted.
 */
export function deleteAll(io: FileIO, locations: readonly string[], concurrency = DEFAULT_DELETE_CONCURRENCY, signal?: AbortSignal): Promise<DeleteFailure[]> {
  return deleteFiles(io, locations, { concurrency, ...(signal ? { signal } : {}) });
}
