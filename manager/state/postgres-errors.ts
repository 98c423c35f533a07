/**
 * Turns what `pg` throws into the state store's typed errors, each naming the server (password
 * redacted) and what to do. A server error carries a SQLSTATE (`code`, five characters); a
 * network failure carries a Node errno code (ECONNREFUSED...) or none (pg's own timeouts).
 */
import pg from 'pg';
import { redactUrl, scrubString } from '../../src/logging/redaction.js';
import { StateStoreAccessError, StateStoreError, StateStoreUnavailableError } from './state-store-errors.js';

/** The user name the URL logs in as, for messages (pg falls back to $PGUSER, then $USER). */
function userOf(url: string): string {
  try {
    const name = decodeURIComponent(new URL(url).username);
    if (name) return name;
  } catch {
    // an unparsable URL: pg reports it itself
  }
  return process.env['PGUSER'] ?? process.env['USER'] ?? 'the connecting user';
}

/** SQLSTATE classes and codes meaning "not now": connection exceptions, shutdown, overload. */
function isTransientState(code: string): boolean {
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300';
}

export interface PgErrorWhere {
  readonly url: string;
  readonly schema: string;
  readonly table: string;
  /** What the store was doing, e.g. `creating the schema`, `recording a run`. */
  readonly doing: string;
}

export function toStateStoreError(err: unknown, w: PgErrorWhere): StateStoreError {
  if (err instanceof StateStoreError) return err;
  const url = redactUrl(w.url);
  const msg = scrubString(err instanceof Error ? err.message : String(err));
  const context = { url, schema: w.schema, doing: w.doing };
  const opts = { cause: err };
  const where = `the manager state store at ${url}`;
  if (!(err instanceof pg.DatabaseError) || err.code === undefined) {
    const errno = (err as NodeJS.ErrnoException | undefined)?.code;
    return new StateStoreUnavailableError(
      `cannot reach ${where} while ${w.doing}: ${msg || errno || 'connection failed'}; check that PostgreSQL is running and accepts connections at that host and port (state.url in the manager config)`,
      { ...context, ...(errno ? { errno } : {}) }, opts,
    );
  }
  const code = err.code;
  const ctx = { ...context, sqlstate: code };
  if (isTransientState(code)) {
    return new StateStoreUnavailableError(`${where} cannot serve us now while ${w.doing}: ${msg}; retry when the server is up and has free connections`, ctx, opts);
  }
  const user = userOf(w.url);
  const q = `"${w.schema}"`;
  if (code === '28P01' || code === '28000') {
    return new StateStoreAccessError(`${where} refused the login of ${user}: ${msg}; check the user and password in state.url (or $PGPASSWORD) and the server's pg_hba.conf`, ctx, opts);
  }
  if (code === '3D000') {
    return new StateStoreAccessError(`${where}: ${msg}; create it (CREATE DATABASE ...) or point state.url at an existing database`, ctx, opts);
  }
  if (code === '42501') {
    return new StateStoreAccessError(
      `${user} lacks rights in ${where} while ${w.doing}: ${msg}; as an administrator either give it its own schema, where it creates its table ` +
        `(CREATE SCHEMA IF NOT EXISTS ${q} AUTHORIZATION "${user}"), or create schema and table once (open the store as an owner) and grant ` +
        `(GRANT USAGE ON SCHEMA ${q} TO "${user}"; GRANT SELECT, INSERT, UPDATE ON ${q}.${w.table} TO "${user}")`,
      ctx, opts,
    );
  }
  return new StateStoreError(`${where} failed while ${w.doing}: ${msg}`, ctx, opts);
}
