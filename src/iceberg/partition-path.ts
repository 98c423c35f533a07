import { partitionPathSegment, transformResultType } from './spec/transforms.js';
import type { PartitionValues } from './spec/values.js';
import { partitionSourceType } from './partition-type.js';
import type { Table } from './table.js';

/** The directory of a partition under data/, as Iceberg Java names it (spec Appendix: human strings). */
export function partitionPath(table: Table, specId: number, partition: PartitionValues): string {
  const spec = table.specs().get(specId);
  if (!spec || spec.fields.length === 0) return '';
  const schemas = table.metadata.schemas;
  return spec.fields
    .map((f, i) => partitionPathSegment(f.name, f.transform, transformResultType(f.transform, partitionSourceType(spec, f.sourceId, schemas)), partition[i] ?? null))
    .join('/');
}
