import { ValidationError } from '../../src/errors.js';
import type { Table } from '../../src/iceberg/table.js';
import { parseDuration } from '../../src/cli/duration.js';
import { findResumeState, SUMMARY } from '../../src/sink/resume-state.js';
import { NO_WAIT_CONTEXT, throwIfAborted, type JobContext, type JobOptions, type JobResult, type MaintenanceJob } from '../jobs.js';

/**
 * Built-in snapshot expiry (DESIGN.md "Maintenance"): expires snapshots older than
 * `older-than` (default 5d) keeping the newest `retain-last` (default 1) and the newest
 * snapshot every pipeline resumes from, then deletes the files no retained snapshot reaches.
 * Aborting before the commit leaves the table untouched; after it, undeleted files are left
 * for orphan removal (the table is valid either way).
 */
export function expireOptions(o: JobOptions): { olderThanMs: number; retainLast: number } {
  const olderThan = o['older-than'] ?? '5d';
  const retainLast = o['retain-last'] ?? 1;
  if (typeof olderThan !== 'string') throw new ValidationError(`expire option older-than takes a duration like 5d, got ${JSON.stringify(olderThan)}`);
  if (typeof retainLast !== 'number' || !Number.isInteger(retainLast) || retainLast < 1) throw new ValidationError(`expire option retain-last takes an integer >= 1, got ${JSON.stringify(retainLast)}`);
  for (const k of Object.keys(o)) if (k !== 'older-than' && k !== 'retain-last') throw new ValidationError(`unknown expire option ${k} (expected older-than, retain-last)`);
  return { olderThanMs: parseDuration(olderThan, 'expire older-than'), retainLast };
}

export const expireJob: MaintenanceJob = {
  name: 'expire',
  description: 'expire old snapshots and delete the files only they reached',
  async run(table: Table, options: JobOptions, signal: AbortSignal, context: JobContext = NO_WAIT_CONTEXT): Promise<JobResult> {
    const { olderThanMs, retainLast } = expireOptions(options);
    await table.refresh();
    const md = table.metadata;
    const op = table.expireSnapshots().expireOlderThan(Date.now() - olderThanMs).retainLast(retainLast);
    const pipelines = new Set(md.snapshots.flatMap((s) => s.summary[SUMMARY.pipelineId] ?? []));
    for (const p of pipelines) {
      const resume = findResumeState(md, p);
      if (resume) op.keep(resume.snapshot.snapshotId);
    }
    if (op.toExpire(md).size === 0) return { filesIn: 0, bytesIn: 0, filesOut: 0, bytesOut: 0, summary: 'no snapshot to expire', noop: true };
    await context.beforeCommit(signal);
    throwIfAborted(signal);
    const r = await op.expire();
    const u = r.unreachable;
    const files = [...u.dataFiles, ...u.deleteFiles, ...u.manifests, ...u.manifestLists, ...u.statisticsFiles];
    let deleted = 0;
    let bytes = 0;
    for (const f of files) {
      if (signal.aborted) break; // committed already: the rest become orphans, the table is valid
      bytes += await table.io.length(f).catch(() => 0);
      await table.io.delete(f);
      deleted++;
    }
    return {
      filesIn: deleted,
      bytesIn: bytes,
      filesOut: 0,
      bytesOut: 0,
      summary: `expired ${r.expiredSnapshotIds.length} snapshot(s), deleted ${deleted} of ${files.length} unreachable file(s) (${u.dataFiles.length} data, ${u.deleteFiles.length} delete)`,
      details: { expiredSnapshots: r.expiredSnapshotIds.length, dataFiles: u.dataFiles.length, deleteFiles: u.deleteFiles.length },
    };
  },
};
