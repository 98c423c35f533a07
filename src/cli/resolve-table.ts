import { parseTableIdentifier } from '../catalog/catalog.js';
import { filesystemCatalogStorageProblem, openFilesystemCatalog } from '../catalog/filesystem-catalog-storage.js';
import { openTable } from '../catalog/open-table.js';
import { ConfigError } from '../errors.js';
import type { Table } from '../iceberg/table.js';

export interface TableLocationOptions {
  readonly warehouse?: string;
}

/** LOC is a table directory, a `*.metadata.json` path, or `ns.table` with --warehouse DIR. */
export async function resolveTable(loc: string, o: TableLocationOptions): Promise<Table> {
  if (o.warehouse) return (await openFilesystemCatalog(o.warehouse, {}, '--warehouse')).loadTable(parseTableIdentifier(loc));
  // a table directory on S3 would commit through the filesystem layout: refused the same way
  const problem = filesystemCatalogStorageProblem(loc, {});
  if (problem) throw new ConfigError(`${loc}: ${problem}`, { location: loc });
  return openTable(loc);
}

export function parseSnapshotId(text: string | undefined): bigint | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text)) throw new Error(`--snapshot takes a snapshot id (a whole number), got "${text}"`);
  return BigInt(text);
}
