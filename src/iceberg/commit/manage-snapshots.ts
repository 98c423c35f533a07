import { ValidationError } from '../../errors.js';
import { findSnapshot, withRef, withoutRef } from '../metadata-updates.js';
import { MAIN_BRANCH, type SnapshotRef } from '../spec/snapshot.js';
import type { TableMetadata } from '../spec/table-metadata.js';
import { MetadataUpdate } from './metadata-update.js';

type RefChange = { readonly name: string; readonly ref?: SnapshotRef };

/** Set the current snapshot (rollback), create/move/remove branches and tags. */
export class ManageSnapshots extends MetadataUpdate {
  private readonly changes: RefChange[] = [];

  setCurrentSnapshot(snapshotId: bigint): this {
    return this.setBranch(MAIN_BRANCH, snapshotId);
  }

  setBranch(name: string, snapshotId: bigint, retention: Omit<SnapshotRef, 'snapshotId' | 'type'> = {}): this {
    this.changes.push({ name, ref: { ...retention, snapshotId, type: 'branch' } });
    return this;
  }

  setTag(name: string, snapshotId: bigint, maxRefAgeMs?: number): this {
    if (name === MAIN_BRANCH) throw new ValidationError('main is a branch, not a tag');
    this.changes.push({ name, ref: { snapshotId, type: 'tag', ...(maxRefAgeMs === undefined ? {} : { maxRefAgeMs }) } });
    return this;
  }

  removeRef(name: string): this {
    this.changes.push({ name });
    return this;
  }

  protected applyTo(md: TableMetadata): TableMetadata {
    let out = md;
    for (const c of this.changes) {
      if (!c.ref) {
        out = withoutRef(out, c.name);
        continue;
      }
      if (!findSnapshot(out, c.ref.snapshotId)) {
        throw new ValidationError(`snapshot ${c.ref.snapshotId} does not exist in ${this.ops.name}`, { snapshotId: c.ref.snapshotId });
      }
      out = withRef(out, c.name, c.ref);
    }
    return out;
  }
}
