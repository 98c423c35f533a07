import type { TableMetadata } from '../../src/iceberg/spec/table-metadata.js';
import type { RunRecord } from '../state/state-store.js';
import { inWindow, type JobPolicy, type JobThresholds } from './config.js';
import { cadenceAllowsStart, writerCadence } from './writer-cadence.js';

/**
 * Why a job runs or not on a table right now. Pure: the scheduler gathers the facts (runs,
 * locks, slots) and this says what to do and why, in words for `icetide manager status`.
 */
export type JobState = 'running' | 'start' | 'waiting' | 'below-thresholds' | 'unavailable';

export interface Decision {
  readonly state: JobState;
  readonly reason: string;
  /** When it is worth looking again (ms since epoch), when known. */
  readonly nextCheckMs?: number;
}

export interface DecisionFacts {
  readonly policy: JobPolicy;
  readonly registered: boolean;
  readonly nowMs: number;
  /** This job's run on the table, when one is running. */
  readonly runningSelf?: { readonly runId?: number; readonly startedAtMs: number };
  /** Another job's run on the table (the table lock). */
  readonly lockedBy?: { readonly job: string; readonly runId?: number; readonly startedAtMs: number };
  readonly lastRun?: RunRecord;
  readonly metadata: TableMetadata;
  readonly respectWriterCadence: boolean;
  readonly freeSlots: number;
  readonly maxSlots: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const runName = (id: number | undefined): string => (id === undefined ? 'a run being recorded' : `run #${id}`);

export function durationText(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** The table's counts from the current snapshot summary (totals the writer keeps). */
export function tableCounts(md: TableMetadata): { snapshots: number; dataFiles: number; deleteFiles: number } {
  const cur = md.snapshots.find((s) => s.snapshotId === md.currentSnapshotId);
  const num = (k: string): number => Number(cur?.summary[k] ?? 0) || 0;
  return { snapshots: md.snapshots.length, dataFiles: num('total-data-files'), deleteFiles: num('total-delete-files') };
}

/** Undefined when a threshold is reached (or none is set); otherwise the shortfall in words. */
export function belowThresholds(t: JobThresholds, md: TableMetadata): string | undefined {
  const c = tableCounts(md);
  const checks: [number | undefined, number, string][] = [
    [t.minSnapshots, c.snapshots, 'snapshots'],
    [t.minDataFiles, c.dataFiles, 'data files'],
    [t.minDeleteFiles, c.deleteFiles, 'delete files'],
    [t.minFiles, c.dataFiles + c.deleteFiles, 'files'],
  ];
  const set = checks.filter(([min]) => min !== undefined) as [number, number, string][];
  if (set.length === 0 || set.some(([min, have]) => have >= min)) return undefined;
  return `below thresholds: ${set.map(([min, have, what]) => `${what} ${have} < ${min}`).join(', ')}`;
}

export function decide(f: DecisionFacts): Decision {
  const p = f.policy;
  if (f.runningSelf) return { state: 'running', reason: `running since ${iso(f.runningSelf.startedAtMs)} (${runName(f.runningSelf.runId)})` };
  if (!f.registered) return { state: 'unavailable', reason: `job ${p.job} is not available in this manager (not registered)` };
  if (f.lockedBy) {
    return { state: 'waiting', reason: `locked by ${runName(f.lockedBy.runId)} (${f.lockedBy.job}, started ${iso(f.lockedBy.startedAtMs)}): one job per table at a time` };
  }
  const last = f.lastRun;
  if (last) {
    const next = last.startedAtMs + p.intervalMs;
    if (f.nowMs < next) {
      const what = last.result === 'failed' || last.result === 'aborted'
        ? `last run #${last.id} ${last.result} at ${iso(last.endedAtMs ?? last.startedAtMs)} with: ${last.error ?? 'no message'}; next try at ${iso(next)}`
        : `next run at ${iso(next)} (every ${durationText(p.intervalMs)}; last run #${last.id} ${last.result} at ${iso(last.endedAtMs ?? last.startedAtMs)})`;
      return { state: 'waiting', reason: what, nextCheckMs: next };
    }
  }
  if (p.windows.length > 0 && !p.windows.some((w) => inWindow(w, f.nowMs))) {
    return { state: 'waiting', reason: `waiting for its window ${p.windows.map((w) => w.text).join(', ')} UTC` };
  }
  const below = belowThresholds(p.thresholds, f.metadata);
  if (below !== undefined) return { state: 'below-thresholds', reason: below };
  if (f.respectWriterCadence) {
    const c = cadenceAllowsStart(writerCadence(f.metadata), f.nowMs);
    if (!c.start) return { state: 'waiting', reason: c.reason, nextCheckMs: c.retryAtMs };
  }
  if (f.freeSlots <= 0) return { state: 'waiting', reason: `waiting for a free job slot (${f.maxSlots} of ${f.maxSlots} running)` };
  const failed = last && (last.result === 'failed' || last.result === 'aborted') ? ` (retrying: last run #${last.id} ${last.result} with: ${last.error ?? 'no message'})` : '';
  return { state: 'start', reason: `due${failed}` };
}
