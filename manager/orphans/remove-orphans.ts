import { IcetideError, ValidationError } from '../../src/errors.js';
import type { FileInfo } from '../../src/io/file-io.js';
import type { Table } from '../../src/iceberg/table.js';
import type { TableState } from '../../src/iceberg/table-operations.js';
import { DEFAULT_MARKER_DEAD_AFTER_MS, INFLIGHT_MARKER_PREFIX, isInflightMarker } from '../../src/sink/inflight-marker.js';
import { DEFAULT_DELETE_CONCURRENCY, deleteAll, type DeleteFailure } from '../expiry/bulk-delete.js';
import { metadataFileVersion } from '../../src/catalog/metadata-file.js';
import { DEFAULT_EQUAL_SCHEMES, parseLocation } from './location-normalizer.js';
import { readMarkers, type LiveMarker } from './marker-reader.js';
import { DEFAULT_MAX_ROUNDS, MetadataGuard } from './metadata-guard.js';
import { assertLocationsReconciled, findOrphans, type OrphanVerdict, type PrefixMismatch, type PrefixMismatchMode } from './orphan-finder.js';
import { locationResolver, referencedFiles, type ReferencedFiles } from './referenced-files.js';

export type { LiveMarker } from './marker-reader.js';
export { OrphanRemovalRaceError } from './metadata-guard.js';

/** DESIGN.md "Maintenance": the safety window defaults to 3 days. */
export const DEFAULT_ORPHAN_AGE_MS = 3 * 86_400_000;
/** Below this window a run needs `force`: commits in flight can easily be older. */
export const MIN_ORPHAN_AGE_MS = 3_600_000;
/** Marker times are the writer's clock, file times the store's: allow this much skew. */
export const MARKER_CLOCK_SKEW_MS = 5 * 60_000;

export interface RemoveOrphansOptions {
  /** Only files older than this are deleted (default 3 days; below 1 hour needs `force`). */
  readonly olderThanMs?: number;
  readonly force?: boolean;
  /** List what would go, delete nothing (default true: deleting is opt-in). */
  readonly dryRun?: boolean;
  /** Added to the defaults s3a=s3, s3n=s3. */
  readonly equalSchemes?: Readonly<Record<string, string>>;
  readonly equalAuthorities?: Readonly<Record<string, string>>;
  readonly prefixMismatch?: PrefixMismatchMode;
  readonly markerDeadAfterMs?: number;
  readonly nowMs?: number;
  readonly deleteConcurrency?: number;
  /** Aborting stops the deletes; what is left is found by the next run. */
  readonly signal?: AbortSignal;
  /** Re-evaluations against commits that land during the run before OrphanRemovalRaceError (default 5). */
  readonly maxRounds?: number;
  /** Files deleted between two re-checks of the metadata pointer (default 1000). */
  readonly deleteBatchSize?: number;
}

/** A re-check of the pointer per this many deletes bounds what a commit landing mid-delete could meet. */
export const DEFAULT_DELETE_BATCH_SIZE = 1000;

export interface RemoveOrphansReport {
  readonly table: string;
  readonly root: string;
  readonly dryRun: boolean;
  /** Files last modified at or after this instant were kept regardless. */
  readonly cutoffMs: number;
  readonly listed: number;
  readonly referenced: number;
  /** Deleted, or in a dry run to be deleted. */
  readonly orphans: FileInfo[];
  readonly keptTooNew: number;
  readonly liveMarkers: LiveMarker[];
  /** Markers listed but gone when read (their writer committed or aborted meanwhile). */
  readonly vanishedMarkers: string[];
  /** The metadata file the deleted files were last validated against. */
  readonly metadataLocation: string | undefined;
  /** Times the candidates were re-evaluated because the table changed during the run. */
  readonly reevaluations: number;
  readonly mismatches: PrefixMismatch[];
  readonly failures: DeleteFailure[];
}

/**
 * Orphan removal (DESIGN.md "Maintenance"): lists every file under the table location,
 * subtracts everything any metadata version reaches, and deletes the rest that is older than
 * the safety window and than the oldest live in-flight marker. Refuses to delete when listing
 * and references do not line up (see `assertLocationsReconciled`).
 *
 * Commits landing during the run (a listing takes seconds on an object store) are caught by
 * re-loading the metadata after the listing and the marker reads, right before the deletes and
 * between delete batches (`MetadataGuard`): every newer version's files join the references
 * and the candidates are chosen again, or the run stops with OrphanRemovalRaceError.
 */
