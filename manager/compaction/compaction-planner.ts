import { partitionKey } from '../../src/iceberg/partition-key.js';
import type { FileScanTask } from '../../src/iceberg/scan-planner.js';
import type { PartitionSpec } from '../../src/iceberg/spec/partition-spec.js';
import type { PartitionValues } from '../../src/iceberg/spec/values.js';
import type { PlanOptions } from './compaction-options.js';

/** Why a data file was picked. */
export type SelectionReason = 'small' | 'deletes';

/** Data files of one partition rewritten together into about `expectedOutputFiles` files. */
export interface FileGroup {
  /** partitionKey(specId, partition): groups of one partition share it. */
  readonly partitionKey: string;
  readonly specId: number;
  readonly partition: PartitionValues;
  readonly tasks: readonly FileScanTask[];
  readonly reasons: readonly SelectionReason[];
  readonly inputBytes: number;
  readonly inputRows: number;
  /** Delete files that apply to at least one input file. */
  readonly deleteFiles: number;
  readonly expectedOutputFiles: number;
}

/**
 * Plans a compaction (Iceberg Java BinPackRewriteFilePlanner, simplified). Pure: no I/O.
 *
 * Per partition (spec id + partition tuple; a file is never moved to another partition or
 * spec, spec "Partition Evolution"): a data file is picked when it is smaller than
 * `minFileSizeBytes` or has more than `deleteFileThreshold` delete files applied. Picked
 * files are bin-packed (first-fit decreasing by size) into groups of at most
 * `targetFileSizeBytes`. A group is kept only when rewriting gains something: two or more
 * inputs (fewer files), or an input with deletes applied (the deletes are materialised).
 */
export function planCompaction(tasks: readonly FileScanTask[], specs: ReadonlyMap<number, PartitionSpec>, o: PlanOptions): FileGroup[] {
  const byPartition = new Map<string, { task: FileScanTask; reason: SelectionReason }[]>();
  for (const t of tasks) {
    if (t.file.content !== 'data') continue;
    // A file in a spec the table no longer knows cannot be written back: leave it alone.
    if (!specs.has(t.file.specId)) continue;
    const size = Number(t.file.fileSizeInBytes);
    const reason: SelectionReason | undefined = t.deletes.length > o.deleteFileThreshold ? 'deletes' : size < o.minFileSizeBytes ? 'small' : undefined;
    if (!reason) continue;
    const key = partitionKey(t.file.specId, t.file.partition);
    let list = byPartition.get(key);
    if (!list) byPartition.set(key, (list = []));
    list.push({ task: t, reason });
  }
  const groups: FileGroup[] = [];
  for (const [key, picked] of [...byPartition].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (const bin of binPack(picked, (p) => Number(p.task.file.fileSizeInBytes), o.targetFileSizeBytes)) {
      const group = toGroup(key, bin.map((p) => p.task), bin.map((p) => p.reason), o.targetFileSizeBytes);
      if (group.tasks.length >= 2 || group.tasks.some((t) => t.deletes.length > 0)) groups.push(group);
    }
  }
  return groups;
}

function toGroup(key: string, tasks: FileScanTask[], reasons: SelectionReason[], target: number): FileGroup {
  const first = tasks[0]!.file;
  let bytes = 0;
  let rows = 0;
  const deletes = new Set<string>();
  for (const t of tasks) {
    bytes += Number(t.file.fileSizeInBytes);
    rows += Number(t.file.recordCount);
    for (const d of t.deletes) deletes.add(d.file.filePath);
  }
  return {
    partitionKey: key,
    specId: first.specId,
    partition: first.partition,
    tasks,
    reasons,
    inputBytes: bytes,
    inputRows: rows,
    deleteFiles: deletes.size,
    expectedOutputFiles: Math.max(1, Math.ceil(bytes / target)),
  };
}

/** First-fit decreasing: each item into the first bin it fits, bins capped at `capacity`. */
export function binPack<T>(items: readonly T[], size: (t: T) => number, capacity: number): T[][] {
  const sorted = [...items].sort((a, b) => size(b) - size(a));
  const bins: { items: T[]; used: number }[] = [];
  for (const it of sorted) {
    const s = size(it);
    const bin = bins.find((b) => b.used + s <= capacity);
    if (bin) {
      bin.items.push(it);
      bin.used += s;
    } else bins.push({ items: [it], used: s });
  }
  return bins.map((b) => b.items);
}

/**
 * Splits groups into at most `maxCommits` commits (Iceberg Java partial progress), keeping
 * every group of one partition in the same commit and the commits about equal in bytes.
 * A crash or conflict loses at most the commit in flight.
 */
export function commitBatches(groups: readonly FileGroup[], maxCommits: number): FileGroup[][] {
  const byPartition = new Map<string, FileGroup[]>();
  for (const g of groups) {
    const list = byPartition.get(g.partitionKey) ?? [];
    list.push(g);
    byPartition.set(g.partitionKey, list);
  }
  const parts = [...byPartition.values()];
  const n = Math.max(1, Math.min(maxCommits, parts.length));
  const batches: { groups: FileGroup[]; bytes: number }[] = Array.from({ length: n }, () => ({ groups: [], bytes: 0 }));
  const bytesOf = (p: FileGroup[]) => p.reduce((s, g) => s + g.inputBytes, 0);
  // Largest partition first into the lightest batch: balanced commits.
  for (const p of parts.sort((a, b) => bytesOf(b) - bytesOf(a))) {
    const lightest = batches.reduce((m, b) => (b.bytes < m.bytes ? b : m));
    lightest.groups.push(...p);
    lightest.bytes += bytesOf(p);
  }
  return batches.filter((b) => b.groups.length > 0).map((b) => b.groups);
}
