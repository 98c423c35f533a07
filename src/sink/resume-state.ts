import { ancestors } from '../iceberg/metadata-updates.js';
import { parseJson } from '../iceberg/spec/lossless-json.js';
import type { Snapshot } from '../iceberg/spec/snapshot.js';
import type { TableMetadata } from '../iceberg/spec/table-metadata.js';
import { IcetideError } from '../errors.js';
import type { Phase, SourcePosition } from './change-event.js';

/** Snapshot summary keys icetide writes with every sink commit (DESIGN.md "Exactly-once"). */
export const SUMMARY = {
  pipelineId: 'icetide.pipeline-id',
  position: 'icetide.source-position',
  phase: 'icetide.phase',
  watermark: 'icetide.watermark-ms',
  keyFilter: 'icetide.key-filter',
  /** The key index checkpoint written with this commit (key-index-store.ts). */
  keyIndex: 'icetide.key-index',
} as const;

export interface ResumeState {
  readonly snapshot: Snapshot;
  readonly position: SourcePosition;
  readonly phase: Phase;
  readonly watermarkMs?: number;
}

/**
 * The newest snapshot this pipeline committed, walking back from the current snapshot past
 * other writers' snapshots (compaction, other pipelines). Undefined when it never committed
 * (or that history was expired, which expiry avoids for live pipelines).
 */
export function findResumeState(md: TableMetadata, pipelineId: string): ResumeState | undefined {
  for (const cur of ancestors(md, md.currentSnapshotId)) {
    const s = cur.summary;
    if (s[SUMMARY.pipelineId] === pipelineId && s[SUMMARY.position] !== undefined) {
      let position: SourcePosition;
      try {
        position = parseJson(s[SUMMARY.position]!, `snapshot ${cur.snapshotId} summary ${SUMMARY.position}`);
      } catch (err) {
        throw IcetideError.wrap(err, `cannot resume pipeline ${pipelineId}: snapshot ${cur.snapshotId} has an unreadable source position`);
      }
      const wm = s[SUMMARY.watermark];
      return {
        snapshot: cur,
        position,
        phase: s[SUMMARY.phase] === 'snapshot' ? 'snapshot' : 'incremental',
        ...(wm !== undefined && /^\d+$/.test(wm) ? { watermarkMs: Number(wm) } : {}),
      };
    }
  }
  return undefined;
}

/** The newest watermark any snapshot of the table carries (maintenance commits carry it forward). */
export function currentWatermark(md: TableMetadata): number | undefined {
  for (const cur of ancestors(md, md.currentSnapshotId)) {
    const wm = cur.summary[SUMMARY.watermark];
    if (wm !== undefined && /^\d+$/.test(wm)) return Number(wm);
  }
  return undefined;
}
