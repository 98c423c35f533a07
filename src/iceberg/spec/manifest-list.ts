import type { PrimitiveValue } from './values.js';

export type ManifestContent = 'data' | 'deletes';

/** Spec "Manifest Lists", `field_summary`: one per partition field. */
export interface FieldSummary {
  readonly containsNull: boolean;
  readonly containsNaN?: boolean;
  readonly lowerBound?: Uint8Array;
  readonly upperBound?: Uint8Array;
}

/** Spec "Manifest Lists", `manifest_file`. */
export interface ManifestFile {
  readonly manifestPath: string;
  readonly manifestLength: bigint;
  readonly partitionSpecId: number;
  readonly content: ManifestContent;
  readonly sequenceNumber: bigint;
  readonly minSequenceNumber: bigint;
  readonly addedSnapshotId: bigint;
  readonly addedFilesCount?: number;
  readonly existingFilesCount?: number;
  readonly deletedFilesCount?: number;
  readonly addedRowsCount?: bigint;
  readonly existingRowsCount?: bigint;
  readonly deletedRowsCount?: bigint;
  readonly partitions?: readonly FieldSummary[];
  readonly keyMetadata?: Uint8Array;
  /** v3. */
  readonly firstRowId?: bigint;
}

export type { PrimitiveValue };
