import type { FileIO } from '../io/file-io.js';
import { joinLocation } from '../io/location.js';
import { NotFoundError } from '../errors.js';

/**
 * What a running `icetide ingest` publishes about itself, for the manager's `/v1/pipelines`
 * and status page: `<warehouse>/_icetide/pipelines/<pipeline-id>.json`, rewritten after every
 * commit and on stop/failure. Readiness never comes from here (it comes from committed
 * snapshots); this is for operators: is it running, how fast, what went wrong.
 */
export type PipelineState = 'starting' | 'snapshotting' | 'streaming' | 'stopped' | 'failed';
/** `stalled` is not written: readers derive it from a stale heartbeat. */
export type ReportedPipelineState = PipelineState | 'stalled';

export interface PipelineStatus {
  readonly pipelineId: string;
  readonly state: PipelineState;
  /** Heartbeat: ms since epoch of this write. */
  readonly updatedAtMs: number;
  readonly pid: number;
  readonly host: string;
  readonly source: string;
  readonly tables: readonly string[];
  readonly events: number;
  readonly commits: number;
  readonly rowsPerSecond: number;
  readonly lastCommitAtMs?: number;
  readonly lastPosition?: string;
  readonly watermarkMs?: number;
  readonly lastError?: string;
  /** The interval the pipeline commits at: a heartbeat older than a few of these means stalled. */
  readonly commitIntervalMs: number;
}

export const PIPELINE_STATUS_DIR = '_icetide/pipelines';

export function pipelineStatusLocation(warehouse: string, pipelineId: string): string {
  return joinLocation(warehouse, PIPELINE_STATUS_DIR, `${pipelineId}.json`);
}

export async function writePipelineStatus(io: FileIO, warehouse: string, s: PipelineStatus): Promise<void> {
  await io.write(pipelineStatusLocation(warehouse, s.pipelineId), new TextEncoder().encode(JSON.stringify(s, null, 2)));
}

/** A running pipeline whose heartbeat is older than max(3 commit intervals, 30 s) is stalled. */
export function effectiveState(s: PipelineStatus, nowMs = Date.now()): ReportedPipelineState {
  const live = s.state === 'starting' || s.state === 'snapshotting' || s.state === 'streaming';
  return live && nowMs - s.updatedAtMs > Math.max(3 * s.commitIntervalMs, 30_000) ? 'stalled' : s.state;
}

export async function readPipelineStatuses(io: FileIO, warehouse: string): Promise<PipelineStatus[]> {
  const out: PipelineStatus[] = [];
  for await (const f of io.list(joinLocation(warehouse, PIPELINE_STATUS_DIR))) {
    if (!f.location.endsWith('.json')) continue;
    try {
      out.push(JSON.parse(new TextDecoder().decode(await io.read(f.location))) as PipelineStatus);
    } catch (err) {
      if (!(err instanceof NotFoundError) && !(err instanceof SyntaxError)) throw err; // being rewritten: skip this round
    }
  }
  return out.sort((a, b) => a.pipelineId.localeCompare(b.pipelineId));
}
