import { IcetideError, ValidationError } from '../../src/errors.js';
import type { FileInfo } from '../../src/io/file-io.js';
import type { Table } from '../../src/iceberg/table.js';
import { DEFAULT_MARKER_DEAD_AFTER_MS, isInflightMarker, isMarkerLive, parseInflightMarker, type InflightMarkerRecord } from '../../src/sink/inflight-marker.js';
import { DEFAULT_DELETE_CONCURRENCY, deleteAll, type DeleteFailure } from '../expiry/bulk-delete.js';
import { metadataFileVersion } from '../../src/catalog/metadata-file.js';
import { DEFAULT_EQUAL_SCHEMES, parseLocation } from './location-normalizer.js';
import { assertLocationsReconciled, findOrphans, type PrefixMismatch, type PrefixMismatchMode } from './orphan-finder.js';
import { locationResolver, referencedFiles } from './referenced-files.js';

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
}

export interface LiveMarker extends InflightMarkerRecord {
  readonly location: string;
}

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
  readonly mismatches: PrefixMismatch[];
  readonly failures: DeleteFailure[];
}

/**
 * Orphan removal (DESIGN.md "Maintenance"): lists every file under the table location,
 * subtracts everything any listed metadata version reaches, and deletes the rest that is older
 * than the safety window and than the oldest live in-flight marker. Refuses to delete when
 * listing and references do not line up (see `assertLocationsReconciled`).
 */
export async function removeOrphans(table: Table, o: RemoveOrphansOptions = {}): Promise<RemoveOrphansReport> {
  const now = o.nowMs ?? Date.now();
  const ageMs = o.olderThanMs ?? DEFAULT_ORPHAN_AGE_MS;
  if (!Number.isFinite(ageMs) || ageMs < 0) throw new ValidationError(`older-than must be a non-negative duration, got ${ageMs} ms`);
  if (ageMs < MIN_ORPHAN_AGE_MS && !o.force) {
    throw new ValidationError(`older-than ${ageMs} ms is below the 1 hour minimum: files of commits in flight could be deleted; pass --force (force: true) if no writer is running`);
  }
  const dryRun = o.dryRun ?? true;
  const mode = o.prefixMismatch ?? 'error';
  await table.refresh();
  let refs;
  try {
    refs = await referencedFiles(table);
  } catch (err) {
    // A snapshot of the current metadata whose tree cannot be read reaches unknown files.
    throw IcetideError.wrap(err, `remove-orphans ${table.name}: cannot determine the reachable files, nothing was deleted`, { table: table.name });
  }
  const listed: FileInfo[] = [];
  const resolve = locationResolver(table.io);
  for await (const f of table.io.list(refs.root)) listed.push({ ...f, location: resolve(f.location) });

  assertCurrentIsNewest(table, listed);

  const liveMarkers: LiveMarker[] = [];
  for (const f of listed) {
    if (!isInflightMarker(f.location)) continue;
    const m = parseInflightMarker(await table.io.read(f.location).catch(() => new Uint8Array()));
    if (m && isMarkerLive(m, f.modifiedMs, now, o.markerDeadAfterMs ?? DEFAULT_MARKER_DEAD_AFTER_MS)) liveMarkers.push({ ...m, location: f.location });
  }
  const oldestLive = Math.min(...liveMarkers.map((m) => m.startedMs - MARKER_CLOCK_SKEW_MS));
  const cutoffMs = Math.min(now - ageMs, oldestLive);
  const liveMarkerFiles = new Set(liveMarkers.map((m) => m.location));

  const verdict = findOrphans(
    listed.filter((f) => !liveMarkerFiles.has(f.location)),
    refs.locations,
    { cutoffMs, equalSchemes: { ...DEFAULT_EQUAL_SCHEMES, ...(o.equalSchemes ?? {}) }, equalAuthorities: o.equalAuthorities ?? {} },
  );
  const rootPath = parseLocation(refs.root).path;
  const underRoot = [...refs.locations].filter((l) => parseLocation(l).path.startsWith(`${rootPath}/`)).length;
  assertLocationsReconciled(verdict, mode, listed.length > 0 ? underRoot : 0);

  const orphans = [...verdict.orphans, ...(mode === 'delete' ? verdict.mismatches.map((m) => m.listed).filter((f) => f.modifiedMs < cutoffMs) : [])];
  const failures = dryRun ? [] : await deleteAll(table.io, orphans.map((f) => f.location), o.deleteConcurrency ?? DEFAULT_DELETE_CONCURRENCY, o.signal);
  return {
    table: table.name,
    root: refs.root,
    dryRun,
    cutoffMs,
    listed: listed.length,
    referenced: refs.locations.size,
    orphans,
    keptTooNew: verdict.tooNew.length,
    liveMarkers,
    mismatches: verdict.mismatches,
    failures,
  };
}

/**
 * The references must come from the newest metadata: a table opened from an older
 * `*.metadata.json`, or a commit that landed after the refresh, would make every file of the
 * newer versions look unreferenced. Refuse rather than delete them (re-run to pick it up).
 */
function assertCurrentIsNewest(table: Table, listed: readonly FileInfo[]): void {
  const loc = table.metadataLocation;
  const current = loc === undefined ? undefined : metadataFileVersion(loc);
  if (!current) return;
  const newer = listed.find((f) => {
    const v = metadataFileVersion(f.location);
    return v !== undefined && v.layout === current.layout && v.version > current.version;
  });
  if (newer) {
    throw new ValidationError(`remove-orphans ${table.name}: ${newer.location} is newer than the metadata read (${loc}); open the table directory (not an old metadata file) or re-run after concurrent commits`, { table: table.name });
  }
}
