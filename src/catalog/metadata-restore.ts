import { CommitRaceError, NoSuchTableError, ValidationError } from '../errors.js';
import type { FileIO } from '../io/file-io.js';
import { joinLocation } from '../io/location.js';
import { withPreviousMetadata } from '../iceberg/metadata-updates.js';
import type { TableMetadata } from '../iceberg/spec/table-metadata.js';
import { encodeMetadata, setAsideLocation } from './metadata-file.js';
import { checkMetadataVersion, listMetadataVersions, newestReadableVersion, type MetadataVersion, type ReadableVersion } from './metadata-versions.js';

export interface MetadataRestorePlan {
  readonly table: string;
  readonly tableLocation: string;
  /** The unreadable versions newer than the newest readable one, newest first. */
  readonly corrupt: readonly (MetadataVersion & { readonly problem: string })[];
  /** The version made current again. */
  readonly restoreFrom: MetadataVersion;
  /** The new version written: a copy of `restoreFrom`, numbered past every existing file. */
  readonly newVersion: MetadataVersion;
  /** Each corrupt file and the name it is kept under. */
  readonly setAside: readonly { readonly from: string; readonly to: string }[];
  /** The metadata the new version holds. */
  readonly metadata: TableMetadata;
}

export interface PlanRestoreOptions {
  /** Default: the newest readable version. */
  readonly toVersion?: number;
  readonly nowMs?: number;
}

/**
 * What `table restore-metadata` would do (pure apart from reading the metadata directory):
 * refuses when the newest version parses (nothing to restore), when no version parses, or
 * when the chosen version is itself unreadable or absent.
 */
export async function planMetadataRestore(io: FileIO, tableLocation: string, table: string, o: PlanRestoreOptions = {}): Promise<MetadataRestorePlan> {
  const now = o.nowMs ?? Date.now();
  const metadataDir = joinLocation(tableLocation, 'metadata');
  const versions = await listMetadataVersions(io, metadataDir);
  if (versions.length === 0) throw new NoSuchTableError(`no Iceberg table at ${tableLocation} (no metadata/vN.metadata.json)`, { location: tableLocation });
  const { unreadable, readable } = await newestReadableVersion(io, versions);
  const corrupt = unreadable.map((c) => ({ version: c.version, location: c.location, problem: c.problem }));
  if (corrupt.length === 0) {
    throw new ValidationError(`table ${table}: nothing to restore: its newest metadata file v${versions[0]!.version} (${versions[0]!.location}) is readable`, { table });
  }
  if (!readable) {
    throw new ValidationError(`table ${table}: no metadata version is readable (newest: ${corrupt[0]!.location}: ${corrupt[0]!.problem}); restore the metadata directory from a backup`, { table });
  }
  const target = o.toVersion === undefined ? readable : await chosenVersion(io, versions, o.toVersion, table);
  const newVersion = versions[0]!.version + 1;
  return {
    table,
    tableLocation,
    corrupt,
    restoreFrom: { version: target.version, location: target.location },
    newVersion: { version: newVersion, location: joinLocation(metadataDir, `v${newVersion}.metadata.json`) },
    setAside: corrupt.map((c) => ({ from: c.location, to: setAsideLocation(c.location, now) })),
    metadata: await restoredMetadata(io, versions, target, readable, now),
  };
}

async function chosenVersion(io: FileIO, versions: readonly MetadataVersion[], n: number, table: string): Promise<ReadableVersion> {
  const v = versions.find((x) => x.version === n);
  if (!v) throw new ValidationError(`table ${table}: --to-version ${n}: there is no v${n}.metadata.json (versions ${versions[versions.length - 1]!.version}..${versions[0]!.version})`, { table });
  const c = await checkMetadataVersion(io, v);
  if (!c.readable) throw new ValidationError(`table ${table}: --to-version ${n}: ${v.location} is itself unreadable (${c.problem}); choose a readable version`, { table });
  return c;
}

/**
 * The chosen version's metadata with every readable version from it up to the newest
 * readable one appended to its metadata log: snapshots of versions rolled past stay
 * reachable for orphan removal, so choosing an older version never makes their files orphans.
 */
async function restoredMetadata(io: FileIO, versions: readonly MetadataVersion[], target: ReadableVersion, newestReadable: MetadataVersion, nowMs: number): Promise<TableMetadata> {
  let md = target.metadata;
  const passed = versions.filter((v) => v.version >= target.version && v.version <= newestReadable.version).reverse();
  for (const v of passed) {
    const c = v.version === target.version ? target : await checkMetadataVersion(io, v);
    if (c.readable) md = withPreviousMetadata(md, v.location, c.metadata.lastUpdatedMs);
  }
  return { ...md, lastUpdatedMs: Math.max(nowMs, md.lastUpdatedMs) };
}

export interface MetadataRestoreResult {
  readonly plan: MetadataRestorePlan;
  readonly versionHint: string;
}

/**
 * Applies a plan in the order that is safe to stop at any point:
 * 1. the copy is created as the next version, exclusively, as a commit is: the table is
 *    readable again from here, version numbers only move forward, and a writer still holding
 *    an older base loses its compare-and-swap and re-reads;
 * 2. each corrupt file is copied to its set-aside name, then removed (never just deleted);
 * 3. the version hint is pointed at the new version (readers probe past a stale hint).
 */
export async function applyMetadataRestore(io: FileIO, plan: MetadataRestorePlan): Promise<MetadataRestoreResult> {
  if (!(await io.writeIfAbsent(plan.newVersion.location, encodeMetadata(plan.metadata)))) {
    throw new CommitRaceError(plan.table, `v${plan.newVersion.version - 1}`, { detail: `${plan.newVersion.location} appeared since the plan was made; run restore-metadata again` });
  }
  for (const s of plan.setAside) {
    const bytes = await io.read(s.from);
    if (!(await io.writeIfAbsent(s.to, bytes))) {
      const kept = await io.read(s.to);
      if (Buffer.compare(Buffer.from(kept), Buffer.from(bytes)) !== 0) throw new ValidationError(`${s.to} already exists with other contents; ${s.from} was left in place`, { table: plan.table });
    }
    await io.delete(s.from);
  }
  const versionHint = joinLocation(plan.tableLocation, 'metadata', 'version-hint.text');
  await io.write(versionHint, new TextEncoder().encode(String(plan.newVersion.version)));
  return { plan, versionHint };
}
