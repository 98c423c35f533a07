import type { DataFile } from '../spec/manifest.js';
import type { SnapshotOperation } from '../spec/snapshot.js';
import type { TableState } from '../table-operations.js';
import type { CommittedChanges } from './changes-since.js';
import { SnapshotProducer } from './snapshot-producer.js';
import { assertNotRemovedConcurrently } from './validations.js';

/** Removes files and adds others in one snapshot (Iceberg Java OverwriteFiles, copy-on-write). */
export class OverwriteFiles extends SnapshotProducer {
  deleteFile(file: DataFile | string): this {
    this.removals.add(typeof file === 'string' ? file : file.filePath);
    return this;
  }

  addFile(file: DataFile): this {
    this.additions.push({ file });
    return this;
  }

  protected operation(): SnapshotOperation {
    return 'overwrite';
  }

  protected validateChanges(since: CommittedChanges, base: TableState): void {
    assertNotRemovedConcurrently(this.removals, since, {
      table: this.ops.name,
      startSnapshotId: this.start.metadata.currentSnapshotId,
      currentSnapshotId: base.metadata.currentSnapshotId,
    });
  }
}

/** Removes files only (Iceberg Java DeleteFiles). */
export class DeleteFiles extends OverwriteFiles {
  protected override operation(): SnapshotOperation {
    return 'delete';
  }
}
