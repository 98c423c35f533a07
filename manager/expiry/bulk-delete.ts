import { mapBounded } from '../../src/concurrency/map-bounded.js';
import type { FileIO } from '../../src/io/file-io.js';

export interface DeleteFailure {
  readonly location: string;
  readonly error: string;
}

/** Default number of deletes in flight: object stores are latency bound. */
export const DEFAULT_DELETE_CONCURRENCY = 16;

/**
 * Deletes files in parallel. A failed delete is reported, never fatal: what stays behind is
 * unreachable and the next orphan run removes it. After `signal` aborts, the rest are
 * reported as not deleted.
 */
export async function deleteAll(io: FileIO, locations: readonly string[], concurrency = DEFAULT_DELETE_CONCURRENCY, signal?: AbortSignal): Promise<DeleteFailure[]> {
  const failures: DeleteFailure[] = [];
  await mapBounded(locations, concurrency, async (location) => {
    if (signal?.aborted) {
      failures.push({ location, error: 'aborted' });
      return;
    }
    try {
      await io.delete(location);
    } catch (err) {
      failures.push({ location, error: err instanceof Error ? err.message : String(err) });
    }
  });
  return failures;
}
