import { ValidationError } from '../errors.js';
import { ancestors, currentSnapshot } from '../iceberg/metadata-updates.js';
import type { PartitionField, PartitionSpec } from '../iceberg/spec/partition-spec.js';
import type { TableMetadata } from '../iceberg/spec/table-metadata.js';
import { daysFromCivil } from '../iceberg/spec/value-serialization.js';
import { SUMMARY } from '../sink/resume-state.js';

/**
 * Commit-aware readiness (DESIGN.md "Readiness"). The watermark W of a table means: every
 * source change whose commit time is <= W is in a committed snapshot. It lives in snapshot
 * summaries (`icetide.watermark-ms`), written in the same commit as the data, so readiness
 * is read from the table itself — never from a process that says it is running.
 */
export interface TableReadiness {
  readonly ready: boolean;
  readonly untilMs: number;
  readonly watermarkMs?: number;
  /** now - watermark. */
  readonly lagMs?: number;
  readonly snapshotId?: bigint;
  readonly commitTimeMs?: number;
}

/** A pipeline whose newest commit is this much older than the newest pipeline commit is retired. */
export const RETIRED_PIPELINE_AFTER_MS = 7 * 86_400_000;

/**
 * The table's watermark: each pipeline's newest committed watermark, and the minimum over the
 * pipelines feeding the table (several sources, e.g. shards written by separate pipelines, are
 * only complete up to the slowest). A pipeline silent for RETIRED_PIPELINE_AFTER_MS longer than
 * the newest one no longer holds the table back. Snapshots without a pipeline id (maintenance)
 * carry a copy forward; they count only when no pipeline commit is in the history.
 */
export function tableWatermark(md: TableMetadata): { watermarkMs: number; snapshotId: bigint } | undefined {
  const newest = new Map<string, { watermarkMs: number; snapshotId: bigint; timestampMs: number }>();
  let carried: { watermarkMs: number; snapshotId: bigint } | undefined;
  for (const s of ancestors(md, md.currentSnapshotId)) {
    const wm = s.summary[SUMMARY.watermark];
    if (wm === undefined || !/^\d+$/.test(wm)) continue;
    const pipeline = s.summary[SUMMARY.pipelineId];
    if (pipeline === undefined) carried ??= { watermarkMs: Number(wm), snapshotId: s.snapshotId };
    else if (!newest.has(pipeline)) newest.set(pipeline, { watermarkMs: Number(wm), snapshotId: s.snapshotId, timestampMs: s.timestampMs });
  }
  if (newest.size === 0) return carried;
  const latest = Math.max(...[...newest.values()].map((p) => p.timestampMs));
  const live = [...newest.values()].filter((p) => latest - p.timestampMs <= RETIRED_PIPELINE_AFTER_MS);
  const min = live.reduce((a, b) => (b.watermarkMs < a.watermarkMs ? b : a));
  return { watermarkMs: min.watermarkMs, snapshotId: min.snapshotId };
}

/**
 * Why a table has no watermark, naming what is missing: no snapshot at all, snapshots that no
 * icetide pipeline wrote, or a pipeline that has committed rows but not yet a watermark (in
 * the middle of a full load, or not yet caught up with its source).
 */
export function noWatermarkReason(name: string, md: TableMetadata): string {
  const snaps = [...ancestors(md, md.currentSnapshotId)];
  if (snaps.length === 0) return `table ${name} has no snapshot yet: no pipeline has committed to it (run icetide ingest on a pipeline that writes it)`;
  const newest = snaps.find((s) => s.summary[SUMMARY.pipelineId] !== undefined);
  if (!newest) return `table ${name} has no watermark: none of its ${snaps.length} snapshot(s) was committed by an icetide pipeline (readiness needs a table written by icetide ingest)`;
  const pipeline = newest.summary[SUMMARY.pipelineId]!;
  if (newest.summary[SUMMARY.phase] === 'snapshot') {
    return `table ${name} has no watermark yet: pipeline ${pipeline} is in the middle of its full load (snapshot ${newest.snapshotId}); the watermark is committed when the load ends, so keep icetide ingest running`;
  }
  return `table ${name} has no watermark yet: pipeline ${pipeline} has committed rows (snapshot ${newest.snapshotId}) but has not yet proven it is caught up with its source; the watermark is committed when it is`;
}

