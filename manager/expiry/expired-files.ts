import { mapBounded } from '../../src/concurrency/map-bounded.js';
import type { FileIO } from '../../src/io/file-io.js';
import type { TableMetadata } from '../../src/iceberg/spec/table-metadata.js';
import { addSnapshotTrees, emptyReachable, forEachEntryPath, reachableFrom } from './reachable-files.js';

/** Files that only expired snapshots reach, by kind (locations as the metadata records them). */
export interface ExpiredFiles {
  readonly manifestLists: string[];
  readonly manifests: string[];
  readonly dataFiles: string[];
  readonly deleteFiles: string[];
  readonly statisticsFiles: string[];
  readonly keyFilterCheckpoints: string[];
  /** Manifest lists of expired snapshots that were already missing (nothing deleted for them). */
  readonly missingManifestLists: string[];
  /** Bytes of every file above (content files and manifests as their metadata records them; manifest lists by size on disk). */
  readonly contentBytes: bigint;
}

export function countExpiredFiles(f: ExpiredFiles): number {
  return f.manifestLists.length + f.manifests.length + f.dataFiles.length + f.deleteFiles.length + f.statisticsFiles.length + f.keyFilterCheckpoints.length;
}

/**
 * The reachability rule of Iceberg Java's ReachableFileCleanup: a file may go only when no
 * snapshot of any `retained` metadata reaches it. `retained` is the committed metadata plus a
 * fresh read after the commit, so a snapshot committed concurrently keeps what it reaches.
 * Retained manifests are read one at a time into a set of live paths (memory: paths, not
 * entries); then only the manifests that expired snapshots alone reference are read, all of
 * their entries, so a file whose only remaining mention is the DELETED entry of the snapshot
 * that removed it goes when that snapshot goes.
 */
export async function filesOnlyExpiredReach(io: FileIO, before: TableMetadata, retained: readonly TableMetadata[]): Promise<ExpiredFiles> {
  const keep = emptyReachable();
  for (const md of retained) await reachableFrom(io, md, keep);
  const keptIds = new Set(retained.flatMap((md) => md.snapshots.map((s) => s.snapshotId)));
  const expired = before.snapshots.filter((s) => !keptIds.has(s.snapshotId));
  const gone = emptyReachable();
  await addSnapshotTrees(io, before, expired, gone, true);
  const goneManifests = [...gone.manifests].filter(([p]) => !keep.manifests.has(p));
  const dataFiles = new Set<string>();
  const deleteFiles = new Set<string>();
  const sizes = new Map<string, bigint>();
  await forEachEntryPath(io, goneManifests.map(([, v]) => v), (p, content, _live, size) => {
    if (keep.contentFiles.has(p)) return;
    (content === 'data' ? dataFiles : deleteFiles).add(p);
    sizes.set(p, size);
  }, () => true); // a manifest only expired snapshots name may be gone already (an earlier, interrupted run)
  const notKept = (set: Set<string>, kept: Set<string>) => [...set].filter((p) => !kept.has(p));
  const manifestLists = notKept(gone.manifestLists, keep.manifestLists).filter((p) => !gone.missingManifestLists.has(p));
  // Manifest list sizes are in no metadata: stat them (one per expired snapshot).
  const listBytes = await mapBounded(manifestLists, 8, async (p) => BigInt(await io.length(p).catch(() => 0)));
  return {
    manifestLists,
    manifests: goneManifests.map(([p]) => p),
    dataFiles: [...dataFiles],
    deleteFiles: [...deleteFiles],
    statisticsFiles: notKept(gone.statisticsFiles, keep.statisticsFiles),
    keyFilterCheckpoints: notKept(gone.keyFilterCheckpoints, keep.keyFilterCheckpoints),
    missingManifestLists: [...gone.missingManifestLists],
    contentBytes: [...sizes.values(), ...goneManifests.map(([, v]) => v.manifest.manifestLength), ...listBytes].reduce((a, b) => a + b, 0n),
  };
}
