import type { TableMetadata } from '../spec/table-metadata.js';
import type { TableOperations, TableState } from '../table-operations.js';
import { commitWithRetry, type PendingUpdate } from './commit-loop.js';

/**
 * A metadata-only change (properties, refs, schema): a pure function of the base, so a lost
 * race just re-applies it to the new base.
 */
export abstract class MetadataUpdate implements PendingUpdate {
  constructor(
    protected readonly ops: TableOperations,
    protected readonly start: TableState,
  ) {}

  protected abstract applyTo(md: TableMetadata): TableMetadata;

  async validate(): Promise<void> {}

  async apply(base: TableState): Promise<TableMetadata> {
    return { ...this.applyTo(base.metadata), lastUpdatedMs: Math.max(Date.now(), base.metadata.lastUpdatedMs) };
  }

  async commit(): Promise<TableState> {
    return commitWithRetry(this.ops, this, this.start);
  }
}
