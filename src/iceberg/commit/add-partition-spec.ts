import { withPartitionSpec } from '../metadata-updates.js';
import type { PartitionSpec } from '../spec/partition-spec.js';
import type { TableMetadata } from '../spec/table-metadata.js';
import { MetadataUpdate } from './metadata-update.js';

/**
 * Adds a partition spec beside the default one (it stays the default): the upsert sink adds
 * the unpartitioned spec to a partitioned table so that it can write global equality deletes
 * (spec "Scan Planning": an equality delete of an unpartitioned spec applies to every partition).
 */
export class AddPartitionSpec extends MetadataUpdate {
  private fields: PartitionSpec['fields'] = [];

  withFields(fields: PartitionSpec['fields']): this {
    this.fields = fields;
    return this;
  }

  protected applyTo(md: TableMetadata): TableMetadata {
    return withPartitionSpec(md, this.fields).metadata;
  }
}