/** ready(table, T) iff the current snapshot's watermark >= T. */
export function tableReadiness(md: TableMetadata, untilMs: number, nowMs = Date.now()): TableReadiness {
  const wm = tableWatermark(md);
  const cur = currentSnapshot(md);
  return {
    ready: wm !== undefined && wm.watermarkMs >= untilMs,
    untilMs,
    ...(wm ? { watermarkMs: wm.watermarkMs, lagMs: nowMs - wm.watermarkMs } : {}),
    ...(cur ? { snapshotId: cur.snapshotId, commitTimeMs: cur.timestampMs } : {}),
  };
}

const DAY = 86_400_000;

/**
 * End (exclusive, ms since epoch) of a time partition: day/hour/month/year transforms, or an
 * identity partition on a date column. Partition values are what the transform produces.
 */
export function partitionEndMs(field: PartitionField, value: number, sourceKind: string): number {
  switch (field.transform.kind) {
    case 'hour':
      return (value + 1) * 3_600_000;
    case 'day':
      return (value + 1) * DAY;
    case 'month': {
      const next = value + 1;
      return daysFromCivil(1970 + Math.floor(next / 12), (((next % 12) + 12) % 12) + 1, 1) * DAY;
    }
    case 'year':
      return daysFromCivil(1970 + value + 1, 1, 1) * DAY;
    case 'identity':
      if (sourceKind === 'date') return (value + 1) * DAY;
      break;
    default:
      break;
  }
  throw new ValidationError(`partition field ${field.name} (${field.transform.kind}) is not a time partition: per-partition readiness needs hour/day/month/year or identity on a date`);
}

/**
 * Parses the human form of a time partition value (as in partition paths): hour
 * `2026-11-23-10`, day `2026-11-23`, month `2026-11`, year `2026`.
 */
export function parsePartitionValue(field: PartitionField, text: string, sourceKind: string): number {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:-(\d{2}))?)?)?$/.exec(text.trim());
  const want = { year: 1, month: 2, day: 3, hour: 4, identity: 3 }[field.transform.kind as 'year'];
  const parts = m ? m.slice(1).filter((x) => x !== undefined).length : 0;
  if (!m || parts !== want || (field.transform.kind === 'identity' && sourceKind !== 'date')) {
    throw new ValidationError(`partition ${field.name}: "${text}" is not a ${field.transform.kind} value (hour 2026-11-23-10, day 2026-11-23, month 2026-11, year 2026)`);
  }
  const [y, mo, d, h] = [Number(m[1]), Number(m[2] ?? 1), Number(m[3] ?? 1), Number(m[4] ?? 0)];
  switch (field.transform.kind) {
    case 'year':
      return y - 1970;
    case 'month':
      return (y - 1970) * 12 + (mo - 1);
    case 'hour':
      return daysFromCivil(y, mo, d) * 24 + h;
    default:
      return daysFromCivil(y, mo, d);
  }
}

export interface PartitionReadiness extends TableReadiness {
  readonly partition: string;
  readonly partitionEndMs: number;
  readonly allowedLatenessMs: number;
}

/** Partition P is ready when W >= end(P) + allowed lateness. */
export function partitionReadiness(md: TableMetadata, spec: PartitionSpec, sourceKindOf: (sourceId: number) => string, partition: string, allowedLatenessMs: number, nowMs = Date.now()): PartitionReadiness {
  const eq = partition.indexOf('=');
  if (eq < 0) throw new ValidationError(`--partition takes name=value (e.g. created_at_day=2026-11-23), got "${partition}"`);
  const name = partition.slice(0, eq);
  const field = spec.fields.find((f) => f.name === name);
  if (!field) throw new ValidationError(`no partition field ${name} (fields: ${spec.fields.map((f) => f.name).join(', ') || 'none: the table is unpartitioned'})`);
  const kind = sourceKindOf(field.sourceId);
  const end = partitionEndMs(field, parsePartitionValue(field, partition.slice(eq + 1), kind), kind);
  const t = tableReadiness(md, end + allowedLatenessMs, nowMs);
  return { ...t, partition, partitionEndMs: end, allowedLatenessMs };
}
