/**
 * The seam between the SQL catalog and a database client: one small interface, one file per
 * client (sql-driver-postgres.ts, -mysql.ts, -sqlite.ts). Statements use `?` placeholders and
 * only string or NULL parameters, which is all the JDBC catalog's tables hold.
 */
import { CatalogAccessError, CatalogUnavailableError, IcetideError } from '../errors.js';
import { scrubString } from '../logging/redaction.js';

export type SqlDialect = 'postgresql' | 'mysql' | 'sqlite';
export type SqlParam = string | null;
export type SqlRow = Readonly<Record<string, string | null>>;

export interface SqlDriver {
  readonly dialect: SqlDialect;
  /** The server and database, password removed: what messages name. */
  readonly target: string;
  query(sql: string, params?: readonly SqlParam[]): Promise<SqlRow[]>;
  /** Runs a statement; resolves to the number of rows it changed. */
  execute(sql: string, params?: readonly SqlParam[]): Promise<number>;
  tableExists(table: string): Promise<boolean>;
  columnExists(table: string, column: string): Promise<boolean>;
  close(): Promise<void>;
}

/** A primary-key violation: another writer inserted the same row first. */
export class SqlConstraintViolation extends IcetideError {}

/** How a client's error is to be read; each driver sorts its client's codes into these. */
export type SqlFailureKind = 'unavailable' | 'access' | 'constraint' | 'other';

export interface SqlFailure {
  readonly kind: SqlFailureKind;
  /** The client's code (SQLSTATE, ER_..., SQLITE_..., errno), for context. */
  readonly code?: string;
}

/** Builds the typed error for a failed statement: names the server and what to do, never a password. */
export function sqlCatalogError(err: unknown, failure: SqlFailure, target: string, user: string | undefined, sql: string): IcetideError {
  if (err instanceof IcetideError) return err;
  const msg = scrubString(err instanceof Error ? err.message : String(err)) || failure.code || 'failed';
  const context = { server: target, ...(failure.code ? { code: failure.code } : {}) };
  const opts = { cause: err };
  switch (failure.kind) {
    case 'unavailable':
      return new CatalogUnavailableError(`cannot reach the SQL catalog database at ${target}: ${msg}; check that the server is running and accepts connections at that host and port (catalog uri)`, context, opts);
    case 'access':
      return new CatalogAccessError(`the SQL catalog database at ${target} refused ${user ? `the user ${user}` : 'us'}: ${msg}; check the user, password and database name in the catalog uri, and the user's rights`, context, opts);
    case 'constraint':
      return new SqlConstraintViolation(`the SQL catalog database at ${target}: ${msg}`, context, opts);
    default:
      return new IcetideError(`the SQL catalog database at ${target} failed on "${sql.replace(/\s+/g, ' ').slice(0, 120)}": ${msg}`, context, opts);
  }
}

/** `?` placeholders to `$1, $2, ...` (PostgreSQL); the catalog's statements hold no literal `?`. */
export function numberedPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** The login name in a database URL, for messages; undefined when absent or unparsable. */
export function safeUser(uri: string): string | undefined {
  try {
    return decodeURIComponent(new URL(uri).username) || undefined;
  } catch {
    return undefined;
  }
}

/** Table/column lookups through information_schema (PostgreSQL, MySQL); `schema` is SQL naming the current schema. */
export async function informationSchemaHas(db: Pick<SqlDriver, 'query'>, schema: string, table: string, column?: string): Promise<boolean> {
  const rows =
    column === undefined
      ? await db.query(`SELECT 1 AS x FROM information_schema.tables WHERE table_schema = ${schema} AND table_name = ?`, [table])
      : await db.query(`SELECT 1 AS x FROM information_schema.columns WHERE table_schema = ${schema} AND table_name = ? AND column_name = ?`, [table, column]);
  return rows.length > 0;
}