export async function removeOrphans(table: Table, o: RemoveOrphansOptions = {}): Promise<RemoveOrphansReport> {
  const now = o.nowMs ?? Date.now();
  const ageMs = o.olderThanMs ?? DEFAULT_ORPHAN_AGE_MS;
  if (!Number.isFinite(ageMs) || ageMs < 0) throw new ValidationError(`older-than must be a non-negative duration, got ${ageMs} ms`);
  if (ageMs < MIN_ORPHAN_AGE_MS && !o.force) {
    throw new ValidationError(`older-than ${ageMs} ms is below the 1 hour minimum: files of commits in flight could be deleted; pass --force (force: true) if no writer is running`);
  }
  const batchSize = o.deleteBatchSize ?? DEFAULT_DELETE_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValidationError(`deleteBatchSize must be a positive integer, got ${batchSize}`);
  const dryRun = o.dryRun ?? true;
  const mode = o.prefixMismatch ?? 'error';
  await table.refresh();
  const planned = table.state;
  let refs: ReferencedFiles;
  try {
    refs = await referencedFiles(table.io, planned);
  } catch (err) {
    // A snapshot of the current metadata whose tree cannot be read reaches unknown files.
    throw IcetideError.wrap(err, `remove-orphans ${table.name}: cannot determine the reachable files, nothing was deleted`, { table: table.name });
  }
  const listed: FileInfo[] = [];
  const resolve = locationResolver(table.io);
  for await (const f of table.io.list(refs.root)) listed.push({ ...f, location: resolve(f.location) });

  const markers = await readMarkers(table.io, await markersOf(table, listed), now, o.markerDeadAfterMs ?? DEFAULT_MARKER_DEAD_AFTER_MS);
  const oldestLive = Math.min(...markers.live.map((m) => m.startedMs - MARKER_CLOCK_SKEW_MS));
  const cutoffMs = Math.min(now - ageMs, oldestLive);
  const notCandidates = new Set([...markers.live.map((m) => m.location), ...markers.vanished]);
  const equivalences = { equalSchemes: { ...DEFAULT_EQUAL_SCHEMES, ...(o.equalSchemes ?? {}) }, equalAuthorities: o.equalAuthorities ?? {} };
  const rootPath = parseLocation(refs.root).path;
  const choose = (): { verdict: OrphanVerdict; orphans: FileInfo[] } => {
    const verdict = findOrphans(listed.filter((f) => !notCandidates.has(f.location)), refs.locations, { cutoffMs, ...equivalences });
    const underRoot = [...refs.locations].filter((l) => parseLocation(l).path.startsWith(`${rootPath}/`)).length;
    assertLocationsReconciled(verdict, mode, listed.length > 0 ? underRoot : 0);
    const orphans = [...verdict.orphans, ...(mode === 'delete' ? verdict.mismatches.map((m) => m.listed).filter((f) => f.modifiedMs < cutoffMs) : [])];
    return { verdict, orphans };
  };

  // A vanished marker's writer may have committed: look for newer versions even if the pointer seems unchanged.
  const guard = new MetadataGuard(table, refs, planned, o.maxRounds ?? DEFAULT_MAX_ROUNDS);
  await guard.settle(0, markers.vanished.length > 0);
  assertCurrentIsNewest(table.name, guard.validated, listed);
  let chosen = choose();
  const attempted: FileInfo[] = [];
  const failures: DeleteFailure[] = [];
  if (!dryRun) {
    let pending = chosen.orphans;
    while (pending.length > 0) {
      if (o.signal?.aborted) {
        failures.push(...pending.map((f) => ({ location: f.location, error: 'aborted' })));
        break;
      }
      // Right before each batch: a commit since the last check re-chooses what is left.
      if (await guard.settle(attempted.length - failures.length)) {
        chosen = choose();
        const still = new Set(chosen.orphans.map((f) => f.location));
        pending = pending.filter((f) => still.has(f.location));
      }
      const batch = pending.slice(0, batchSize);
      pending = pending.slice(batchSize);
      failures.push(...(await deleteAll(table.io, batch.map((f) => f.location), o.deleteConcurrency ?? DEFAULT_DELETE_CONCURRENCY, o.signal)));
      attempted.push(...batch);
    }
  }
  return {
    table: table.name,
    root: refs.root,
    dryRun,
    cutoffMs,
    listed: listed.length,
    referenced: refs.locations.size,
    orphans: dryRun ? chosen.orphans : attempted,
    keptTooNew: chosen.verdict.tooNew.length,
    liveMarkers: markers.live,
    vanishedMarkers: markers.vanished,
    metadataLocation: guard.validated.metadataLocation,
    reevaluations: guard.reevaluations,
    mismatches: chosen.verdict.mismatches,
    failures,
  };
}

/**
 * The markers to read: those in the listing and those in the marker directory now. A writer
 * that started while the listing ran has its marker created before its first file, so a file
 * of it in the listing has its marker here (or the marker vanished because it committed).
 */
async function markersOf(table: Table, listed: readonly FileInfo[]): Promise<FileInfo[]> {
  const resolve = locationResolver(table.io);
  const byLocation = new Map(listed.filter((f) => isInflightMarker(f.location)).map((f) => [f.location, f]));
  for await (const f of table.io.list(resolve(table.ops.newMetadataLocation(INFLIGHT_MARKER_PREFIX)))) {
    const loc = resolve(f.location);
    if (isInflightMarker(loc) && !byLocation.has(loc)) byLocation.set(loc, { ...f, location: loc });
  }
  return [...byLocation.values()];
}

/**
 * The references must come from the newest metadata: a table opened from an older
 * `*.metadata.json` re-loads that same version, so the files of the newer versions listed
 * would look unreferenced. Refuse rather than delete them. (A live table's re-load after the
 * listing is never older than a metadata file listed.)
 */
function assertCurrentIsNewest(table: string, validated: TableState, listed: readonly FileInfo[]): void {
  const loc = validated.metadataLocation;
  const current = loc === undefined ? undefined : metadataFileVersion(loc);
  if (!current) return;
  const newer = listed.find((f) => {
    const v = metadataFileVersion(f.location);
    return v !== undefined && v.layout === current.layout && v.version > current.version;
  });
  if (newer) {
    throw new ValidationError(`remove-orphans ${table}: ${newer.location} is newer than the metadata read (${loc}); open the table directory (not an old metadata file)`, { table });
  }
}
