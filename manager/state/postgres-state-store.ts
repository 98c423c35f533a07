/**
 * The state store for shared deployments: one PostgreSQL table that several manager daemons
 * write at once. Rows are only ever inserted by their daemon and updated by id (or by host for
 * crash recovery), so no two daemons contend for a row and no locking beyond a row's is needed;
 * ids come from an identity column, so they are unique across daemons and ordered by start.
 */
import pg from 'pg';
import { toStateStoreError } from './postgres-errors.js';
import { ABANDONED_MESSAGE, DEFAULT_LIST_LIMIT, toRecord, toTotals, type RunRow, type TotalsRow } from './run-row.js';
import type { RunEnd, RunQuery, RunRecord, RunStart, RunTotals, StateStore } from './state-store.js';
import { POSTGRES_DEFAULT_SCHEMA, SCHEMA_NAME_RE } from './state-store-config.js';
import { NoSuchRunError } from './state-store-errors.js';
import { ConfigError } from '../../src/errors.js';

const TABLE = 'manager_runs';

export interface PostgresStateStoreOptions {
  /** `postgres://user[:password]@host:port/db[?sslmode=...]`; libpq's $PG* variables fill gaps. */
  readonly url: string;
  /** Schema of the runs table, created when missing; default `icetide`. */
  readonly schema?: string;
  /** Connections at most; default 4 (the scheduler runs a few jobs at once). */
  readonly maxConnections?: number;
  /** How long to wait for a connection; default 10 s (pg's default is forever). */
  readonly connectTimeoutMs?: number;
}

function ddl(schema: string): string[] {
  const t = `"${schema}".${TABLE}`;
  return [
    `CREATE TABLE IF NOT EXISTS ${t} (
      id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      table_name TEXT NOT NULL,
      job TEXT NOT NULL,
      started_at_ms BIGINT NOT NULL,
      ended_at_ms BIGINT,
      result TEXT NOT NULL,
      files_in BIGINT NOT NULL DEFAULT 0,
      bytes_in BIGINT NOT NULL DEFAULT 0,
      files_out BIGINT NOT NULL DEFAULT 0,
      bytes_out BIGINT NOT NULL DEFAULT 0,
      summary TEXT,
      error TEXT,
      owner TEXT NOT NULL
    )`,
    `CREATE INDEX IF NOT EXISTS ${TABLE}_by_table ON ${t} (table_name, job, id)`,
    // crash recovery and `manager status` look for running rows only
    `CREATE INDEX IF NOT EXISTS ${TABLE}_running ON ${t} (owner) WHERE result = 'running'`,
  ];
}

export class PostgresStateStore implements StateStore {
  readonly url: string;
  readonly schema: string;
  private readonly pool: pg.Pool;
  private readonly table: string;
  private opening: Promise<void> | undefined;
  private closed = false;

  /** Connects lazily: nothing is sent until `open()` or the first call. */
  constructor(o: PostgresStateStoreOptions) {
    this.url = o.url;
    this.schema = o.schema ?? POSTGRES_DEFAULT_SCHEMA;
    if (!SCHEMA_NAME_RE.test(this.schema)) {
      throw new ConfigError(`state.schema: "${this.schema}" is not a plain lower-case PostgreSQL name (expected [a-z_][a-z0-9_]*, at most 63 characters)`, { path: 'state.schema' });
    }
    this.table = `"${this.schema}".${TABLE}`;
    this.pool = new pg.Pool({
      connectionString: o.url,
      max: o.maxConnections ?? 4,
      connectionTimeoutMillis: o.connectTimeoutMs ?? 10_000,
      idleTimeoutMillis: 30_000,
      application_name: 'icetide-manager',
      // a CLI that only lists runs must not be kept alive by idle connections
      allowExitOnIdle: true,
    });
    // An idle connection dropped by the server (restart, idle timeout) is reported here; without
    // a listener it would crash the process. The next query simply takes a new connection.
    this.pool.on('error', () => undefined);
  }

  open(): Promise<void> {
    this.opening ??= this.createSchema().catch((err: unknown) => {
      this.opening = undefined; // a later call tries again (the server may be back)
      throw toStateStoreError(err, { url: this.url, schema: this.schema, table: TABLE, doing: 'opening the store' });
    });
    return this.opening;
  }

