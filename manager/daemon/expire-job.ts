import { ValidationError } from '../../src/errors.js';
import type { Table } from '../../src/iceberg/table.js';
import { parseDuration } from '../../src/duration.js';
import { countExpiredFiles } from '../expiry/expired-files.js';
import { expireTable } from '../expiry/expire-table.js';
import { NO_WAIT_CONTEXT, type JobContext, type JobOptions, type JobResult, type MaintenanceJob } from '../jobs.js';

/** Checks a job's options: only the named keys, each of the expected kind. */
export function jobOptions<K extends string>(job: string, o: JobOptions, spec: Readonly<Record<K, 'duration' | 'int' | 'boolean'>>): Partial<Record<K, number | boolean>> {
  const out: Partial<Record<K, number | boolean>> = {};
  for (const [k, v] of Object.entries(o)) {
    const kind = (spec as Record<string, string>)[k];
    if (!kind) throw new ValidationError(`unknown ${job} option ${k} (expected ${Object.keys(spec).join(', ')})`);
    if (kind === 'duration') {
      if (typeof v !== 'string') throw new ValidationError(`${job} option ${k} takes a duration like 5d, got ${JSON.stringify(v)}`);
      out[k as K] = parseDuration(v, `${job} ${k}`);
    } else if (kind === 'int') {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ValidationError(`${job} option ${k} takes an integer >= 1, got ${JSON.stringify(v)}`);
      out[k as K] = v;
    } else {
      if (typeof v !== 'boolean') throw new ValidationError(`${job} option ${k} takes true or false, got ${JSON.stringify(v)}`);
      out[k as K] = v;
    }
  }
  return out;
}

/** Kept for callers that validate expire options at config time. */
export function expireOptions(o: JobOptions): { olderThanMs: number; retainLast: number; pipelineRetentionMs?: number } {
  const v = jobOptions('expire', o, { 'older-than': 'duration', 'retain-last': 'int', 'pipeline-retention': 'duration' });
  return {
    olderThanMs: (v['older-than'] as number | undefined) ?? 5 * 86_400_000,
    retainLast: (v['retain-last'] as number | undefined) ?? 1,
    ...(v['pipeline-retention'] !== undefined ? { pipelineRetentionMs: v['pipeline-retention'] as number } : {}),
  };
}

/**
 * Snapshot expiry (manager/expiry): keeps the newest `retain-last`, ref heads and the chain
 * back to every live pipeline's resume snapshot; deletes only what no retained snapshot
 * reaches. Waits for the writer's quiet moment before committing.
 */
export const expireJob: MaintenanceJob = {
  name: 'expire',
  description: 'expire old snapshots and delete the files only they reached',
  async run(table: Table, options: JobOptions, signal: AbortSignal, context: JobContext = NO_WAIT_CONTEXT): Promise<JobResult> {
    const o = expireOptions(options);
    const r = await expireTable(table, { ...o, signal, beforeCommit: () => context.beforeCommit(signal) });
    const n = countExpiredFiles(r.files);
    if (r.expiredSnapshotIds.length === 0) return { filesIn: 0, bytesIn: 0, filesOut: 0, bytesOut: 0, summary: 'no snapshot to expire', noop: true };
    return {
      filesIn: n,
      bytesIn: Number(r.files.contentBytes),
      filesOut: 0,
      bytesOut: 0,
      summary: `expired ${r.expiredSnapshotIds.length} snapshot(s), deleted ${n} unreachable file(s) (${r.files.dataFiles.length} data, ${r.files.deleteFiles.length} delete)${r.failures.length ? `, ${r.failures.length} delete failure(s)` : ''}`,
      details: { expiredSnapshots: r.expiredSnapshotIds.length, dataFiles: r.files.dataFiles.length, deleteFiles: r.files.deleteFiles.length, failures: r.failures.length },
    };
  },
};
