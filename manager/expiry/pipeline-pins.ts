import { ancestors } from '../../src/iceberg/metadata-updates.js';
import type { TableMetadata } from '../../src/iceberg/spec/table-metadata.js';
import { SUMMARY } from '../../src/sink/resume-state.js';

/** The newest commit of one pipeline on the main branch, and whether expiry must keep it. */
export interface PipelinePin {
  readonly pipelineId: string;
  readonly snapshotId: bigint;
  readonly committedMs: number;
  /** False when the pipeline is retired: its newest commit is older than the pipeline retention. */
  readonly pinned: boolean;
}

export interface PipelinePins {
  readonly pipelines: PipelinePin[];
  /**
   * Snapshot ids to keep: the current snapshot back to the oldest pinned resume snapshot.
   * The whole chain, not just the resume snapshot, because a pipeline finds its resume point
   * by walking parent pointers from the current snapshot (`findResumeState`), and that walk
   * stops at the first expired parent.
   */
  readonly keep: Set<bigint>;
}

/**
 * Which snapshots live pipelines resume from (DESIGN.md "Maintenance": expiry keeps the newest
 * snapshot each live pipeline resumes from). A pipeline whose newest commit is older than
 * `retentionMs` counts as retired and pins nothing, so a decommissioned pipeline does not hold
 * history forever; `retentionMs` undefined pins every pipeline ever seen on the main branch.
 */
export function pipelinePins(md: TableMetadata, nowMs: number, retentionMs: number | undefined): PipelinePins {
  const chain = [...ancestors(md, md.currentSnapshotId)];
  const pipelines: PipelinePin[] = [];
  const seen = new Set<string>();
  let deepest = -1;
  chain.forEach((s, i) => {
    const id = s.summary[SUMMARY.pipelineId];
    // Same rule as findResumeState: a pipeline commit carries its source position.
    if (id === undefined || s.summary[SUMMARY.position] === undefined || seen.has(id)) return;
    seen.add(id);
    const pinned = retentionMs === undefined || s.timestampMs >= nowMs - retentionMs;
    pipelines.push({ pipelineId: id, snapshotId: s.snapshotId, committedMs: s.timestampMs, pinned });
    if (pinned) deepest = i;
  });
  return { pipelines, keep: new Set(chain.slice(0, deepest + 1).map((s) => s.snapshotId)) };
}
