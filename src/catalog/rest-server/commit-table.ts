import { CommitRaceError, NoSuchTableError } from '../../errors.js';
import type { Table } from '../../iceberg/table.js';
import type { TableState } from '../../iceberg/table-operations.js';
import { formatTableIdentifier, type Catalog, type TableIdentifier } from '../catalog.js';
import { RestError } from './rest-errors.js';
import type { CommitTableRequest } from './rest-wire.js';
import { checkRequirements } from './table-requirements.js';
import { applyTableUpdates } from './table-updates.js';

/** A commit checked and applied in memory, ready for the backing catalog's compare-and-swap. */
export interface PreparedCommit {
  readonly table: Table;
  readonly base: TableState;
  readonly next: TableState['metadata'];
}

/**
 * Loads the table, checks the requirements against its current metadata and applies the
 * updates. Throws 409 (requirement failed), 404 (no such table) or 400 (bad update).
 */
export async function prepareCommit(catalog: Catalog, id: TableIdentifier, request: CommitTableRequest): Promise<PreparedCommit> {
  const name = formatTableIdentifier(id);
  let table: Table | undefined;
  try {
    table = await catalog.loadTable(id);
  } catch (err) {
    if (!(err instanceof NoSuchTableError)) throw err;
  }
  checkRequirements(name, table?.metadata, request.requirements);
  if (!table) {
    // Only an assert-create commit (a staged create) reaches here, and staging is refused at create.
    throw new RestError(404, 'NoSuchTableException', `table ${name} does not exist; this server does not stage creates (create the table with stage-create false)`, { table: name });
  }
  const base = table.state;
  return { table, base, next: applyTableUpdates(base.metadata, request.updates) };
}

/**
 * One table's commit: prepare, then swap the pointer through the backing catalog's
 * optimistic commit. A lost race re-reads the table and goes again (requirements re-checked
 * on the new metadata, so a requirement the winner broke fails as a 409); after `retries`
 * lost races it is a 409 CommitFailedException, and nothing of this commit was written
 * to the pointer.
 */
export async function commitTable(catalog: Catalog, id: TableIdentifier, request: CommitTableRequest, retries: number): Promise<TableState> {
  for (let attempt = 0; ; attempt++) {
    const p = await prepareCommit(catalog, id, request);
    if (p.next === p.base.metadata && p.base.metadataLocation !== undefined) return p.base; // no change: nothing to write
    try {
      return await p.table.ops.commit(p.base, p.next);
    } catch (err) {
      if (!(err instanceof CommitRaceError)) throw err;
      if (attempt >= retries) {
        throw new RestError(409, 'CommitFailedException', `commit to ${formatTableIdentifier(id)} lost ${attempt + 1} races with other writers; reload the table and retry`, { table: formatTableIdentifier(id) });
      }
    }
  }
}
