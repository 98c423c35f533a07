import { RewriteFiles } from '../../src/iceberg/commit/rewrite-files.js';
import type { TableMetadata } from '../../src/iceberg/spec/table-metadata.js';
import type { TableOperations, TableState } from '../../src/iceberg/table-operations.js';
import { currentWatermark, SUMMARY } from '../../src/sink/resume-state.js';

/**
 * A `replace` commit for maintenance (DESIGN.md "Maintenance"):
 * - validates against everything committed since the job's start snapshot, not since this
 *   commit object was made (a job that commits in several steps reads all its inputs at the
 *   start, so concurrent deletes since then are what matter);
 * - carries `icetide.watermark-ms` forward from the snapshot it lands on, so maintenance
 *   never moves the readiness watermark (a concurrent sink commit may have advanced it).
 */
export class MaintenanceRewrite extends RewriteFiles {
  constructor(
    ops: TableOperations,
    fresh: TableState,
    private readonly validateFrom: TableState,
  ) {
    super(ops, fresh);
  }

  override async validate(base: TableState, _start: TableState): Promise<void> {
    await super.validate(base, this.validateFrom);
  }

  override async apply(base: TableState, attempt: number): Promise<TableMetadata> {
    const wm = currentWatermark(base.metadata);
    if (wm !== undefined) this.set(SUMMARY.watermark, String(wm));
    return super.apply(base, attempt);
  }
}
