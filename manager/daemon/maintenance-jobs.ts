import type { Table } from '../../src/iceberg/table.js';
import { NO_WAIT_CONTEXT, type JobContext, type JobOptions, type JobResult, type MaintenanceJob } from '../jobs.js';
import { rewriteManifests } from '../manifests/rewrite-manifests.js';
import { removeOrphans } from '../orphans/remove-orphans.js';
import { jobOptions } from './expire-job.js';

/**
 * Orphan removal as a scheduled job. Unlike the CLI (dry run by default), a policy that names
 * this job deletes, unless it sets `dry-run: true`; the 3-day window and in-flight markers
 * protect commits in flight.
 */
export const removeOrphansJob: MaintenanceJob = {
  name: 'remove-orphans',
  description: 'delete files under the table location that no metadata reaches (older than the window)',
  async run(table: Table, options: JobOptions, signal: AbortSignal): Promise<JobResult> {
    const o = jobOptions('remove-orphans', options, { 'older-than': 'duration', 'dry-run': 'boolean' });
    const r = await removeOrphans(table, { ...(o['older-than'] !== undefined ? { olderThanMs: o['older-than'] as number } : {}), dryRun: (o['dry-run'] as boolean | undefined) ?? false, signal });
    const bytes = r.orphans.reduce((n, f) => n + f.size, 0);
    return {
      filesIn: r.orphans.length,
      bytesIn: bytes,
      filesOut: 0,
      bytesOut: 0,
      summary: `${r.dryRun ? 'would delete' : 'deleted'} ${r.orphans.length} orphan file(s) (${bytes} bytes); ${r.keptTooNew} kept as too new`,
      ...(r.orphans.length === 0 ? { noop: true } : {}),
    };
  },
};

/** Manifest rewrite as a scheduled job: merges small manifests; no commit when nothing to merge. */
export const rewriteManifestsJob: MaintenanceJob = {
  name: 'rewrite-manifests',
  description: 'merge small manifests per partition spec',
  async run(table: Table, options: JobOptions, signal: AbortSignal, context: JobContext = NO_WAIT_CONTEXT): Promise<JobResult> {
    jobOptions('rewrite-manifests', options, {});
    const r = await rewriteManifests(table, { signal, beforeCommit: () => context.beforeCommit(signal) });
    return {
      filesIn: r.replaced,
      bytesIn: r.bytesReplaced,
      filesOut: r.created,
      bytesOut: r.bytesCreated,
      summary: r.snapshotId === undefined ? `nothing to merge (${r.manifestsBefore} manifests)` : `merged ${r.replaced} manifests into ${r.created} (${r.manifestsBefore} -> ${r.manifestsAfter})`,
      ...(r.snapshotId === undefined ? { noop: true } : {}),
    };
  },
};
