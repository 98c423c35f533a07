import { CommitConflictError, CommitStateUnknownError } from '../../src/errors.js';
import { DeleteLoader } from '../../src/iceberg/read/table-scan.js';
import type { FileScanTask, PlannedFile } from '../../src/iceberg/scan-planner.js';
import type { DataFile } from '../../src/iceberg/spec/manifest.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import type { Table } from '../../src/iceberg/table.js';
import { partitionKey } from '../../src/iceberg/partition-key.js';
import { parquetWriteOptionsFromProperties, readParquetRows } from '../../src/parquet/index.js';
import { writePositionDeletes } from '../../src/sink/delete-file-writers.js';
import { DEFAULT_MAX_COMMIT_GROUPS, DEFAULT_MAX_EQUALITY_KEYS } from './compaction-options.js';
import { MaintenanceRewrite } from './compaction-commit.js';
import { positionDeleteReader } from './concurrent-changes.js';
import { danglingDeleteFiles } from './dangling-deletes.js';
import { EqualityDeleteIndex } from './equality-delete-index.js';
import { fieldResolver } from './group-rewriter.js';
import { partitionPath } from '../../src/iceberg/partition-path.js';
import { withInflightMarker } from '../../src/sink/inflight-marker.js';

export interface MinorCompactionOptions {
  readonly dryRun?: boolean;
  readonly maxEqualityKeysInMemory?: number;
  /** Commit in at most this many steps of whole partitions (partial progress; default 10). */
  readonly maxCommitGroups?: number;
  readonly signal?: AbortSignal;
  /** Awaited right before the commit (the daemon waits out the streaming writer's commit window). */
  readonly beforeCommit?: () => Promise<void>;
}

export interface MinorCompactionReport {
  readonly table: string;
  readonly dryRun: boolean;
  readonly startSnapshotId: bigint | undefined;
  /** Data files with equality deletes applied: read (key columns only) to find the rows. */
  readonly dataFilesScanned: number;
  readonly equalityDeleteFilesRemoved: number;
  readonly positionDeleteFilesAdded: number;
  readonly positionDeletesWritten: number;
  /** Delete files that applied to no live data file (position or equality, global included). */
  readonly danglingDeleteFilesRemoved: number;
  /** The last commit's snapshot (undefined: nothing committed). */
  readonly snapshotId?: bigint;
  /** One entry per commit (partial progress: whole partitions per commit). */
  readonly commits: readonly MinorCommitReport[];
  /** Set when a concurrent commit made this run stop (commits before it stay; the rest is retried next run). */
  readonly conflict?: string;
  readonly durationMs: number;
}

export interface MinorCommitReport {
  readonly snapshotId: bigint;
  readonly partitions: number;
  readonly positionDeleteFilesAdded: number;
  readonly positionDeletesWritten: number;
  readonly equalityDeleteFilesRemoved: number;
  readonly danglingDeleteFilesRemoved: number;
}

/**
 * Minor compaction (DESIGN.md "Maintenance"): turns equality deletes into position deletes
 * for the data files they hit, without rewriting data files, and drops delete files that
 * apply to no live data file. Readers then do a cheap position lookup instead of loading
 * every key (spec "Position Delete Files" vs "Equality Delete Files").
 *
 * Only the key columns of the hit data files are read. Memory: equality keys as in
 * EqualityDeleteIndex (at most `maxEqualityKeysInMemory` at once), plus the new deleted
 * positions of one partition before they are written (at most that partition's row count).
 *
 * Commit: a `replace` (rows unchanged) that adds the position deletes and removes every
 * equality delete file of the start snapshot that applied to some data file (all of its rows
 * now have position deletes) plus the dangling ones. It fails (reported, nothing lost) if a
 * concurrent commit removed one of the hit data files: a rewrite of that file may still need
 * the equality delete. Equality deletes committed meanwhile are untouched.
 */
export async function minorCompactTable(table: Table, o: MinorCompactionOptions = {}): Promise<MinorCompactionReport> {
  return o.dryRun ? minorCompactTableMarked(table, o) : withInflightMarker(table, () => minorCompactTableMarked(table, o));
}

