import { NotFoundError } from '../../src/errors.js';
import { readMetadataFile } from '../../src/catalog/metadata-file.js';
import type { FileIO } from '../../src/io/file-io.js';
import path from 'node:path';
import { isLocalLocation, joinLocation, localPathOf } from '../../src/io/location.js';
import { PrefixMappedFileIO } from '../../src/io/prefix-mapped-file-io.js';
import type { TableMetadata } from '../../src/iceberg/spec/table-metadata.js';
import type { Table } from '../../src/iceberg/table.js';
import { addSnapshotTrees, emptyReachable, forEachEntryPath } from '../expiry/reachable-files.js';

export interface ReferencedFiles {
  /** Every location any listed metadata version reaches, resolved to where the table lives now. */
  readonly locations: Set<string>;
  /** Metadata files read (the current one and the metadata-log entries that still exist). */
  readonly metadataFiles: string[];
  /** Metadata-log entries that no longer exist (pruned): nothing to read from them. */
  readonly missingMetadataFiles: string[];
  /** Where the table lives now: the root to list. */
  readonly root: string;
}

/**
 * Resolves a recorded location the way the table's reader does, so that what is read is what
 * is kept: through the prefix mapping of a table read from elsewhere (a copy, or a fixture
 * that records a foreign or relative location), then, for a local relative path (a table in
 * a relative warehouse such as the quickstart's `warehouse/`), against the working directory,
 * as LocalFileIO opens it. Anything else stays as recorded; the finder reports what still
 * cannot be compared, which stops the run.
 */
export function locationResolver(io: FileIO): (location: string) => string {
  const map = io instanceof PrefixMappedFileIO ? (l: string) => io.map(l) : (l: string) => l;
  return (l) => {
    const m = map(l);
    return isLocalLocation(m) && !m.startsWith('/') && !m.startsWith('file:/') ? path.resolve(localPathOf(m)) : m;
  };
}

/**
 * Everything reachable from every metadata file still listed (spec "Table Metadata": the
 * current file plus `metadata-log`): all snapshots of each version and their manifest lists,
 * manifests (every entry, deleted ones too: any mention keeps a file), data and delete files,
 * statistics and partition statistics, `icetide.key-filter` checkpoints from summaries,
 * `version-hint.text` and the metadata files themselves. Snapshots of the current version must
 * be fully readable; an older version may name manifest lists that expiry already removed.
 */
export async function referencedFiles(table: Table): Promise<ReferencedFiles> {
  const io = table.io;
  const resolve = locationResolver(io);
  const current = table.metadata;
  const reach = emptyReachable();
  const metadataFiles: string[] = [];
  const missing: string[] = [];
  const versions: TableMetadata[] = [current];
  if (table.metadataLocation !== undefined) metadataFiles.push(table.metadataLocation);
  for (const e of current.metadataLog) {
    try {
      versions.push(await readMetadataFile(io, e.metadataFile));
      metadataFiles.push(e.metadataFile);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      missing.push(e.metadataFile);
    }
  }
  await addSnapshotTrees(io, current, current.snapshots, reach);
  const strictManifests = new Set(reach.manifests.keys());
  for (const md of versions.slice(1)) await addSnapshotTrees(io, md, md.snapshots, reach, true);
  const contentFiles = new Set<string>();
  await forEachEntryPath(io, reach.manifests.values(), (p) => contentFiles.add(p), (path) => !strictManifests.has(path));
  const locations = new Set<string>();
  const add = (l: string) => locations.add(resolve(l));
  for (const set of [reach.manifestLists, reach.manifests.keys(), contentFiles, reach.statisticsFiles, reach.keyFilterCheckpoints, metadataFiles]) for (const l of set) add(l);
  for (const md of versions) for (const st of [...md.statistics, ...md.partitionStatistics]) add(st.statisticsPath);
  add(joinLocation(table.location, 'metadata', 'version-hint.text'));
  return { locations, metadataFiles, missingMetadataFiles: missing, root: resolve(table.location) };
}
