import { changesSince } from '../../src/iceberg/commit/changes-since.js';
import { CommitConflictError, CommitStateUnknownError } from '../../src/errors.js';
import type { FileScanTask } from '../../src/iceberg/scan-planner.js';
import type { DataFile } from '../../src/iceberg/spec/manifest.js';
import type { Table } from '../../src/iceberg/table.js';
import type { TableState } from '../../src/iceberg/table-operations.js';
import { MaintenanceRewrite } from './compaction-commit.js';
import { resolveCompactionOptions, type CompactionOptions, type ResolvedCompactionOptions } from './compaction-options.js';
import { commitBatches, planCompaction, type FileGroup } from './compaction-planner.js';
import { conflictFor, positionDeleteReader, type GroupConflict } from './concurrent-changes.js';
import { danglingDeleteFiles } from './dangling-deletes.js';
import { rewriteGroup, type RewrittenGroup } from './group-rewriter.js';
import { partitionPath } from '../../src/iceberg/partition-path.js';
import { withInflightMarker } from '../../src/sink/inflight-marker.js';

/** Re-validation rounds per commit before the commit is given up (reported, retried next run). */
const MAX_COMMIT_ROUNDS = 8;

export interface CompactionRunOptions extends CompactionOptions {
  readonly signal?: AbortSignal;
  /** Awaited right before each commit (the daemon waits out the streaming writer's commit window). */
  readonly beforeCommit?: () => Promise<void>;
  /** Rows per in-memory sorted run when the table has a sort order (tests force spilling with a small one). */
  readonly sortRunRows?: number;
  /** Called after each group is rewritten and after each commit (progress, tests). */
  readonly onProgress?: (e: CompactionProgress) => void | Promise<void>;
}

export type CompactionProgress =
  | { readonly kind: 'group-rewritten'; readonly partition: string; readonly filesIn: number; readonly filesOut: number }
  | { readonly kind: 'committed'; readonly snapshotId: bigint; readonly groups: number };

export interface PlannedGroupReport {
  readonly partition: string;
  readonly specId: number;
  readonly filesIn: number;
  readonly bytesIn: number;
  readonly rowsIn: number;
  readonly deleteFiles: number;
  readonly expectedFilesOut: number;
  readonly reasons: string;
}

export interface CommitReport {
  readonly snapshotId: bigint;
  readonly groups: number;
  readonly dataFilesRemoved: number;
  readonly dataFilesAdded: number;
  readonly deleteFilesRemoved: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly rowsWritten: number;
}

export interface DroppedGroupReport {
  readonly partition: string;
  readonly filesIn: number;
  readonly reason: string;
}

export interface CompactionReport {
  readonly table: string;
  readonly dryRun: boolean;
  readonly startSnapshotId: bigint | undefined;
  readonly options: ResolvedCompactionOptions;
  readonly dataFilesBefore: number;
  readonly deleteFilesBefore: number;
  readonly plan: readonly PlannedGroupReport[];
  readonly commits: readonly CommitReport[];
  /** Groups a concurrent commit invalidated: left as they were, picked again next run. */
  readonly dropped: readonly DroppedGroupReport[];
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly rowsWritten: number;
  /** Most reads of one group's data (equality-delete key buckets; 1 = all keys fit in memory). */
  readonly maxEqualityPasses: number;
  readonly durationMs: number;
}

/**
 * Compaction of one table (DESIGN.md "Maintenance"): plan from the current snapshot, rewrite
 * each file group (deletes applied, streaming), and commit the groups in at most
 * `maxCommitGroups` `replace` commits. Every commit keeps the start snapshot's data sequence
 * number for the new files (spec "Sequence Numbers": equality deletes committed meanwhile by
 * the sink still apply to them) and removes the delete files left dangling. Before each commit
 * the job re-validates against everything committed since its start; a group whose input got
 * a new position delete (or was removed) is dropped and its output deleted, never committed.
 */
export async function compactTable(table: Table, o: CompactionRunOptions = {}): Promise<CompactionReport> {
  return o.dryRun ? compactTableMarked(table, o) : withInflightMarker(table, () => compactTableMarked(table, o));
}

