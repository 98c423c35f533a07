import fs from 'node:fs';
import { parseTableIdentifier, type Catalog } from '../catalog/catalog.js';
import { filesystemCatalogStorageProblem, openFilesystemCatalog } from '../catalog/filesystem-catalog-storage.js';
import { openTable } from '../catalog/open-table.js';
import { DEFAULT_SQL_CATALOG_NAME, SqlCatalog } from '../catalog/sql-catalog.js';
import { ConfigError } from '../errors.js';
import type { Table } from '../iceberg/table.js';
import { ValidationError } from '../errors.js';

export interface TableLocationOptions {
  readonly warehouse?: string;
  /** A SQL catalog (postgresql://…, mysql://…, sqlite:/path) holding `ns.table`. */
  readonly catalogUri?: string;
  readonly catalogName?: string;
}

export const WAREHOUSE_HELP = 'filesystem catalog warehouse';
export const CATALOG_URI_HELP = 'SQL catalog (JdbcCatalog tables): postgresql://user:pass@host/db, mysql://…, sqlite:/path';
export const CATALOG_NAME_HELP = `catalog_name in the SQL catalog (default ${DEFAULT_SQL_CATALOG_NAME})`;

/** Catalogs opened for this CLI run; closed by `closeOpenedCatalogs()` when the command ends. */
const opened = new Set<Catalog>();

/** LOC is a table directory, a `*.metadata.json` path, or `ns.table` with --warehouse DIR or --catalog-uri URI. */
export async function resolveTable(loc: string, o: TableLocationOptions): Promise<Table> {
  if (o.catalogUri) {
    const catalog = new SqlCatalog({ uri: o.catalogUri, name: o.catalogName ?? DEFAULT_SQL_CATALOG_NAME, ...(o.warehouse ? { warehouse: o.warehouse } : {}) });
    opened.add(catalog);
    return catalog.loadTable(parseTableIdentifier(loc));
  }
  if (o.warehouse) return (await openFilesystemCatalog(o.warehouse, {}, '--warehouse')).loadTable(parseTableIdentifier(loc));
  // `ns.table` is a catalog name, not a path: say which flag gives the catalog.
  if (TABLE_NAME.test(loc) && !fs.existsSync(loc)) {
    throw new ValidationError(`${loc} is not a table directory or metadata file here; for the table ${loc} of a warehouse add --warehouse DIR (e.g. --warehouse ./warehouse)`);
  }
  // a table directory on S3 would commit through the filesystem layout: refused the same way
  const problem = filesystemCatalogStorageProblem(loc, {});
  if (problem) throw new ConfigError(`${loc}: ${problem}`, { location: loc });
  return openTable(loc);
}

/** Releases the connections of SQL catalogs the command opened (a pool would keep the process alive). */
export async function closeOpenedCatalogs(): Promise<void> {
  const all = [...opened];
  opened.clear();
  await Promise.all(all.map((c) => c.close?.().catch(() => undefined)));
}

const TABLE_NAME = /^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)+$/;

export function parseSnapshotId(text: string | undefined): bigint | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text)) throw new ValidationError(`--snapshot takes a snapshot id (a whole number), got "${text}"`);
  return BigInt(text);
}
