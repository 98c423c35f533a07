import { mapBounded } from '../../concurrency/map-bounded.js';
import { ValidationError } from '../../errors.js';
import { ancestorIds, withoutSnapshots } from '../metadata-updates.js';
import { readManifestEntries, snapshotManifests } from '../snapshot-files.js';
import type { ManifestFile } from '../spec/manifest-list.js';
import type { Snapshot } from '../spec/snapshot.js';
import type { TableMetadata } from '../spec/table-metadata.js';
import type { TableOperations, TableState } from '../table-operations.js';
import { commitWithRetry } from './commit-loop.js';
import { MetadataUpdate } from './metadata-update.js';

/** Files that no retained snapshot reaches any more, by kind. */
export interface UnreachableFiles {
  readonly manifestLists: string[];
  readonly manifests: string[];
  readonly dataFiles: string[];
  readonly deleteFiles: string[];
  readonly statisticsFiles: string[];
}

export interface ExpireResult {
  readonly state: TableState;
  readonly expiredSnapshotIds: bigint[];
  readonly unreachable: UnreachableFiles;
}

/**
 * Snapshot expiry (Iceberg Java ExpireSnapshots): removes snapshots older than a cutoff,
 * keeping the newest `retainLast` ancestors of every branch, every branch and tag head, and
 * any snapshot the caller pins (a pipeline's resume point). After the commit it computes
 * which manifest lists, manifests, data and delete files no retained snapshot reaches —
 * a file named by any entry of any retained manifest stays.
 */
export class ExpireSnapshots extends MetadataUpdate {
  private olderThanMs: number | undefined;
  private retainLastN = 1;
  private readonly explicit = new Set<bigint>();
  private readonly pinned = new Set<bigint>();

  expireOlderThan(timestampMs: number): this {
    this.olderThanMs = timestampMs;
    return this;
  }

  retainLast(n: number): this {
    if (!Number.isInteger(n) || n < 1) throw new ValidationError(`retainLast must be >= 1, got ${n}`);
    this.retainLastN = n;
    return this;
  }

  expireSnapshotId(id: bigint): this {
    this.explicit.add(id);
    return this;
  }

  /** Never expire this snapshot (e.g. the newest snapshot a live pipeline resumes from). */
  keep(id: bigint): this {
    this.pinned.add(id);
    return this;
  }

  /** Snapshot ids this update would remove from `md`. */
  toExpire(md: TableMetadata): Set<bigint> {
    const retained = new Set<bigint>(this.pinned);
    for (const [, ref] of Object.entries(md.refs)) {
      retained.add(ref.snapshotId);
      if (ref.type === 'branch') {
        const keepN = Math.max(this.retainLastN, ref.minSnapshotsToKeep ?? 1);
        for (const id of ancestorIds(md, ref.snapshotId).slice(0, keepN)) retained.add(id);
      }
    }
    if (md.currentSnapshotId !== undefined) retained.add(md.currentSnapshotId);
    const out = new Set<bigint>();
    for (const s of md.snapshots) {
      if (retained.has(s.snapshotId)) {
        if (this.explicit.has(s.snapshotId)) {
          throw new ValidationError(`cannot expire snapshot ${s.snapshotId} of ${this.ops.name}: it is a ref head, retained or pinned`, { snapshotId: s.snapshotId });
        }
        continue;
      }
      if (this.explicit.has(s.snapshotId) || (this.olderThanMs !== undefined && s.timestampMs < this.olderThanMs)) out.add(s.snapshotId);
    }
    return out;
  }

  protected applyTo(md: TableMetadata): TableMetadata {
    return withoutSnapshots(md, this.toExpire(md));
  }

  async expire(): Promise<ExpireResult> {
    const before = await this.ops.refresh();
    const state = await commitWithRetry(this.ops, this, before);
    const kept = new Set(state.metadata.snapshots.map((s) => s.snapshotId));
    // Use the union of what was known before and after: a snapshot committed concurrently is in `state`.
    const all = new Map<bigint, Snapshot>();
    for (const s of [...before.metadata.snapshots, ...state.metadata.snapshots]) all.set(s.snapshotId, s);
    const expired = [...all.values()].filter((s) => !kept.has(s.snapshotId));
    const unreachable = await unreachableFiles(this.ops, state.metadata, expired, before.metadata);
    return { state, expiredSnapshotIds: expired.map((s) => s.snapshotId), unreachable };
  }
}

async function unreachableFiles(ops: TableOperations, retainedMd: TableMetadata, expired: readonly Snapshot[], oldMd: TableMetadata): Promise<UnreachableFiles> {
  const io = ops.io;
  const empty: UnreachableFiles = { manifestLists: [], manifests: [], dataFiles: [], deleteFiles: [], statisticsFiles: [] };
  if (expired.length === 0) return empty;
  const manifestsOf = (md: TableMetadata, snaps: readonly Snapshot[]) => mapBounded(snaps, 8, (s) => snapshotManifests(io, md, s));
  const retainedManifests = new Map<string, ManifestFile>();
  for (const list of await manifestsOf(retainedMd, retainedMd.snapshots)) for (const m of list) retainedManifests.set(m.manifestPath, m);
  const expiredManifests = new Map<string, ManifestFile>();
  for (const list of await manifestsOf(oldMd, expired)) for (const m of list) if (!retainedManifests.has(m.manifestPath)) expiredManifests.set(m.manifestPath, m);
  const retainedFiles = new Set<string>();
  for (const e of await readManifestEntries(io, retainedMd, [...retainedManifests.values()])) retainedFiles.add(e.dataFile.filePath);
  const dataFiles = new Set<string>();
  const deleteFiles = new Set<string>();
  for (const e of await readManifestEntries(io, oldMd, [...expiredManifests.values()])) {
    if (retainedFiles.has(e.dataFile.filePath)) continue;
    (e.dataFile.content === 'data' ? dataFiles : deleteFiles).add(e.dataFile.filePath);
  }
  const retainedLists = new Set(retainedMd.snapshots.map((s) => s.manifestList));
  const retainedStats = new Set([...retainedMd.statistics, ...retainedMd.partitionStatistics].map((s) => s.statisticsPath));
  const expiredIds = new Set(expired.map((s) => s.snapshotId));
  const stats = [...oldMd.statistics, ...oldMd.partitionStatistics]
    .filter((s) => expiredIds.has(s.snapshotId) && !retainedStats.has(s.statisticsPath))
    .map((s) => s.statisticsPath);
  return {
    manifestLists: expired.flatMap((s) => (s.manifestList && !retainedLists.has(s.manifestList) ? [s.manifestList] : [])),
    manifests: [...expiredManifests.keys()],
    dataFiles: [...dataFiles],
    deleteFiles: [...deleteFiles],
    statisticsFiles: stats,
  };
}
