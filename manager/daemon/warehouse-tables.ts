import { formatTableIdentifier, parseTableIdentifier, type TableIdentifier } from '../../src/catalog/catalog.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import { NoSuchNamespaceError, NoSuchTableError, NotFoundError, ValidationError } from '../../src/errors.js';
import type { Table } from '../../src/iceberg/table.js';

/** Every table of the warehouse, namespaces walked recursively. */
export async function listAllTables(catalog: Catalog): Promise<TableIdentifier[]> {
  const out: TableIdentifier[] = [];
  const walk = async (ns: readonly string[]): Promise<void> => {
    if (ns.length > 0) out.push(...(await catalog.listTables(ns)));
    for (const child of await catalog.listNamespaces(ns)) await walk(child);
  };
  await walk([]);
  return out.sort((a, b) => formatTableIdentifier(a).localeCompare(formatTableIdentifier(b)));
}

/** Loads `ns.table`; undefined when there is no such table (or the name is not one). */
export async function loadTableByName(catalog: Catalog, name: string): Promise<Table | undefined> {
  let id: TableIdentifier;
  try {
    id = parseTableIdentifier(name);
    if (id.namespace.length === 0) return undefined;
    return await catalog.loadTable(id);
  } catch (err) {
    if (err instanceof NoSuchTableError || err instanceof NoSuchNamespaceError || err instanceof NotFoundError) return undefined;
    if (err instanceof ValidationError) return undefined; // not a valid name: no such table
    throw err;
  }
}
