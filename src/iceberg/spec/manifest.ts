import type { PartitionValues } from './values.js';

/** Spec "Manifests": `content` of a data_file. */
export type DataFileContent = 'data' | 'position-deletes' | 'equality-deletes';
export type FileFormat = 'PARQUET' | 'AVRO' | 'ORC' | 'PUFFIN';

/** Spec "Manifests": entry status (0 existing, 1 added, 2 deleted). */
export type EntryStatus = 'existing' | 'added' | 'deleted';

/** A data or delete file as recorded in a manifest (spec "Manifests", `data_file` struct). */
export interface DataFile {
  readonly content: DataFileContent;
  readonly filePath: string;
  readonly fileFormat: FileFormat;
  /** Partition spec this file was written with (taken from the manifest that holds it). */
  readonly specId: number;
  readonly partition: PartitionValues;
  readonly recordCount: bigint;
  readonly fileSizeInBytes: bigint;
  readonly columnSizes?: ReadonlyMap<number, bigint>;
  readonly valueCounts?: ReadonlyMap<number, bigint>;
  readonly nullValueCounts?: ReadonlyMap<number, bigint>;
  readonly nanValueCounts?: ReadonlyMap<number, bigint>;
  /** Single-value binary serialised bounds (spec Appendix D), by field id. */
  readonly lowerBounds?: ReadonlyMap<number, Uint8Array>;
  readonly upperBounds?: ReadonlyMap<number, Uint8Array>;
  readonly keyMetadata?: Uint8Array;
  readonly splitOffsets?: readonly bigint[];
  readonly equalityIds?: readonly number[];
  readonly sortOrderId?: number;
  /** v1 only: required `block_size_in_bytes`, written as a default. */
  readonly blockSizeInBytes?: bigint;
  /** v3. */
  readonly firstRowId?: bigint;
  readonly referencedDataFile?: string;
  readonly contentOffset?: bigint;
  readonly contentSizeInBytes?: bigint;
}

export interface ManifestEntry {
  readonly status: EntryStatus;
  /** Null in the file means "inherit from the manifest list" (spec "Sequence Number Inheritance"). */
  readonly snapshotId?: bigint;
  readonly sequenceNumber?: bigint;
  readonly fileSequenceNumber?: bigint;
  readonly dataFile: DataFile;
}

/** A manifest entry after inheritance: snapshot id and sequence numbers are always known. */
export interface LiveManifestEntry extends ManifestEntry {
  readonly snapshotId: bigint;
  readonly sequenceNumber: bigint;
  readonly fileSequenceNumber: bigint;
}
