import { CommitConflictError } from '../../errors.js';
import type { FileIO } from '../../io/file-io.js';
import { ancestorIds } from '../metadata-updates.js';
import { readManifestEntries, snapshotManifests } from '../snapshot-files.js';
import type { DataFile } from '../spec/manifest.js';
import type { Snapshot } from '../spec/snapshot.js';
import type { TableMetadata } from '../spec/table-metadata.js';

/** What other writers committed between an operation's start and the base it now applies to. */
export interface CommittedChanges {
  readonly snapshots: readonly Snapshot[];
  readonly addedDataFiles: readonly DataFile[];
  readonly addedDeleteFiles: readonly DataFile[];
  readonly removedFiles: readonly DataFile[];
}

export const NO_CHANGES: CommittedChanges = { snapshots: [], addedDataFiles: [], addedDeleteFiles: [], removedFiles: [] };

/**
 * Reads the manifests that the snapshots after `startSnapshotId` added. The start must be an
 * ancestor of the base's current snapshot; a rewritten history (rollback) is a conflict.
 */
export async function changesSince(
  io: FileIO,
  base: TableMetadata,
  startSnapshotId: bigint | undefined,
  table: string,
): Promise<CommittedChanges> {
  if (base.currentSnapshotId === startSnapshotId) return NO_CHANGES;
  const ancestors = ancestorIds(base, base.currentSnapshotId);
  const newIds: bigint[] = [];
  for (const id of ancestors) {
    if (id === startSnapshotId) break;
    newIds.push(id);
  }
  if (startSnapshotId !== undefined && newIds.length === ancestors.length) {
    throw new CommitConflictError(
      `commit to ${table}: snapshot ${startSnapshotId} the operation started from is no longer an ancestor of ${base.currentSnapshotId} (history was rolled back or expired)`,
      table,
      startSnapshotId,
      base.currentSnapshotId,
    );
  }
  const snapshots = newIds.map((id) => base.snapshots.find((s) => s.snapshotId === id)!);
  const ids = new Set(newIds);
  const addedData: DataFile[] = [];
  const addedDeletes: DataFile[] = [];
  const removed: DataFile[] = [];
  for (const snap of snapshots) {
    const manifests = (await snapshotManifests(io, base, snap)).filter((m) => m.addedSnapshotId === snap.snapshotId);
    for (const e of await readManifestEntries(io, base, manifests)) {
      if (!ids.has(e.snapshotId)) continue;
      if (e.status === 'added') (e.dataFile.content === 'data' ? addedData : addedDeletes).push(e.dataFile);
      else if (e.status === 'deleted') removed.push(e.dataFile);
    }
  }
  return { snapshots, addedDataFiles: addedData, addedDeleteFiles: addedDeletes, removedFiles: removed };
}
