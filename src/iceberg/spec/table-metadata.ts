import type { PartitionSpec } from './partition-spec.js';
import type { Schema } from './schema.js';
import type {
  MetadataLogEntry,
  PartitionStatisticsFile,
  Snapshot,
  SnapshotLogEntry,
  SnapshotRef,
  StatisticsFile,
} from './snapshot.js';
import type { SortOrder } from './sort-order.js';

export type FormatVersion = 1 | 2 | 3;

/**
 * Table metadata (spec "Table Metadata"), one shape for every format version. Version
 * differences are resolved when parsing (see table-metadata-parser.ts): v1 `schema` and
 * `partition-spec` become one-element `schemas` / `partitionSpecs`, and so on.
 */
export interface TableMetadata {
  readonly formatVersion: FormatVersion;
  readonly tableUuid: string;
  readonly location: string;
  readonly lastSequenceNumber: bigint;
  readonly lastUpdatedMs: number;
  readonly lastColumnId: number;
  readonly schemas: readonly Schema[];
  readonly currentSchemaId: number;
  readonly partitionSpecs: readonly PartitionSpec[];
  readonly defaultSpecId: number;
  readonly lastPartitionId: number;
  readonly properties: Readonly<Record<string, string>>;
  readonly currentSnapshotId?: bigint;
  readonly snapshots: readonly Snapshot[];
  readonly snapshotLog: readonly SnapshotLogEntry[];
  readonly metadataLog: readonly MetadataLogEntry[];
  readonly sortOrders: readonly SortOrder[];
  readonly defaultSortOrderId: number;
  readonly refs: Readonly<Record<string, SnapshotRef>>;
  readonly statistics: readonly StatisticsFile[];
  readonly partitionStatistics: readonly PartitionStatisticsFile[];
  /** v3 row lineage. */
  readonly nextRowId?: bigint;
}
