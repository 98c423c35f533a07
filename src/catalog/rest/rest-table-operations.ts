import { CommitRaceError, CommitStateUnknownError, IcetideError, NoSuchNamespaceError, NoSuchTableError } from '../../errors.js';
import type { FileIO } from '../../io/file-io.js';
import { joinLocation } from '../../io/location.js';
import type { TableMetadata } from '../../iceberg/spec/table-metadata.js';
import type { TableOperations, TableState } from '../../iceberg/table-operations.js';
import type { TableIdentifier } from '../catalog.js';
import { formatTableIdentifier } from '../catalog.js';
import { isUnknownOutcomeStatus, RestNetworkError } from './rest-errors.js';
import type { RestHttpClient } from './rest-http-client.js';
import { commitLanded, tableChanges, type TableChanges } from './rest-table-changes.js';
import { identifierToJson, readLoadTableResult, type LoadTableResult, type RestPaths } from './rest-wire.js';

/** Re-reads after a commit of unknown outcome: immediately, then after these pauses. */
const UNKNOWN_OUTCOME_REREADS_MS = [0, 250, 1000, 3000];

export interface RestTableContext {
  readonly client: RestHttpClient;
  readonly paths: RestPaths;
  /** Extra headers of table loads (X-Iceberg-Access-Delegation). */
  readonly loadHeaders: Readonly<Record<string, string>>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function stateOf(result: LoadTableResult): TableState {
  return { metadata: result.metadata, metadataLocation: result.metadataLocation };
}

/** GET the table (with the access-delegation header); a 404 names the table. */
export async function loadTableResult(ctx: RestTableContext, id: TableIdentifier): Promise<LoadTableResult> {
  const name = formatTableIdentifier(id);
  try {
    const json = await ctx.client.call({ method: 'GET', path: ctx.paths.table(id), headers: ctx.loadHeaders, what: `load table ${name}` });
    return readLoadTableResult(json, `table ${name}`);
  } catch (err) {
    throw tableError(err, id);
  }
}

/**
 * A table of a REST catalog. A commit is a CommitTableRequest (requirements + updates derived
 * from base and new metadata; the server writes the metadata file). 409 CommitFailed is a
 * lost race (CommitRaceError: the commit loop re-reads and re-applies). A 5xx or a connection
 * that broke after the request left leaves the outcome unknown: the table is re-read and the
 * commit counts as done when its snapshot is there; otherwise CommitStateUnknownError, and no
 * file is deleted.
 */
export class RestTableOperations implements TableOperations {
  readonly name: string;
  private metadata: TableMetadata;

  constructor(
    private readonly ctx: RestTableContext,
    private readonly id: TableIdentifier,
    readonly io: FileIO,
    loaded: TableMetadata,
  ) {
    this.name = formatTableIdentifier(id);
    this.metadata = loaded;
  }

  async refresh(): Promise<TableState> {
    const result = await loadTableResult(this.ctx, this.id);
    this.metadata = result.metadata;
    return stateOf(result);
  }

  async commit(base: TableState, next: TableMetadata): Promise<TableState> {
    const changes = tableChanges(base.metadata, next);
    if (changes.updates.length === 0) return base;
    const request = { identifier: identifierToJson(this.id), requirements: changes.requirements, updates: changes.updates };
    let res;
    try {
      res = await this.ctx.client.send({ method: 'POST', path: this.ctx.paths.table(this.id), body: request, what: `commit to ${this.name}` });
    } catch (err) {
      if (err instanceof RestNetworkError && err.sent) return this.resolveUnknownOutcome(next, changes, err.message, err);
      throw err;
    }
    if (res.status >= 200 && res.status < 300) {
      const result = readLoadTableResult(res.json, `commit to ${this.name}`);
      this.metadata = result.metadata;
      return stateOf(result);
    }
    if (res.status === 409) {
      throw new CommitRaceError(this.name, base.metadataLocation ?? `snapshot ${base.metadata.currentSnapshotId ?? 'none'}`, { detail: this.ctx.client.errorOf(res).message });
    }
    if (isUnknownOutcomeStatus(res.status)) return this.resolveUnknownOutcome(next, changes, this.ctx.client.errorOf(res).message);
    const err = this.ctx.client.errorOf(res);
    if (res.status === 404) throw new NoSuchTableError(err.message, { ...err.context, table: this.name });
    throw err;
  }

  private async resolveUnknownOutcome(next: TableMetadata, changes: TableChanges, why: string, cause?: unknown): Promise<TableState> {
    let lastReadError: unknown;
    for (const pause of UNKNOWN_OUTCOME_REREADS_MS) {
      await sleep(pause);
      try {
        const state = await this.refresh();
        if (commitLanded(state.metadata, next, changes)) return state;
        lastReadError = undefined;
        break;
      } catch (err) {
        lastReadError = err; // the catalog may still be down: try again
      }
    }
    const ids = changes.addedSnapshotIds.join(', ');
    const what = ids ? `snapshot ${ids}` : 'the change';
    const seen = lastReadError === undefined ? `${what} is not in the table now` : `the table cannot be re-read (${lastReadError instanceof Error ? lastReadError.message : String(lastReadError)})`;
    throw new CommitStateUnknownError(
      `commit to ${this.name}: outcome unknown (${why}); ${seen}, but the catalog may still apply it. Every file of the commit was kept. ` +
        `Check the table's snapshots${ids ? ` for ${ids}` : ''}: if it is there, nothing is lost; if not, restart the writer (a pipeline resumes from the position the table holds) and let orphan removal reclaim the files`,
      { table: this.name, snapshots: ids },
      { cause: cause ?? lastReadError },
    );
  }

  private location(property: string, sub: string): string {
    return this.metadata.properties[property]?.replace(/\/+$/, '') ?? joinLocation(this.metadata.location, sub);
  }

  newMetadataLocation(fileName: string): string {
    return joinLocation(this.location('write.metadata.path', 'metadata'), fileName);
  }

  newDataLocation(fileName: string, partitionPath?: string): string {
    const dir = this.location('write.data.path', 'data');
    return partitionPath ? joinLocation(dir, partitionPath, fileName) : joinLocation(dir, fileName);
  }
}

/** Errors of table calls name the table (the server's 404 may only say "not found"). */
export function tableError(err: unknown, id: TableIdentifier): unknown {
  if (err instanceof IcetideError && err.context['status'] === 404 && !(err instanceof NoSuchTableError) && !(err instanceof NoSuchNamespaceError)) {
    return new NoSuchTableError(err.message, { ...err.context, table: formatTableIdentifier(id) });
  }
  return err;
}