async function compactTableMarked(table: Table, o: CompactionRunOptions = {}): Promise<CompactionReport> {
  const began = Date.now();
  await table.refresh();
  const start: TableState = table.state;
  const opts = resolveCompactionOptions(o, table.metadata.properties);
  const snap = table.currentSnapshot();
  // one read of the manifests serves the plan and the live delete files
  const entries = snap ? await table.entries(snap.snapshotId) : [];
  const tasks = snap ? table.planEntries(entries, snap.snapshotId) : [];
  const liveDeletes = entries.filter((e) => e.status !== 'deleted' && e.dataFile.content !== 'data').map((e) => e.dataFile);
  const groups = planCompaction(tasks, table.specs(), opts);
  const report = {
    table: table.name,
    dryRun: opts.dryRun,
    startSnapshotId: snap?.snapshotId,
    options: opts,
    dataFilesBefore: tasks.length,
    deleteFilesBefore: liveDeletes.length,
    plan: groups.map((g) => describeGroup(g, partitionLabel(table, g))),
    commits: [] as CommitReport[],
    dropped: [] as DroppedGroupReport[],
    bytesRead: 0,
    bytesWritten: 0,
    rowsWritten: 0,
    maxEqualityPasses: 0,
    durationMs: 0,
  };
  if (opts.dryRun || !snap) return { ...report, durationMs: Date.now() - began };

  // Data sequence number for the new files: the start snapshot's (format v1 has none).
  const seq = table.metadata.formatVersion >= 2 ? snap.sequenceNumber : undefined;
  const removedSoFar = new Set<string>();
  const deletesRemovedSoFar = new Set<string>();
  for (const batch of commitBatches(groups, opts.maxCommitGroups)) {
    o.signal?.throwIfAborted();
    const rewritten: RewrittenGroup[] = [];
    try {
      for (const g of batch) {
        o.signal?.throwIfAborted();
        const r = await rewriteGroup(table, g, { ...opts, ...(o.sortRunRows ? { sortRunRows: o.sortRunRows } : {}) });
        rewritten.push(r);
        report.bytesRead += g.inputBytes;
        report.maxEqualityPasses = Math.max(report.maxEqualityPasses, r.passes);
        await o.onProgress?.({ kind: 'group-rewritten', partition: g.partitionKey, filesIn: g.tasks.length, filesOut: r.added.length });
      }
      await o.beforeCommit?.();
      o.signal?.throwIfAborted();
    } catch (err) {
      // Aborted or failed before the commit: the table is untouched, the new files go.
      await deleteOutputs(table, rewritten);
      throw err;
    }
    const outcome = await commitBatch(table, start, tasks, liveDeletes, rewritten, seq, removedSoFar, deletesRemovedSoFar);
    report.dropped.push(...outcome.dropped);
    if (outcome.commit) {
      report.commits.push(outcome.commit);
      report.bytesWritten += outcome.commit.bytesOut;
      report.rowsWritten += outcome.commit.rowsWritten;
      await o.onProgress?.({ kind: 'committed', snapshotId: outcome.commit.snapshotId, groups: outcome.commit.groups });
    }
  }
  return { ...report, durationMs: Date.now() - began };
}

/**
 * Commits one batch: re-validate against what was committed since the start, drop the
 * groups that conflict, remove the deletes the batch leaves dangling, commit; on a conflict
 * raised by the commit itself (a writer slipped in between), go round again.
 */