async function minorCompactTableMarked(table: Table, o: MinorCompactionOptions = {}): Promise<MinorCompactionReport> {
  const began = Date.now();
  await table.refresh();
  const start = table.state;
  const snap = table.currentSnapshot();
  // one read of the manifests serves the plan and the live delete files
  const entries = snap ? await table.entries(snap.snapshotId) : [];
  const tasks = snap ? table.planEntries(entries, snap.snapshotId) : [];
  const liveDeletes = entries.filter((e) => e.status !== 'deleted' && e.dataFile.content !== 'data').map((e) => e.dataFile);
  const hit = tasks.filter((t) => t.deletes.some((d) => d.file.content === 'equality-deletes'));
  const eqApplied = new Map<string, DataFile>();
  for (const t of hit) for (const d of t.deletes) if (d.file.content === 'equality-deletes') eqApplied.set(d.file.filePath, d.file);
  const dangling = danglingDeleteFiles(tasks, liveDeletes, new Set());
  const base = {
    table: table.name,
    dryRun: o.dryRun ?? false,
    startSnapshotId: snap?.snapshotId,
    dataFilesScanned: hit.length,
    equalityDeleteFilesRemoved: eqApplied.size,
    danglingDeleteFilesRemoved: dangling.length,
  };
  if (o.dryRun || !snap || (hit.length === 0 && dangling.length === 0)) {
    return { ...base, positionDeleteFilesAdded: 0, positionDeletesWritten: 0, commits: [], durationMs: Date.now() - began };
  }
  const maxKeys = o.maxEqualityKeysInMemory ?? DEFAULT_MAX_EQUALITY_KEYS;
  const byPartition = new Map<string, FileScanTask[]>();
  for (const t of hit) {
    const k = partitionKey(t.file.specId, t.file.partition);
    byPartition.set(k, [...(byPartition.get(k) ?? []), t]);
  }
  // Which hit data files each equality delete file applies to: it may go once all of them
  // have their position deletes committed (a global one: after the last partition).
  const targets = new Map<string, Set<string>>();
  for (const t of hit) for (const d of t.deletes) if (d.file.content === 'equality-deletes') (targets.get(d.file.filePath) ?? targets.set(d.file.filePath, new Set()).get(d.file.filePath)!).add(t.file.filePath);
  const batches = partitionBatches([...byPartition.values()], o.maxCommitGroups ?? DEFAULT_MAX_COMMIT_GROUPS);
  const covered = new Set<string>();
  const removedEq = new Set<string>();
  const commits: MinorCommitReport[] = [];
  const totals = () => ({
    positionDeleteFilesAdded: commits.reduce((n, c) => n + c.positionDeleteFilesAdded, 0),
    positionDeletesWritten: commits.reduce((n, c) => n + c.positionDeletesWritten, 0),
    equalityDeleteFilesRemoved: commits.reduce((n, c) => n + c.equalityDeleteFilesRemoved, 0),
    danglingDeleteFilesRemoved: commits.reduce((n, c) => n + c.danglingDeleteFilesRemoved, 0),
  });
  const finish = (conflict?: string): MinorCompactionReport => ({
    ...base, ...totals(), commits, ...(commits.length > 0 ? { snapshotId: commits.at(-1)!.snapshotId } : {}), ...(conflict ? { conflict } : {}), durationMs: Date.now() - began,
  });
  for (let b = 0; b < batches.length; b++) {
    const batch = batches[b]!;
    const last = b === batches.length - 1;
    const added: DataFile[] = [];
    let written = 0;
    try {
      for (const partTasks of batch) {
        o.signal?.throwIfAborted();
        const deletes = await deletedPositions(table, partTasks, maxKeys);
        if (deletes.length === 0) continue;
        const first = partTasks[0]!.file;
        const dir = partitionPath(table, first.specId, first.partition);
        const files = await writePositionDeletes(
          { io: table.io, opts: parquetWriteOptionsFromProperties(table.metadata.properties), newLocation: (f, p) => table.ops.newDataLocation(f, p || undefined) },
          [{ specId: first.specId, values: first.partition, path: dir, deletes }],
        );
        added.push(...files);
        written += deletes.length;
      }
      const batchFiles = batch.flat().map((t) => t.file.filePath);
      const nowCovered = new Set([...covered, ...batchFiles]);
      const goingEq = [...targets].filter(([path, ts]) => !removedEq.has(path) && [...ts].every((f) => nowCovered.has(f))).map(([path]) => path);
      const goingDangling = last ? dangling.filter((d) => !eqApplied.has(d.filePath)) : [];
      if (added.length === 0 && goingEq.length === 0 && goingDangling.length === 0) {
        for (const f of batchFiles) covered.add(f);
        continue;
      }
      await o.beforeCommit?.();
      o.signal?.throwIfAborted();
      // Every data file a removed equality delete applies to must still be live: a concurrent
      // rewrite of one may still need it.
      const live = new Set(batchFiles);
      for (const path of goingEq) for (const f of targets.get(path)!) live.add(f);
      await table.refresh();
      const op = new MaintenanceRewrite(table.ops, table.state, start, positionDeleteReader(table.io))
        .rewriteFiles([...goingEq.map((path) => eqApplied.get(path)!), ...goingDangling], added)
        .requireLive(live)
        .set('icetide.maintenance', 'compact-minor');
      const { snapshot } = await op.commit();
      for (const f of batchFiles) covered.add(f);
      for (const path of goingEq) removedEq.add(path);
      commits.push({
        snapshotId: snapshot.snapshotId, partitions: batch.length, positionDeleteFilesAdded: added.length, positionDeletesWritten: written,
        equalityDeleteFilesRemoved: goingEq.length, danglingDeleteFilesRemoved: goingDangling.length,
      });
    } catch (err) {
      if (err instanceof CommitStateUnknownError) throw err; // the added files may be live
      await Promise.all(added.map((f) => table.io.delete(f.filePath).catch(() => undefined)));
      if (!(err instanceof CommitConflictError)) throw err;
      return finish(err.message);
    }
  }
  return finish();
}

