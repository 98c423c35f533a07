import type { DataFile } from '../spec/manifest.js';
import type { SnapshotOperation } from '../spec/snapshot.js';
import { ValidationError } from '../../errors.js';
import { SnapshotProducer } from './snapshot-producer.js';

/** Fast append (Iceberg Java AppendFiles): new data files in a new manifest; nothing to validate. */
export class AppendFiles extends SnapshotProducer {
  appendFile(file: DataFile): this {
    if (file.content !== 'data') throw new ValidationError(`append takes data files; ${file.filePath} is ${file.content}`);
    this.additions.push({ file });
    return this;
  }

  protected operation(): SnapshotOperation {
    return 'append';
  }

  protected override needsValidation(): boolean {
    return false;
  }

  protected validateChanges(): void {}
}