async function commitBatch(
  table: Table,
  start: TableState,
  tasks: readonly FileScanTask[],
  liveDeletes: readonly DataFile[],
  rewritten: RewrittenGroup[],
  seq: bigint | undefined,
  removedSoFar: Set<string>,
  deletesRemovedSoFar: Set<string>,
): Promise<{ commit?: CommitReport; dropped: DroppedGroupReport[] }> {
  const dropped: DroppedGroupReport[] = [];
  const readPaths = positionDeleteReader(table.io);
  let kept = rewritten;
  for (let round = 0; ; round++) {
    await table.refresh();
    const since = await changesSince(table.io, table.metadata, start.metadata.currentSnapshotId, table.name);
    const stillOk: RewrittenGroup[] = [];
    for (const r of kept) {
      const c = await conflictFor(r.group.tasks.map((t) => t.file), since, readPaths);
      if (c) {
        dropped.push(dropReport(r.group, c, partitionLabel(table, r.group)));
        await deleteOutputs(table, [r]);
      } else stillOk.push(r);
    }
    kept = stillOk;
    const removedData = new Set([...removedSoFar, ...kept.flatMap((r) => r.group.tasks.map((t) => t.file.filePath))]);
    const removedConcurrently = new Set(since.removedFiles.map((f) => f.filePath));
    // Someone else rewrote data files: their new files' sequence numbers are unknown here,
    // so no delete file is proven dangling in this commit.
    const foreignRewrite = since.removedFiles.some((f) => f.content === 'data' && !removedSoFar.has(f.filePath));
    const dangling = foreignRewrite
      ? []
      : danglingDeleteFiles(tasks, liveDeletes, removedData).filter((d) => !deletesRemovedSoFar.has(d.filePath) && !removedConcurrently.has(d.filePath));
    if (kept.length === 0 && dangling.length === 0) return { dropped };
    const inputs = kept.flatMap((r) => r.group.tasks.map((t) => t.file));
    const added = kept.flatMap((r) => r.added);
    const op = new MaintenanceRewrite(table.ops, table.state, start, readPaths).rewriteFiles([...inputs, ...dangling], added, seq).set('icetide.maintenance', 'compact');
    try {
      const { snapshot } = await op.commit();
      for (const f of inputs) removedSoFar.add(f.filePath);
      for (const d of dangling) deletesRemovedSoFar.add(d.filePath);
      return {
        dropped,
        commit: {
          snapshotId: snapshot.snapshotId,
          groups: kept.length,
          dataFilesRemoved: inputs.length,
          dataFilesAdded: added.length,
          deleteFilesRemoved: dangling.length,
          bytesIn: kept.reduce((n, r) => n + r.group.inputBytes, 0),
          bytesOut: kept.reduce((n, r) => n + r.bytesWritten, 0),
          rowsWritten: kept.reduce((n, r) => n + r.rowsWritten, 0),
        },
      };
    } catch (err) {
      if (!(err instanceof CommitConflictError) || round + 1 >= MAX_COMMIT_ROUNDS) {
        // An unknown outcome may have made the outputs live: they stay.
        if (!(err instanceof CommitStateUnknownError)) await deleteOutputs(table, kept);
        if (err instanceof CommitConflictError) {
          for (const r of kept) dropped.push({ partition: partitionLabel(table, r.group), filesIn: r.group.tasks.length, reason: `commit conflict: ${err.message}` });
          return { dropped };
        }
        throw err;
      }
    }
  }
}

async function deleteOutputs(table: Table, groups: readonly RewrittenGroup[]): Promise<void> {
  await Promise.all(groups.flatMap((r) => r.added.map((f) => table.io.delete(f.filePath).catch(() => undefined))));
}

function dropReport(g: FileGroup, c: GroupConflict, label: string): DroppedGroupReport {
  const why = c.reason === 'removed' ? `input ${c.dataFile} was removed concurrently` : `concurrent position delete ${c.file} applies to input ${c.dataFile}`;
  return { partition: label, filesIn: g.tasks.length, reason: why };
}

/** `region=1` style (Iceberg Java's partition path), with the spec id when the spec is not the default. */
export function partitionLabel(table: Table, g: FileGroup): string {
  const p = partitionPath(table, g.specId, g.partition) || '(unpartitioned)';
  return g.specId === table.metadata.defaultSpecId ? p : `spec ${g.specId}: ${p}`;
}

export function describeGroup(g: FileGroup, label: string = g.partitionKey): PlannedGroupReport {
  return {
    partition: label,
    specId: g.specId,
    filesIn: g.tasks.length,
    bytesIn: g.inputBytes,
    rowsIn: g.inputRows,
    deleteFiles: g.deleteFiles,
    expectedFilesOut: g.expectedOutputFiles,
    reasons: [...new Set(g.reasons)].join('+'),
  };
}
