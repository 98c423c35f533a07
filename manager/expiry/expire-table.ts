import { ValidationError } from '../../src/errors.js';
import { joinLocation } from '../../src/io/location.js';
import { withoutSnapshots } from '../../src/iceberg/metadata-updates.js';
import type { TableMetadata } from '../../src/iceberg/spec/table-metadata.js';
import type { Table } from '../../src/iceberg/table.js';
import { DEFAULT_DELETE_CONCURRENCY, deleteAll, type DeleteFailure } from './bulk-delete.js';
import { filesOnlyExpiredReach, type ExpiredFiles } from './expired-files.js';
import { deleteAfterCommitEnabled, metadataFilesToPrune } from './metadata-file-pruning.js';
import { pipelinePins, type PipelinePin } from './pipeline-pins.js';

/** Iceberg table properties read as defaults (same names and defaults as Iceberg Java). */
const MAX_SNAPSHOT_AGE = 'history.expire.max-snapshot-age-ms';
const MIN_SNAPSHOTS_TO_KEEP = 'history.expire.min-snapshots-to-keep';
const DEFAULT_MAX_AGE_MS = 5 * 86_400_000;

export interface ExpireOptions {
  /** Expire snapshots older than this age (default: table property history.expire.max-snapshot-age-ms, else 5 days). */
  readonly olderThanMs?: number;
  /** Keep at least this many ancestors of every branch (default: history.expire.min-snapshots-to-keep, else 1). */
  readonly retainLast?: number;
  /**
   * A pipeline whose newest commit is older than this is retired and pins nothing
   * (undefined: every pipeline on the main branch pins its resume snapshot).
   */
  readonly pipelineRetentionMs?: number;
  /** Compute and report, change nothing. */
  readonly dryRun?: boolean;
  readonly nowMs?: number;
  readonly deleteConcurrency?: number;
  /** Called right before the commit (the daemon waits for a quiet moment of the streaming writer). */
  readonly beforeCommit?: () => Promise<void>;
  /** Aborted before the commit: nothing changes. After it: remaining deletes are skipped (left as orphans). */
  readonly signal?: AbortSignal;
}

export interface ExpireReport {
  readonly table: string;
  readonly dryRun: boolean;
  readonly cutoffMs: number;
  readonly retainLast: number;
  readonly expiredSnapshotIds: bigint[];
  readonly pipelines: PipelinePin[];
  /** Deleted (or, in a dry run, to be deleted) files no retained snapshot reaches. */
  readonly files: ExpiredFiles;
  /** Old metadata.json files pruned under write.metadata.delete-after-commit.enabled. */
  readonly metadataFiles: string[];
  readonly failures: DeleteFailure[];
}

function intProperty(md: TableMetadata, key: string, fallback: number): number {
  const v = md.properties[key];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : fallback;
}

/**
 * Snapshot expiry for one table (DESIGN.md "Maintenance"): removes snapshots older than the
 * cutoff except the newest `retainLast` of each branch, every ref head and the chain each live
 * pipeline resumes from; commits that as a metadata-only change (no snapshot, so the
 * watermark is untouched); then deletes the manifest lists, manifests, data and delete files,
 * statistics and key-filter checkpoints that no retained snapshot reaches, and prunes old
 * metadata files when the table asks for it.
 */
export async function expireTable(table: Table, o: ExpireOptions = {}): Promise<ExpireReport> {
  const now = o.nowMs ?? Date.now();
  await table.refresh();
  const md = table.metadata;
  const ageMs = o.olderThanMs ?? intProperty(md, MAX_SNAPSHOT_AGE, DEFAULT_MAX_AGE_MS);
  const retainLast = o.retainLast ?? intProperty(md, MIN_SNAPSHOTS_TO_KEEP, 1);
  if (!Number.isFinite(ageMs) || ageMs < 0) throw new ValidationError(`older-than must be a non-negative duration, got ${ageMs} ms`);
  const cutoffMs = now - ageMs;
  const pins = pipelinePins(md, now, o.pipelineRetentionMs);
  const op = table.expireSnapshots().expireOlderThan(cutoffMs).retainLast(retainLast);
  for (const id of pins.keep) op.keep(id);
  const toExpire = op.toExpire(md);
  const dryRun = o.dryRun ?? false;
  let files: ExpiredFiles = { manifestLists: [], manifests: [], dataFiles: [], deleteFiles: [], statisticsFiles: [], keyFilterCheckpoints: [], missingManifestLists: [], contentBytes: 0n };
  let expiredSnapshotIds = [...toExpire];
  const failures: DeleteFailure[] = [];
  const concurrency = o.deleteConcurrency ?? DEFAULT_DELETE_CONCURRENCY;
  if (toExpire.size > 0) {
    if (dryRun) {
      files = await filesOnlyExpiredReach(table.io, md, [withoutSnapshots(md, toExpire)]);
    } else {
      await o.beforeCommit?.();
      o.signal?.throwIfAborted();
      const committed = await op.commit();
      const fresh = (await table.refresh()).state;
      const kept = new Set(committed.metadata.snapshots.map((s) => s.snapshotId));
      expiredSnapshotIds = md.snapshots.filter((s) => !kept.has(s.snapshotId)).map((s) => s.snapshotId);
      files = await filesOnlyExpiredReach(table.io, md, [committed.metadata, fresh.metadata]);
      // Content files first, then the tree above them: an interrupted run leaves only orphans.
      for (const group of [[...files.dataFiles, ...files.deleteFiles], files.manifests, files.manifestLists, [...files.statisticsFiles, ...files.keyFilterCheckpoints]]) {
        failures.push(...(await deleteAll(table.io, group, concurrency, o.signal)));
      }
    }
  }
  const metadataFiles = await pruneMetadataFiles(table, dryRun || (o.signal?.aborted ?? false), concurrency, failures);
  return { table: table.name, dryRun, cutoffMs, retainLast, expiredSnapshotIds, pipelines: pins.pipelines, files, metadataFiles, failures };
}

async function pruneMetadataFiles(table: Table, dryRun: boolean, concurrency: number, failures: DeleteFailure[]): Promise<string[]> {
  const md = table.metadata;
  const current = table.metadataLocation;
  if (!deleteAfterCommitEnabled(md) || current === undefined) return [];
  const listed: string[] = [];
  for await (const f of table.io.list(joinLocation(table.location, 'metadata'))) listed.push(f.location);
  const prune = metadataFilesToPrune(listed, current, md.metadataLog);
  if (!dryRun) failures.push(...(await deleteAll(table.io, prune, concurrency)));
  return prune;
}
