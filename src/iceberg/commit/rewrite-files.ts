import { ValidationError } from '../../errors.js';
import { specIndex } from '../snapshot-files.js';
import type { DataFile } from '../spec/manifest.js';
import type { SnapshotOperation } from '../spec/snapshot.js';
import type { TableState } from '../table-operations.js';
import type { CommittedChanges } from './changes-since.js';
import { SnapshotProducer } from './snapshot-producer.js';
import { assertNoNewDeletesFor, assertNotRemovedConcurrently } from './validations.js';

/**
 * Replaces files with files holding the same rows (compaction; Iceberg Java RewriteFiles).
 * With a pinned data sequence number, equality deletes committed meanwhile still apply to the
 * new files (spec "Sequence Numbers"), so only concurrent position deletes conflict.
 */
export class RewriteFiles extends SnapshotProducer {
  private readonly rewritten: DataFile[] = [];
  private dataSequenceNumber: bigint | undefined;

  rewriteFiles(remove: readonly DataFile[], add: readonly DataFile[], dataSequenceNumber?: bigint): this {
    if (dataSequenceNumber !== undefined) {
      if (this.dataSequenceNumber !== undefined && this.dataSequenceNumber !== dataSequenceNumber) {
        throw new ValidationError('one rewrite keeps one data sequence number');
      }
      this.dataSequenceNumber = dataSequenceNumber;
    }
    for (const f of remove) {
      this.removals.add(f.filePath);
      if (f.content === 'data') this.rewritten.push(f);
    }
    for (const f of add) this.additions.push(dataSequenceNumber === undefined ? { file: f } : { file: f, dataSequenceNumber });
    return this;
  }

  protected operation(): SnapshotOperation {
    return 'replace';
  }

  protected validateChanges(since: CommittedChanges, base: TableState): void {
    const ctx = { table: this.ops.name, startSnapshotId: this.start.metadata.currentSnapshotId, currentSnapshotId: base.metadata.currentSnapshotId };
    assertNotRemovedConcurrently(this.removals, since, ctx);
    assertNoNewDeletesFor(this.rewritten, since, specIndex(base.metadata), this.dataSequenceNumber !== undefined, ctx);
  }
}
