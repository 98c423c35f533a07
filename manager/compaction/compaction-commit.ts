import { changesSince } from '../../src/iceberg/commit/changes-since.js';
import { RewriteFiles } from '../../src/iceberg/commit/rewrite-files.js';
import { CommitConflictError } from '../../src/errors.js';
import type { DataFile } from '../../src/iceberg/spec/manifest.js';
import type { TableMetadata } from '../../src/iceberg/spec/table-metadata.js';
import type { TableOperations, TableState } from '../../src/iceberg/table-operations.js';
import { currentWatermark, SUMMARY } from '../../src/sink/resume-state.js';
import { conflictFor } from './concurrent-changes.js';

/**
 * A `replace` commit for maintenance (DESIGN.md "Maintenance"):
 * - validates against everything committed since the job's start snapshot, not since this
 *   commit object was made (a job that commits in several steps reads all its inputs at the
 *   start, so concurrent deletes since then are what matter);
 * - checks concurrent position deletes exactly (their file_path column when bounds cannot
 *   decide) instead of by bounds alone: a streaming writer's position delete files span many
 *   paths of a partition, and a bounds-only check would reject nearly every compaction. The
 *   invariant is the same as RewriteFiles' assertNoNewDeletesFor: no delete committed since the
 *   start may name a rewritten file. Equality deletes need no check: the new files keep the
 *   start snapshot's data sequence number, so those deletes still apply (spec "Sequence Numbers");
 * - carries `icetide.watermark-ms` forward from the snapshot it lands on, so maintenance
 *   never moves the readiness watermark (a concurrent sink commit may have advanced it).
 */
export class MaintenanceRewrite extends RewriteFiles {
  private readonly inputs: DataFile[] = [];
  private readonly mustStayLive = new Set<string>();

  constructor(
    ops: TableOperations,
    fresh: TableState,
    private readonly validateFrom: TableState,
    private readonly referencedPaths: (positionDeletes: DataFile) => Promise<ReadonlySet<string>>,
  ) {
    super(ops, fresh);
  }

  override rewriteFiles(remove: readonly DataFile[], add: readonly DataFile[], dataSequenceNumber?: bigint): this {
    for (const f of remove) this.inputs.push(f);
    return super.rewriteFiles(remove, add, dataSequenceNumber);
  }

  /**
   * Data files that must still be live at commit: minor compaction removes equality deletes
   * after turning them into position deletes on these files; if someone rewrote one of them
   * meanwhile, its replacement may still need the equality delete.
   */
  requireLive(paths: Iterable<string>): this {
    for (const p of paths) this.mustStayLive.add(p);
    return this;
  }

  override async validate(base: TableState, _start: TableState): Promise<void> {
    const from = this.validateFrom.metadata.currentSnapshotId;
    const since = await changesSince(this.ops.io, base.metadata, from, this.ops.name);
    const removed = new Set(this.inputs.map((f) => f.filePath));
    for (const f of since.removedFiles) {
      if (removed.has(f.filePath)) this.conflict(base, 'assertNotRemovedConcurrently', `${f.filePath} was removed by a concurrent commit`);
      if (this.mustStayLive.has(f.filePath)) this.conflict(base, 'assertReferencedDataFilesLive', `${f.filePath} was removed by a concurrent commit`);
    }
    const c = await conflictFor(
      this.inputs.filter((f) => f.content === 'data'),
      since,
      this.referencedPaths,
    );
    if (c) this.conflict(base, 'assertNoNewDeletesFor', `${c.file} committed concurrently ${c.reason === 'removed' ? 'removed' : 'deletes rows of'} rewritten ${c.dataFile}`);
  }

  private conflict(base: TableState, rule: string, detail: string): never {
    const start = this.validateFrom.metadata.currentSnapshotId;
    throw new CommitConflictError(`commit to ${this.ops.name} conflicts (${rule}): ${detail}`, this.ops.name, start, base.metadata.currentSnapshotId, { rule });
  }

  override async apply(base: TableState, attempt: number): Promise<TableMetadata> {
    const wm = currentWatermark(base.metadata);
    if (wm !== undefined) this.set(SUMMARY.watermark, String(wm));
    return super.apply(base, attempt);
  }
}
