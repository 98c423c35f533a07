import type { Transform } from './transforms.js';

/** Spec "Partitioning": partition field ids start at 1000 for v1 tables that omit them. */
export const PARTITION_DATA_ID_START = 1000;

export interface PartitionField {
  readonly sourceId: number;
  readonly fieldId: number;
  readonly name: string;
  readonly transform: Transform;
}

export interface PartitionSpec {
  readonly specId: number;
  readonly fields: readonly PartitionField[];
}

export const UNPARTITIONED_SPEC: PartitionSpec = { specId: 0, fields: [] };

/**
 * A spec is unpartitioned when it has no fields or only void transforms (spec "Scan Planning":
 * equality deletes in an unpartitioned spec are global).
 */
export function isUnpartitioned(spec: PartitionSpec): boolean {
  return spec.fields.every((f) => f.transform.kind === 'void');
}
