import { withProperties } from '../metadata-updates.js';
import type { TableMetadata } from '../spec/table-metadata.js';
import { MetadataUpdate } from './metadata-update.js';

export class UpdateProperties extends MetadataUpdate {
  private readonly updates: Record<string, string> = {};
  private readonly removals: string[] = [];

  set(key: string, value: string): this {
    this.updates[key] = value;
    return this;
  }

  remove(key: string): this {
    this.removals.push(key);
    return this;
  }

  protected applyTo(md: TableMetadata): TableMetadata {
    return withProperties(md, this.updates, this.removals);
  }
}
