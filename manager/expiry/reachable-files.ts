import { mapBounded } from '../../src/concurrency/map-bounded.js';
import { NotFoundError } from '../../src/errors.js';
import type { FileIO } from '../../src/io/file-io.js';
import { MANIFEST_READ_CONCURRENCY, readManifestEntries, snapshotManifests } from '../../src/iceberg/snapshot-files.js';
import type { ManifestFile } from '../../src/iceberg/spec/manifest-list.js';
import type { Snapshot } from '../../src/iceberg/spec/snapshot.js';
import type { TableMetadata } from '../../src/iceberg/spec/table-metadata.js';
import { SUMMARY } from '../../src/sink/resume-state.js';

/** Everything a set of snapshots reaches, as locations exactly as the metadata records them. */
export interface ReachableSet {
  readonly manifestLists: Set<string>;
  readonly manifests: Map<string, { manifest: ManifestFile; md: TableMetadata }>;
  /** Data and delete files named by a live (ADDED or EXISTING) entry. */
  readonly contentFiles: Set<string>;
  readonly statisticsFiles: Set<string>;
  /** `icetide.key-filter` and `icetide.key-index` checkpoints referenced from snapshot summaries. */
  readonly keyFilterCheckpoints: Set<string>;
  /** Manifest lists that did not exist (only tolerated for snapshots being expired). */
  readonly missingManifestLists: Set<string>;
}

export function emptyReachable(): ReachableSet {
  return { manifestLists: new Set(), manifests: new Map(), contentFiles: new Set(), statisticsFiles: new Set(), keyFilterCheckpoints: new Set(), missingManifestLists: new Set() };
}

/**
 * Adds the manifest lists, manifests, statistics and checkpoints of `snapshots` (of metadata
 * `md`) to `into`. Manifests already known are not listed twice; their entries are read later
 * by `forEachEntryPath`, one manifest at a time, so memory holds paths, never all entries.
 * A missing manifest list fails, unless `tolerateMissing` (snapshots being expired: what they
 * alone reference cannot be known, so it is left for orphan removal, never guessed).
 */
export async function addSnapshotTrees(io: FileIO, md: TableMetadata, snapshots: readonly Snapshot[], into: ReachableSet, tolerateMissing = false): Promise<void> {
  const fresh = snapshots.filter((s) => s.manifestList === undefined || !into.manifestLists.has(s.manifestList));
  for (const s of fresh) {
    if (s.manifestList !== undefined) into.manifestLists.add(s.manifestList);
    // The key index's checkpoints are kept and expired like the key filter's.
    for (const cp of [s.summary[SUMMARY.keyFilter], s.summary[SUMMARY.keyIndex]]) if (cp !== undefined) into.keyFilterCheckpoints.add(cp);
  }
  const lists = await mapBounded(fresh, MANIFEST_READ_CONCURRENCY, async (s) => {
    try {
      return await snapshotManifests(io, md, s);
    } catch (err) {
      if (!tolerateMissing || !(err instanceof NotFoundError)) throw err;
      into.missingManifestLists.add(s.manifestList ?? `snapshot ${s.snapshotId}`);
      return [];
    }
  });
  for (const list of lists) for (const m of list) if (!into.manifests.has(m.manifestPath)) into.manifests.set(m.manifestPath, { manifest: m, md });
  const ids = new Set(snapshots.map((s) => s.snapshotId));
  for (const st of [...md.statistics, ...md.partitionStatistics]) if (ids.has(st.snapshotId)) into.statisticsFiles.add(st.statisticsPath);
}

/**
 * Reads the given manifests (streaming, bounded concurrency) and calls `onFile` per entry.
 * A missing manifest fails unless `tolerateMissing(path)` says it may be gone already.
 */
export async function forEachEntryPath(
  io: FileIO,
  manifests: Iterable<{ manifest: ManifestFile; md: TableMetadata }>,
  onFile: (path: string, content: 'data' | 'deletes', live: boolean, sizeInBytes: bigint) => void,
  tolerateMissing: (manifestPath: string) => boolean = () => false,
): Promise<void> {
  await mapBounded([...manifests], MANIFEST_READ_CONCURRENCY, async ({ manifest, md }) => {
    let entries;
    try {
      entries = await readManifestEntries(io, md, [manifest]);
    } catch (err) {
      if (err instanceof NotFoundError && tolerateMissing(manifest.manifestPath)) return;
      throw err;
    }
    for (const e of entries) onFile(e.dataFile.filePath, e.dataFile.content === 'data' ? 'data' : 'deletes', e.status !== 'deleted', e.dataFile.fileSizeInBytes);
  });
}

/**
 * Everything the snapshots of `md` reach, content files included. A DELETED entry reaches
 * nothing (Iceberg Java ReachableFileCleanup reads live entries only): the snapshot holding
 * it is the one that removed the file. `includeDeletedEntries` makes it count anyway, for
 * callers that only want to know whether metadata mentions a file at all (orphan removal).
 */
export async function reachableFrom(io: FileIO, md: TableMetadata, into: ReachableSet = emptyReachable(), includeDeletedEntries = false): Promise<ReachableSet> {
  const before = new Set(into.manifests.keys());
  await addSnapshotTrees(io, md, md.snapshots, into);
  const added = [...into.manifests].filter(([p]) => !before.has(p)).map(([, v]) => v);
  await forEachEntryPath(io, added, (p, _content, live) => {
    if (live || includeDeletedEntries) into.contentFiles.add(p);
  });
  return into;
}
