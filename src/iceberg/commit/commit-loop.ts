import { CommitConflictError, CommitRaceError, CommitStateUnknownError } from '../../errors.js';
import type { TableMetadata } from '../spec/table-metadata.js';
import type { TableOperations, TableState } from '../table-operations.js';

/**
 * One change to a table, re-applicable to any newer base (the SnapshotProducer idea of
 * Iceberg Java). The commit loop calls validate + apply on a fresh base after every lost race.
 */
export interface PendingUpdate {
  /**
   * Checks the change against what was committed between `start` (when the operation began)
   * and `base`. Throws CommitConflictError when a named invariant fails; never retried.
   */
  validate(base: TableState, start: TableState): Promise<void>;
  /** The new metadata: `base` plus this change. May write manifest files. */
  apply(base: TableState, attempt: number): Promise<TableMetadata>;
  /**
   * Called once at the end; `committed` is the new state, or undefined when the commit failed.
   * Not called when the outcome is unknown (CommitStateUnknownError): the files may be live.
   */
  cleanup?(committed: TableState | undefined): Promise<void>;
}

export interface RetryPolicy {
  readonly numRetries: number;
  readonly minWaitMs: number;
  readonly maxWaitMs: number;
  readonly totalTimeoutMs: number;
}

/** Table properties `commit.retry.*`, with Iceberg Java's defaults. */
export function retryPolicyFromProperties(props: Readonly<Record<string, string>>): RetryPolicy {
  const num = (k: string, d: number) => {
    const v = Number(props[k]);
    return Number.isFinite(v) && v >= 0 ? v : d;
  };
  return {
    numRetries: num('commit.retry.num-retries', 4),
    minWaitMs: num('commit.retry.min-wait-ms', 100),
    maxWaitMs: num('commit.retry.max-wait-ms', 60_000),
    totalTimeoutMs: num('commit.retry.total-timeout-ms', 1_800_000),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Reload, validate, apply, compare-and-swap; on a lost race back off (exponential with
 * jitter) and go again. A failed validation is final. Exhausting the retry budget raises
 * CommitConflictError naming the snapshot the operation started from and the one it found.
 * A CommitStateUnknownError is final too, and leaves every file the operation wrote in place.
 */
export async function commitWithRetry(ops: TableOperations, update: PendingUpdate, start: TableState): Promise<TableState> {
  const policy = retryPolicyFromProperties(start.metadata.properties);
  const began = Date.now();
  let base = start;
  let committed: TableState | undefined;
  let outcomeUnknown = false;
  try {
    for (let attempt = 0; ; attempt++) {
      await update.validate(base, start);
      const next = await update.apply(base, attempt);
      try {
        committed = await ops.commit(base, next);
        return committed;
      } catch (err) {
        if (err instanceof CommitStateUnknownError) outcomeUnknown = true;
        if (!(err instanceof CommitRaceError)) throw err;
        const elapsed = Date.now() - began;
        if (attempt >= policy.numRetries || elapsed >= policy.totalTimeoutMs) {
          const found = (await ops.refresh()).metadata.currentSnapshotId;
          throw new CommitConflictError(
            `commit to ${ops.name} lost ${attempt + 1} races in ${elapsed} ms (commit.retry.num-retries=${policy.numRetries}): ` +
              `started from snapshot ${start.metadata.currentSnapshotId ?? 'none'}, table is now at ${found ?? 'none'}`,
            ops.name,
            start.metadata.currentSnapshotId,
            found,
          );
        }
        const wait = Math.min(policy.maxWaitMs, policy.minWaitMs * 2 ** attempt);
        await sleep(wait / 2 + Math.random() * (wait / 2));
        base = await ops.refresh();
      }
    }
  } finally {
    if (!outcomeUnknown) await update.cleanup?.(committed);
  }
}
