import { FilesystemCatalog } from '../catalog/filesystem-catalog.js';
import { parseTableIdentifier } from '../catalog/catalog.js';
import { openTable } from '../catalog/open-table.js';
import type { Table } from '../iceberg/table.js';

export interface TableLocationOptions {
  readonly warehouse?: string;
}

/** LOC is a table directory, a `*.metadata.json` path, or `ns.table` with --warehouse DIR. */
export async function resolveTable(loc: string, o: TableLocationOptions): Promise<Table> {
  if (o.warehouse) return new FilesystemCatalog(o.warehouse).loadTable(parseTableIdentifier(loc));
  return openTable(loc);
}

export function parseSnapshotId(text: string | undefined): bigint | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text)) throw new Error(`--snapshot takes a snapshot id (a whole number), got "${text}"`);
  return BigInt(text);
}
