import type { DataFile } from '../spec/manifest.js';
import type { SnapshotOperation } from '../spec/snapshot.js';
import { ValidationError } from '../../errors.js';
import type { TableState } from '../table-operations.js';
import type { CommittedChanges } from './changes-since.js';
import { SnapshotProducer } from './snapshot-producer.js';
import { assertReferencedDataFilesLive } from './validations.js';

/**
 * Row-level changes (Iceberg Java RowDelta): data files and delete files committed together.
 * Position deletes name data files; those must still be live when the commit lands, or a
 * concurrent compaction would have moved the rows out from under the deletes.
 */
export class RowDelta extends SnapshotProducer {
  private readonly referenced = new Set<string>();

  addRows(file: DataFile): this {
    if (file.content !== 'data') throw new ValidationError(`addRows takes data files; ${file.filePath} is ${file.content}`);
    this.additions.push({ file });
    return this;
  }

  addDeletes(file: DataFile): this {
    if (file.content === 'data') throw new ValidationError(`addDeletes takes delete files; ${file.filePath} is a data file`);
    this.additions.push({ file });
    return this;
  }

  /** Data files this delta's position deletes point at (checked at commit). */
  validateDataFilesExist(paths: Iterable<string>): this {
    for (const p of paths) this.referenced.add(p);
    return this;
  }

  protected operation(): SnapshotOperation {
    return this.additions.some((a) => a.file.content !== 'data') ? 'overwrite' : 'append';
  }

  protected override needsValidation(): boolean {
    return this.referenced.size > 0;
  }

  protected validateChanges(since: CommittedChanges, base: TableState): void {
    assertReferencedDataFilesLive(this.referenced, since, {
      table: this.ops.name,
      startSnapshotId: this.start.metadata.currentSnapshotId,
      currentSnapshotId: base.metadata.currentSnapshotId,
    });
  }
}
