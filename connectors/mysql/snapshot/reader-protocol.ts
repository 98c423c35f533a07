/**
 * Messages between the full load's main thread (reader-pool.ts) and its reader workers
 * (reader-worker.ts). Each worker owns one connection; it reads the key ranges it is given,
 * decodes rows into columnar pages and sends them with their buffers transferred. Flow
 * control: a worker has `credits` pages it may send before the main thread has taken them.
 */
import type { IcebergType } from '../../../src/iceberg/spec/types.js';
import type { ConnectionSettings } from '../connection.js';
import type { BinlogPosition, KeyPart } from '../position.js';
import type { MySqlColumn } from '../type-mapping.js';
import type { WireColumn } from './page-columns.js';

/** How a worker's read views get their binlog position (snapshot-reader.ts openReadView). */
export type ReadViewMode = 'status' | 'lock' | 'none';

export interface ReaderTable {
  /** `db.table`. */
  readonly name: string;
  readonly db: string;
  readonly table: string;
  readonly columns: readonly MySqlColumn[];
  /** The Iceberg type each column is written as (parallel to `columns`). */
  readonly targets: readonly IcebergType[];
  /** Keyset key; empty: the table is read in one unchunked scan. */
  readonly keyColumns: readonly string[];
}

export interface ReaderInit {
  readonly connection: ConnectionSettings;
  readonly tables: readonly ReaderTable[];
  readonly readView: ReadViewMode;
  /** Rows per page (the most one message holds). */
  readonly pageSize: number;
  /** Rows per keyset query. */
  readonly chunkSize: number;
  readonly credits: number;
}

/**
 * Read one table's rows with keys in (after, upTo] (either bound open when absent), in key
 * order, as keyset queries of chunkSize rows; or, for a table without key, its rows after the
 * first `skipRows` in one scan.
 */
export interface ReadTask {
  readonly id: number;
  /** Index into ReaderInit.tables. */
  readonly table: number;
  readonly after?: readonly KeyPart[];
  readonly upTo?: readonly KeyPart[];
  readonly skipRows?: number;
}

export type ToWorker =
  | { readonly type: 'task'; readonly task: ReadTask }
  | { readonly type: 'credit' }
  | { readonly type: 'stop' };

export interface PageMessage {
  readonly type: 'page';
  readonly task: number;
  readonly rows: number;
  readonly columns: WireColumn[];
  readonly keys: WireColumn[];
  readonly bytes: number;
  /** Position of the read view the rows come from (undefined: none known). */
  readonly view?: BinlogPosition;
  /** The task's last page. */
  readonly last: boolean;
}

export interface ErrorMessage {
  readonly type: 'error';
  readonly task?: number;
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly errno?: number;
}

export type FromWorker = PageMessage | ErrorMessage | { readonly type: 'ready' };
