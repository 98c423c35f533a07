import type { TableMetadata } from '../../src/iceberg/spec/table-metadata.js';
import { SUMMARY } from '../../src/sink/resume-state.js';

/**
 * How often a streaming writer commits to a table, read from the snapshot log: the median gap
 * between the newest snapshots that carry `icetide.pipeline-id` (at most 20 of them).
 *
 * The heuristic: a maintenance commit lost to a writer's commit costs a retry (compaction
 * re-validates and may redo work), so the manager starts a job right after a writer commit and
 * lets it run in the quiet part of the cycle: a job may start only within the first half of the
 * interval after the last writer commit (the next writer commit is expected one interval after
 * it). With fewer than 3 writer commits, or when the writer has been silent for more than 3
 * intervals (stopped, idle), there is no cadence to respect and jobs start at any time.
 */
export interface WriterCadence {
  readonly intervalMs: number;
  readonly lastCommitMs: number;
  readonly commits: number;
}

export type CadenceDecision =
  | { readonly start: true }
  | { readonly start: false; readonly reason: string; readonly retryAtMs: number };

export function writerCadence(md: TableMetadata): WriterCadence | undefined {
  const times = md.snapshots
    .filter((s) => s.summary[SUMMARY.pipelineId] !== undefined)
    .map((s) => s.timestampMs)
    .sort((a, b) => a - b)
    .slice(-20);
  if (times.length < 3) return undefined;
  const gaps = times.slice(1).map((t, i) => t - times[i]!).sort((a, b) => a - b);
  const intervalMs = gaps[Math.floor(gaps.length / 2)]!;
  if (intervalMs <= 0) return undefined;
  return { intervalMs, lastCommitMs: times[times.length - 1]!, commits: times.length };
}

/** May a job start now, given the writer's cadence? */
export function cadenceAllowsStart(c: WriterCadence | undefined, nowMs: number): CadenceDecision {
  if (!c) return { start: true };
  const since = nowMs - c.lastCommitMs;
  if (since > 3 * c.intervalMs) return { start: true }; // writer silent: no window to avoid
  const phase = since % c.intervalMs;
  if (phase <= c.intervalMs / 2) return { start: true };
  const nextMs = nowMs - phase + c.intervalMs;
  return {
    start: false,
    reason: `waiting for the writer's next commit (it commits every ~${Math.round(c.intervalMs / 100) / 10}s; expected at ${new Date(nextMs).toISOString()}): jobs start right after a writer commit`,
    retryAtMs: nextMs,
  };
}

/** How long to hold a commit so that it does not land in the second half of the writer's cycle. */
export function commitDelayMs(c: WriterCadence | undefined, nowMs: number): number {
  const d = cadenceAllowsStart(c, nowMs);
  return d.start ? 0 : Math.max(0, d.retryAtMs - nowMs);
}

/**
 * Waits until a commit would fall in the quiet half of the writer's cycle: re-reads the table
 * (a new writer commit restarts the cycle at once) and gives up waiting after two intervals.
 */
export async function waitForCommitWindow(refresh: () => Promise<TableMetadata>, signal: AbortSignal, now: () => number = Date.now): Promise<void> {
  const first = writerCadence(await refresh());
  if (!first) return;
  const deadline = now() + 2 * first.intervalMs;
  for (;;) {
    if (signal.aborted || now() >= deadline) return;
    const delay = commitDelayMs(writerCadence(await refresh()), now());
    if (delay === 0) return;
    await new Promise((r) => setTimeout(r, Math.min(delay, 250, Math.max(0, deadline - now()))));
  }
}
