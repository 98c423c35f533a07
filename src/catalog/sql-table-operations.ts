import { randomUUID } from 'node:crypto';
import { CommitRaceError, MissingMetadataFileError, NoSuchTableError, NotFoundError } from '../errors.js';
import type { FileIO } from '../io/file-io.js';
import { joinLocation } from '../io/location.js';
import { withPreviousMetadata } from '../iceberg/metadata-updates.js';
import type { TableMetadata } from '../iceberg/spec/table-metadata.js';
import type { TableOperations, TableState } from '../iceberg/table-operations.js';
import type { JdbcCatalogTables } from './jdbc-catalog-tables.js';
import { encodeMetadata, metadataFileVersion, readMetadataFile } from './metadata-file.js';

/**
 * A table whose pointer is a row of `iceberg_tables` (spec "Metastore Tables"). A commit
 * writes `metadata/NNNNN-<uuid>.metadata.json` through the FileIO (the name Iceberg Java's
 * metastore tables use), then swaps the row's pointer with one conditional UPDATE: zero rows
 * changed means another writer committed first, reported as CommitRaceError so the commit
 * loop re-reads and retries.
 */
export class SqlTableOperations implements TableOperations {
  private location: string | undefined;

  constructor(
    readonly io: FileIO,
    private readonly tables: JdbcCatalogTables,
    private readonly namespace: string,
    private readonly tableName: string,
    /** `ns.table` in messages. */
    readonly name: string,
    /** Where a table being created lives (before its first metadata file exists). */
    initialLocation?: string,
  ) {
    this.location = initialLocation;
  }

  /** The row's current metadata location, or undefined when the catalog has no such table. */
  async currentMetadataLocation(): Promise<string | undefined> {
    return (await this.tables.pointer(this.namespace, this.tableName))?.metadataLocation ?? undefined;
  }

  async refresh(): Promise<TableState> {
    const location = await this.currentMetadataLocation();
    if (location === undefined) throw new NoSuchTableError(`table ${this.name} does not exist in the SQL catalog ${this.tables.catalogName} (${this.tables.db.target})`, { table: this.name });
    return this.read(location);
  }

  /** Reads one metadata file; a missing one names the table and the location the row holds. */
  async read(location: string): Promise<TableState> {
    try {
      const metadata = await readMetadataFile(this.io, location);
      this.location = metadata.location;
      return { metadata, metadataLocation: location };
    } catch (err) {
      if (err instanceof NotFoundError) throw new MissingMetadataFileError(this.name, location, { catalog: this.tables.catalogName });
      throw err;
    }
  }

  async commit(base: TableState, metadata: TableMetadata): Promise<TableState> {
    const previous = base.metadataLocation;
    const version = previous === undefined ? 0 : (metadataFileVersion(previous)?.version ?? 0) + 1;
    const md = previous === undefined ? metadata : withPreviousMetadata(metadata, previous, base.metadata.lastUpdatedMs);
    const next = joinLocation(md.location, 'metadata', `${String(version).padStart(5, '0')}-${randomUUID()}.metadata.json`);
    await this.io.write(next, encodeMetadata(md));
    const swapped =
      previous === undefined
        ? await this.tables.insertTable(this.namespace, this.tableName, next)
        : (await this.tables.swapPointer(this.namespace, this.tableName, previous, next)) === 1;
    if (!swapped) {
      // Nobody points at the file: it is ours to remove.
      await this.io.delete(next).catch(() => undefined);
      throw new CommitRaceError(this.name, previous ?? '(new table)', { catalog: this.tables.catalogName });
    }
    this.location = md.location;
    return { metadata: md, metadataLocation: next };
  }

  private get tableLocation(): string {
    if (this.location === undefined) throw new NoSuchTableError(`table ${this.name}: not loaded yet (refresh first)`, { table: this.name });
    return this.location;
  }

  newMetadataLocation(fileName: string): string {
    return joinLocation(this.tableLocation, 'metadata', fileName);
  }

  newDataLocation(fileName: string, partitionPath?: string): string {
    const dir = joinLocation(this.tableLocation, 'data');
    return partitionPath ? joinLocation(dir, partitionPath, fileName) : joinLocation(dir, fileName);
  }
}
