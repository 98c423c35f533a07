import type { FileIO } from '../io/file-io.js';
import type { TableMetadata } from './spec/table-metadata.js';

/** A table's metadata as of one version of its pointer. */
export interface TableState {
  readonly metadata: TableMetadata;
  /** The metadata file this state was read from (undefined before the first commit). */
  readonly metadataLocation: string | undefined;
}

/**
 * Where a table's current-metadata pointer lives (spec "Metastore Tables" / "File System
 * Tables"). Implemented by catalogs; the commit loop only needs these calls.
 */
export interface TableOperations {
  readonly name: string;
  readonly io: FileIO;
  refresh(): Promise<TableState>;
  /**
   * Atomically replaces `base` with `metadata`. Throws CommitRaceError (retriable) when the
   * pointer is no longer `base`; nothing is changed then.
   */
  commit(base: TableState, metadata: TableMetadata): Promise<TableState>;
  /** A new location for a metadata-tree file (manifest, manifest list, statistics). */
  newMetadataLocation(fileName: string): string;
  /** A new location for a data or delete file. */
  newDataLocation(fileName: string, partitionPath?: string): string;
}