  /**
   * Creates the schema, table and indexes unless the table exists. The existence check comes
   * first because PostgreSQL checks the CREATE privilege before IF NOT EXISTS: a role that was
   * only granted use of a prepared table could otherwise never open it. The advisory lock keeps
   * two daemons starting at once from racing on the catalog (IF NOT EXISTS is not race-free).
   */
  private async createSchema(): Promise<void> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      const found = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [this.table]);
      if (found.rows[0]?.t) return;
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`icetide-manager-state:${this.schema}`]);
      const ns = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.schema]);
      if (ns.rowCount === 0) await client.query(`CREATE SCHEMA "${this.schema}"`);
      for (const stmt of ddl(this.schema)) await client.query(stmt);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch((e: unknown) => (broken = e as Error));
      throw err;
    } finally {
      client.release(broken);
    }
  }

  private async rows<R>(doing: string, sql: string, params: readonly unknown[]): Promise<R[]> {
    await this.open();
    try {
      return (await this.pool.query(sql, [...params])).rows as R[];
    } catch (err) {
      throw toStateStoreError(err, { url: this.url, schema: this.schema, table: TABLE, doing });
    }
  }

  async startRun(r: RunStart): Promise<RunRecord> {
    const [row] = await this.rows<RunRow>('recording the start of a run', `INSERT INTO ${this.table} (table_name, job, started_at_ms, result, owner) VALUES ($1, $2, $3, 'running', $4) RETURNING *`, [r.table, r.job, r.startedAtMs, r.owner]);
    return toRecord(row!);
  }

  async finishRun(id: number, e: RunEnd): Promise<RunRecord> {
    const [row] = await this.rows<RunRow>(
      'recording the end of a run',
      `UPDATE ${this.table} SET ended_at_ms = $1, result = $2, files_in = $3, bytes_in = $4, files_out = $5, bytes_out = $6, summary = $7, error = $8 WHERE id = $9 RETURNING *`,
      [e.endedAtMs, e.result, e.filesIn ?? 0, e.bytesIn ?? 0, e.filesOut ?? 0, e.bytesOut ?? 0, e.summary ?? null, e.error ?? null, id],
    );
    if (!row) throw new NoSuchRunError(`no run ${id} in the state store ${this.table}`, { run: id, schema: this.schema });
    return toRecord(row);
  }

  async listRuns(q: RunQuery = {}): Promise<RunRecord[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const filter = (column: string, value: string | undefined): void => {
      if (value === undefined) return;
      args.push(value);
      where.push(`${column} = $${args.length}`);
    };
    filter('table_name', q.table);
    filter('job', q.job);
    filter('result', q.result);
    args.push(q.limit ?? DEFAULT_LIST_LIMIT);
    const sql = `SELECT * FROM ${this.table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${args.length}`;
    return (await this.rows<RunRow>('listing runs', sql, args)).map(toRecord);
  }

  async lastRun(table: string, job: string): Promise<RunRecord | undefined> {
    const [row] = await this.rows<RunRow>('reading the last run', `SELECT * FROM ${this.table} WHERE table_name = $1 AND job = $2 AND result <> 'running' ORDER BY id DESC LIMIT 1`, [table, job]);
    return row ? toRecord(row) : undefined;
  }

  async totals(): Promise<RunTotals[]> {
    // COLLATE "C": byte order, as SQLite sorts, whatever the database's locale
    const rows = await this.rows<TotalsRow>(
      'summing runs',
      `SELECT table_name, job, result, COUNT(*) AS runs, SUM(bytes_in) AS bytes_in, SUM(bytes_out) AS bytes_out, SUM(files_in) AS files_in, SUM(files_out) AS files_out
       FROM ${this.table} GROUP BY table_name, job, result ORDER BY table_name COLLATE "C", job COLLATE "C", result COLLATE "C"`,
      [],
    );
    return rows.map(toTotals);
  }

  async abandonRunning(host: string, atMs: number): Promise<number> {
    const rows = await this.rows<{ id: string }>(
      'marking runs of a stopped manager as aborted',
      `UPDATE ${this.table} SET result = 'aborted', ended_at_ms = $1, error = $2 WHERE result = 'running' AND (owner = $3 OR left(owner, length($3) + 1) = $3 || ':') RETURNING id`,
      [atMs, ABANDONED_MESSAGE, host],
    );
    return rows.length;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
