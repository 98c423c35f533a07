import { ValidationError } from '../../src/errors.js';
import type { Table } from '../../src/iceberg/table.js';
import { NO_WAIT_CONTEXT, type JobContext, type JobOptions, type JobResult, type MaintenanceJob } from '../jobs.js';
import { compactTable, type CompactionRunOptions } from './compact-table.js';
import { minorCompactTable } from './minor-compaction.js';

/** manager.yaml option -> CompactionOptions field (same names as the CLI flags). */
const COMPACT_OPTIONS = {
  'target-file-size': 'targetFileSizeBytes',
  'min-file-size': 'minFileSizeBytes',
  'delete-file-threshold': 'deleteFileThreshold',
  'max-commit-groups': 'maxCommitGroups',
  'max-equality-keys': 'maxEqualityKeysInMemory',
  'decode-workers': 'decodeWorkers',
} as const;

export function compactOptions(o: JobOptions): CompactionRunOptions {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) {
    const field = COMPACT_OPTIONS[k as keyof typeof COMPACT_OPTIONS];
    if (!field) throw new ValidationError(`unknown compact option ${k} (expected ${Object.keys(COMPACT_OPTIONS).join(', ')})`);
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new ValidationError(`compact option ${k} takes a whole number, got ${JSON.stringify(v)}`);
    out[field] = v;
  }
  return out;
}

/** Built-in compaction (DESIGN.md "Maintenance"): bin-pack small files, deletes applied. */
export const compactJob: MaintenanceJob = {
  name: 'compact',
  description: 'rewrite small data files (deletes applied) into files of the target size',
  async run(table: Table, options: JobOptions, signal: AbortSignal, context: JobContext = NO_WAIT_CONTEXT): Promise<JobResult> {
    const r = await compactTable(table, { ...compactOptions(options), signal, beforeCommit: () => context.beforeCommit(signal) });
    const filesIn = r.commits.reduce((n, c) => n + c.dataFilesRemoved + c.deleteFilesRemoved, 0);
    const filesOut = r.commits.reduce((n, c) => n + c.dataFilesAdded, 0);
    const dropped = r.dropped.length > 0 ? `; ${r.dropped.length} group(s) dropped after concurrent deletes (retried next run)` : '';
    return {
      filesIn,
      bytesIn: r.commits.reduce((n, c) => n + c.bytesIn, 0),
      filesOut,
      bytesOut: r.bytesWritten,
      summary: r.commits.length === 0 ? `nothing to compact${dropped}` : `${r.commits.length} commit(s): ${filesIn} files -> ${filesOut}${dropped}`,
      ...(r.commits.length === 0 ? { noop: true } : {}),
      details: { commits: r.commits.length, groupsPlanned: r.plan.length, groupsDropped: r.dropped.length, rowsWritten: r.rowsWritten, durationMs: r.durationMs },
    };
  },
};

/** Built-in minor compaction: equality deletes -> position deletes, dangling deletes dropped. */
export const compactMinorJob: MaintenanceJob = {
  name: 'compact-minor',
  description: 'turn equality deletes into position deletes and drop delete files that apply to nothing',
  async run(table: Table, options: JobOptions, signal: AbortSignal, context: JobContext = NO_WAIT_CONTEXT): Promise<JobResult> {
    const known = ['max-equality-keys', 'max-commit-groups'];
    for (const k of Object.keys(options)) if (!known.includes(k)) throw new ValidationError(`unknown compact-minor option ${k} (expected ${known.join(' or ')})`);
    for (const k of known) {
      const v = options[k];
      if (v !== undefined && (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0)) throw new ValidationError(`compact-minor option ${k} takes a positive whole number, got ${JSON.stringify(v)}`);
    }
    const keys = options['max-equality-keys'];
    const groups = options['max-commit-groups'];
    const r = await minorCompactTable(table, {
      signal, beforeCommit: () => context.beforeCommit(signal),
      ...(typeof keys === 'number' ? { maxEqualityKeysInMemory: keys } : {}),
      ...(typeof groups === 'number' ? { maxCommitGroups: groups } : {}),
    });
    const removed = r.equalityDeleteFilesRemoved + r.danglingDeleteFilesRemoved;
    return {
      filesIn: removed,
      bytesIn: 0,
      filesOut: r.positionDeleteFilesAdded,
      bytesOut: 0,
      summary: r.conflict
        ? `conflict after ${r.commits.length} commit(s) (the rest is retried next run): ${r.conflict}`
        : r.snapshotId === undefined
          ? 'no equality or dangling deletes'
          : `${r.equalityDeleteFilesRemoved} equality delete file(s) -> ${r.positionDeleteFilesAdded} position delete file(s) (${r.positionDeletesWritten} rows); ${r.danglingDeleteFilesRemoved} dangling removed`,
      ...(r.snapshotId === undefined ? { noop: true } : {}),
      details: { ...r, snapshotId: String(r.snapshotId ?? ''), startSnapshotId: String(r.startSnapshotId ?? ''), conflict: r.conflict ?? '', commits: r.commits.length },
    };
  },
};
