import { CommitConflictError } from '../../errors.js';
import { partitionKey } from '../partition-key.js';
import { positionDeleteMayReference } from '../scan-planner.js';
import type { DataFile } from '../spec/manifest.js';
import { isUnpartitioned, type PartitionSpec } from '../spec/partition-spec.js';
import type { CommittedChanges } from './changes-since.js';

/**
 * Invariants checked before a commit, one named function each (after Iceberg Java's
 * MergingSnapshotProducer validations). The name of the failing check is the explanation.
 */
interface ConflictContext {
  readonly table: string;
  readonly startSnapshotId: bigint | undefined;
  readonly currentSnapshotId: bigint | undefined;
}

function conflict(ctx: ConflictContext, rule: string, detail: string): never {
  throw new CommitConflictError(`commit to ${ctx.table} conflicts (${rule}): ${detail}`, ctx.table, ctx.startSnapshotId, ctx.currentSnapshotId, {
    rule,
  });
}

/** Files this operation removes must not have been removed by a concurrent commit. */
export function assertNotRemovedConcurrently(paths: ReadonlySet<string>, since: CommittedChanges, ctx: ConflictContext): void {
  for (const f of since.removedFiles) {
    if (paths.has(f.filePath)) conflict(ctx, 'assertNotRemovedConcurrently', `${f.filePath} was removed by a concurrent commit`);
  }
}

/** Data files that this operation's position deletes reference must still be live. */
export function assertReferencedDataFilesLive(paths: ReadonlySet<string>, since: CommittedChanges, ctx: ConflictContext): void {
  for (const f of since.removedFiles) {
    if (f.content === 'data' && paths.has(f.filePath)) {
      conflict(ctx, 'assertReferencedDataFilesLive', `position deletes reference ${f.filePath}, which a concurrent commit removed`);
    }
  }
}

/**
 * Spec "Scan Planning": no delete file committed concurrently may apply to a data file this
 * operation rewrites, or the delete would be lost with the old file. Equality deletes are
 * harmless when the rewrite keeps the old data sequence number (they still apply to the new
 * file), so they can be ignored then.
 */
export function assertNoNewDeletesFor(
  rewritten: readonly DataFile[],
  since: CommittedChanges,
  specs: ReadonlyMap<number, PartitionSpec>,
  ignoreEqualityDeletes: boolean,
  ctx: ConflictContext,
): void {
  if (since.addedDeleteFiles.length === 0 || rewritten.length === 0) return;
  const byPartition = new Map<string, DataFile[]>();
  for (const f of rewritten) {
    const k = partitionKey(f.specId, f.partition);
    const list = byPartition.get(k) ?? [];
    list.push(f);
    byPartition.set(k, list);
  }
  for (const d of since.addedDeleteFiles) {
    if (d.content === 'equality-deletes' && ignoreEqualityDeletes) continue;
    const spec = specs.get(d.specId);
    const targets = d.content === 'equality-deletes' && (!spec || isUnpartitioned(spec)) ? rewritten : byPartition.get(partitionKey(d.specId, d.partition)) ?? [];
    for (const f of targets) {
      if (d.content === 'position-deletes' && !positionDeleteMayReference(d, f.filePath)) continue;
      conflict(ctx, 'assertNoNewDeletesFor', `${d.content} file ${d.filePath} committed concurrently may apply to rewritten ${f.filePath}`);
    }
  }
}
