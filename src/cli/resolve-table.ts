import fs from 'node:fs';
import { FilesystemCatalog } from '../catalog/filesystem-catalog.js';
import { parseTableIdentifier } from '../catalog/catalog.js';
import { openTable } from '../catalog/open-table.js';
import type { Table } from '../iceberg/table.js';
import { ValidationError } from '../errors.js';

export interface TableLocationOptions {
  readonly warehouse?: string;
}

/** LOC is a table directory, a `*.metadata.json` path, or `ns.table` with --warehouse DIR. */
export async function resolveTable(loc: string, o: TableLocationOptions): Promise<Table> {
  if (o.warehouse) return new FilesystemCatalog(o.warehouse).loadTable(parseTableIdentifier(loc));
  // `ns.table` is a catalog name, not a path: say which flag gives the catalog.
  if (TABLE_NAME.test(loc) && !fs.existsSync(loc)) {
    throw new ValidationError(`${loc} is not a table directory or metadata file here; for the table ${loc} of a warehouse add --warehouse DIR (e.g. --warehouse ./warehouse)`);
  }
  return openTable(loc);
}

const TABLE_NAME = /^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)+$/;

export function parseSnapshotId(text: string | undefined): bigint | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text)) throw new ValidationError(`--snapshot takes a snapshot id (a whole number), got "${text}"`);
  return BigInt(text);
}
