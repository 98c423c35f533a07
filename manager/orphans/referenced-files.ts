import { NotFoundError } from '../../src/errors.js';
import { readMetadataFile } from '../../src/catalog/metadata-file.js';
import type { FileIO } from '../../src/io/file-io.js';
import path from 'node:path';
import { isLocalLocation, joinLocation, localPathOf } from '../../src/io/location.js';
import { PrefixMappedFileIO } from '../../src/io/prefix-mapped-file-io.js';
import type { TableMetadata } from '../../src/iceberg/spec/table-metadata.js';
import type { TableState } from '../../src/iceberg/table-operations.js';
import { addSnapshotTrees, emptyReachable, forEachEntryPath } from '../expiry/reachable-files.js';

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
 * Everything reachable from the metadata versions added so far (spec "Table Metadata": a
 * current file plus `metadata-log`, and for a run that saw commits land, every newer version):
 * all snapshots of each version and their manifest lists, manifests (every entry, deleted ones
 * too: any mention keeps a file), data and delete files, statistics and partition statistics,
 * `icetide.key-filter` checkpoints from summaries, `version-hint.text` and the metadata files
 * themselves. It only grows: a location once referenced stays kept for the whole run.
 * Snapshots of each added current version must be fully readable; other versions may name
 * manifest lists or manifests that expiry already removed.
 */
export class ReferencedFiles {
  /** Every location reached, resolved to where the table lives now. */
  readonly locations = new Set<string>();
  /** Metadata files read. */
  readonly metadataFiles: string[] = [];
  /** Metadata files named but gone (pruned): nothing to read from them. */
  readonly missingMetadataFiles: string[] = [];
  private readonly reach = emptyReachable();
  private readonly resolve: (location: string) => string;
  private readonly seen = new Set<string>();

  constructor(
    private readonly io: FileIO,
    private readonly tableLocation: string,
  ) {
    this.resolve = locationResolver(io);
  }

  /** Where the table lives now: the root to list. */
  get root(): string {
    return this.resolve(this.tableLocation);
  }

  /** Whether a metadata file was already read (or found missing). */
  has(metadataLocation: string): boolean {
    return this.seen.has(metadataLocation);
  }

  /** Adds `current` (strictly) and the metadata files `others` (its log, newer versions), reading only what is new. */
  async add(current: TableState, others: Iterable<string>): Promise<void> {
    const versions: TableMetadata[] = [current.metadata];
    if (current.metadataLocation !== undefined && !this.seen.has(current.metadataLocation)) {
      this.seen.add(current.metadataLocation);
      this.metadataFiles.push(current.metadataLocation);
    }
    for (const loc of others) {
      if (this.seen.has(loc)) continue;
      this.seen.add(loc);
      try {
        versions.push(await readMetadataFile(this.io, loc));
        this.metadataFiles.push(loc);
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
        this.missingMetadataFiles.push(loc);
      }
    }
    const known = new Set(this.reach.manifests.keys());
    await addSnapshotTrees(this.io, current.metadata, current.metadata.snapshots, this.reach);
    const strict = new Set([...this.reach.manifests.keys()].filter((p) => !known.has(p)));
    for (const md of versions.slice(1)) await addSnapshotTrees(this.io, md, md.snapshots, this.reach, true);
    const fresh = [...this.reach.manifests].filter(([p]) => !known.has(p)).map(([, v]) => v);
    await forEachEntryPath(this.io, fresh, (p) => this.add1(p), (p) => !strict.has(p));
    const r = this.reach;
    for (const set of [r.manifestLists, r.manifests.keys(), r.statisticsFiles, r.keyFilterCheckpoints, this.metadataFiles]) for (const l of set) this.add1(l);
    for (const md of versions) for (const st of [...md.statistics, ...md.partitionStatistics]) this.add1(st.statisticsPath);
    this.add1(joinLocation(this.tableLocation, 'metadata', 'version-hint.text'));
  }

  private add1(location: string): void {
    this.locations.add(this.resolve(location));
  }
}

/** The references of a table's current version and every version its metadata-log still lists. */
export async function referencedFiles(io: FileIO, state: TableState): Promise<ReferencedFiles> {
  const refs = new ReferencedFiles(io, state.metadata.location);
  await refs.add(state, state.metadata.metadataLog.map((e) => e.metadataFile));
  return refs;
}
