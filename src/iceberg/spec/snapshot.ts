/** Spec "Snapshots": operation recorded in the summary. */
export type SnapshotOperation = 'append' | 'replace' | 'overwrite' | 'delete';

export interface Snapshot {
  readonly snapshotId: bigint;
  readonly parentSnapshotId?: bigint;
  /** 0 for v1 tables (spec: sequence numbers are 0 in v1). */
  readonly sequenceNumber: bigint;
  readonly timestampMs: number;
  /** Location of the manifest list (absent only in legacy v1 snapshots with `manifests`). */
  readonly manifestList?: string;
  /** Legacy v1: manifest paths embedded in the snapshot instead of a manifest list. */
  readonly manifests?: readonly string[];
  readonly summary: SnapshotSummary;
  readonly schemaId?: number;
  /** v3 row lineage. */
  readonly firstRowId?: bigint;
  readonly addedRows?: bigint;
}

/** The summary's `operation` plus free-form string properties (spec "Snapshot Summary"). */
export interface SnapshotSummary {
  readonly operation: SnapshotOperation;
  readonly [key: string]: string;
}

export type SnapshotRefType = 'branch' | 'tag';

export interface SnapshotRef {
  readonly snapshotId: bigint;
  readonly type: SnapshotRefType;
  readonly minSnapshotsToKeep?: number;
  readonly maxSnapshotAgeMs?: number;
  readonly maxRefAgeMs?: number;
}

export const MAIN_BRANCH = 'main';

export interface SnapshotLogEntry {
  readonly timestampMs: number;
  readonly snapshotId: bigint;
}

export interface MetadataLogEntry {
  readonly timestampMs: number;
  readonly metadataFile: string;
}

export interface BlobMetadata {
  readonly type: string;
  readonly snapshotId: bigint;
  readonly sequenceNumber: bigint;
  readonly fields: readonly number[];
  readonly properties?: Readonly<Record<string, string>>;
}

/** Spec "Table Statistics". */
export interface StatisticsFile {
  readonly snapshotId: bigint;
  readonly statisticsPath: string;
  readonly fileSizeInBytes: bigint;
  readonly fileFooterSizeInBytes: bigint;
  readonly keyMetadata?: string;
  readonly blobMetadata: readonly BlobMetadata[];
}

/** Spec "Partition Statistics". */
export interface PartitionStatisticsFile {
  readonly snapshotId: bigint;
  readonly statisticsPath: string;
  readonly fileSizeInBytes: bigint;
}
