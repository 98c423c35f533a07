import type { FileIO } from '../../src/io/file-io.js';
import { effectiveState, readPipelineStatuses, type ReportedPipelineState } from '../../src/pipeline/pipeline-status.js';

/** A pipeline as the API shows it: its status file, with `stalled` derived from the heartbeat. */
export interface PipelineView {
  readonly pipelineId: string;
  readonly state: ReportedPipelineState;
  readonly updatedAt: string;
  readonly host: string;
  readonly pid: number;
  readonly source: string;
  readonly tables: readonly string[];
  /** now - the pipeline's committed watermark; null before its first watermark. */
  readonly lagSeconds: number | null;
  readonly rowsPerSecond: number;
  readonly events: number;
  readonly commits: number;
  readonly commitIntervalMs: number;
  readonly lastCommitAt: string | null;
  readonly lastPosition: string | null;
  readonly lastError: string | null;
}

export async function pipelineViews(io: FileIO, warehouse: string, nowMs = Date.now()): Promise<PipelineView[]> {
  return (await readPipelineStatuses(io, warehouse)).map((s) => ({
    pipelineId: s.pipelineId,
    state: effectiveState(s, nowMs),
    updatedAt: new Date(s.updatedAtMs).toISOString(),
    host: s.host,
    pid: s.pid,
    source: s.source,
    tables: s.tables,
    lagSeconds: s.watermarkMs === undefined ? null : (nowMs - s.watermarkMs) / 1000,
    rowsPerSecond: s.rowsPerSecond,
    events: s.events,
    commits: s.commits,
    commitIntervalMs: s.commitIntervalMs,
    lastCommitAt: s.lastCommitAtMs === undefined ? null : new Date(s.lastCommitAtMs).toISOString(),
    lastPosition: s.lastPosition ?? null,
    lastError: s.lastError ?? null,
  }));
}
