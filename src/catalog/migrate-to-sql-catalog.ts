import { ValidationError } from '../errors.js';
import { normalizeLocation } from '../io/location.js';
import type { TableIdentifier } from './catalog.js';
import { formatTableIdentifier } from './catalog.js';
import type { FilesystemCatalog } from './filesystem-catalog.js';
import type { SqlCatalog } from './sql-catalog.js';

export type MigrationAction = 'registered' | 'would-register' | 'already-registered';

export interface TableMigration {
  readonly table: string;
  readonly metadataLocation: string;
  readonly action: MigrationAction;
}

async function allNamespaces(from: FilesystemCatalog, parent: readonly string[] = []): Promise<string[][]> {
  const out: string[][] = [];
  for (const ns of await from.listNamespaces(parent)) out.push(ns, ...(await allNamespaces(from, ns)));
  return out;
}

/**
 * Registers every table of a filesystem warehouse in a SQL catalog at its current metadata
 * file: nothing is copied or rewritten, so the SQL catalog's next commit simply follows it.
 * Idempotent: a table registered at the same location is skipped. A table registered at
 * another location is a conflict, and then nothing is registered at all (the plan is checked
 * before the first row is written). Namespaces, empty ones included, are created when missing.
 */
export async function migrateToSqlCatalog(from: FilesystemCatalog, to: SqlCatalog, o: { dryRun?: boolean } = {}): Promise<TableMigration[]> {
  const namespaces = await allNamespaces(from);
  const plan: { id: TableIdentifier; metadataLocation: string; registered: boolean }[] = [];
  const conflicts: string[] = [];
  for (const ns of namespaces) {
    for (const id of await from.listTables(ns)) {
      const metadataLocation = (await from.loadTable(id)).metadataLocation!;
      const existing = await to.metadataLocationOf(id);
      if (existing !== undefined && normalizeLocation(existing) !== normalizeLocation(metadataLocation)) {
        conflicts.push(`${formatTableIdentifier(id)} is registered at ${existing}, the warehouse has ${metadataLocation}`);
      }
      plan.push({ id, metadataLocation, registered: existing !== undefined });
    }
  }
  if (conflicts.length > 0) {
    throw new ValidationError(
      `cannot migrate to the SQL catalog ${to.name} (${to.target}): ${conflicts.length} table(s) there point elsewhere: ${conflicts.join('; ')}. ` +
        'Nothing was registered; drop those rows from the SQL catalog (icetide never guesses which pointer is current) or migrate into another --name',
      { catalog: to.name },
    );
  }
  if (!o.dryRun) {
    for (const ns of namespaces) if (!(await to.namespaceExists(ns))) await to.createNamespace(ns);
    for (const p of plan) if (!p.registered) await to.registerTable(p.id, p.metadataLocation);
  }
  return plan.map((p) => ({
    table: formatTableIdentifier(p.id),
    metadataLocation: p.metadataLocation,
    action: p.registered ? 'already-registered' : o.dryRun ? 'would-register' : 'registered',
  }));
}