/**
 * Splits partitions into at most `maxCommits` batches of whole partitions, balanced by data
 * file count (largest first into the lightest batch), in a stable order. No partitions: one
 * empty batch, the step that removes the dangling deletes.
 */
function partitionBatches(parts: readonly FileScanTask[][], maxCommits: number): FileScanTask[][][] {
  const n = Math.max(1, Math.min(maxCommits, parts.length));
  const batches = Array.from({ length: n }, () => ({ parts: [] as FileScanTask[][], files: 0 }));
  for (const p of [...parts].sort((a, b) => b.length - a.length)) {
    const lightest = batches.reduce((m, b) => (b.files < m.files ? b : m));
    lightest.parts.push(p);
    lightest.files += p.length;
  }
  // With at least as many partitions as batches, every batch gets one.
  return batches.map((b) => b.parts);
}

/** Positions (not yet position-deleted) of the rows that the tasks' equality deletes remove. */
async function deletedPositions(table: Table, tasks: readonly FileScanTask[], maxKeys: number): Promise<{ file_path: string; pos: bigint }[]> {
  const schema = table.schema();
  const fieldOf = fieldResolver(table);
  const eqFiles = new Map<string, PlannedFile>();
  for (const t of tasks) for (const d of t.deletes) if (d.file.content === 'equality-deletes') eqFiles.set(d.file.filePath, d);
  const index = new EqualityDeleteIndex(table.io, [...eqFiles.values()], fieldOf, schema, maxKeys);
  const loader = new DeleteLoader(table.io, fieldOf);
  // Read only the top-level columns that hold equality fields.
  const top = new Set<number>();
  for (const d of eqFiles.values()) {
    for (const id of d.file.equalityIds ?? []) {
      let cur = id;
      for (let p = schema.parentId(cur); p !== undefined; p = schema.parentId(p)) cur = p;
      top.add(cur);
    }
  }
  const projection = new Schema(0, schema.fields.filter((f) => top.has(f.id)));
  const out: { file_path: string; pos: bigint }[] = [];
  for (let b = 0; b < index.passes; b++) {
    const pass = await index.load(b);
    for (const t of tasks) {
      const already = await loader.positionsFor(t.file.filePath, t.deletes);
      // Spec "Column Projection": an identity-partition source column missing from the file takes the partition value.
      const constants = new Map<number, unknown>();
      table.specs().get(t.file.specId)?.fields.forEach((pf, i) => {
        if (pf.transform.kind === 'identity' && top.has(pf.sourceId)) constants.set(pf.sourceId, t.file.partition[i] ?? null);
      });
      let pos = 0n;
      for await (const batch of readParquetRows(table.io, t.file.filePath, projection, { constants })) {
        for (const row of batch) {
          const p = pos++;
          if (!already.has(p) && pass.owns(row) && pass.deletes(row, t.dataSequenceNumber)) out.push({ file_path: t.file.filePath, pos: p });
        }
      }
    }
  }
  return out;
}
