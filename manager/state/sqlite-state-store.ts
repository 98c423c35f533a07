import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ABANDONED_MESSAGE, DEFAULT_LIST_LIMIT, toRecord, toTotals, type RunRow, type TotalsRow } from './run-row.js';
import type { RunEnd, RunQuery, RunRecord, RunStart, RunTotals, StateStore } from './state-store.js';
import { NoSuchRunError, StateStoreUnavailableError } from './state-store-errors.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  table_name TEXT NOT NULL,
  job TEXT NOT NULL,
  started_at_ms INTEGER NOT NULL,
  ended_at_ms INTEGER,
  result TEXT NOT NULL,
  files_in INTEGER NOT NULL DEFAULT 0,
  bytes_in INTEGER NOT NULL DEFAULT 0,
  files_out INTEGER NOT NULL DEFAULT 0,
  bytes_out INTEGER NOT NULL DEFAULT 0,
  summary TEXT,
  error TEXT,
  owner TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_table ON runs (table_name, job, id);
`;

/** The default state store: one SQLite file (`<warehouse>/_icetide/manager.db`), WAL mode. */
export class SqliteStateStore implements StateStore {
  private readonly db: Database.Database;

  /** `file` is a path or `:memory:`; throws StateStoreUnavailableError when it cannot be opened. */
  constructor(readonly file: string) {
    try {
      if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
      this.db = new Database(file);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('busy_timeout = 5000');
      this.db.exec(SCHEMA);
    } catch (err) {
      throw new StateStoreUnavailableError(
        `cannot open the manager state store ${file}: ${err instanceof Error ? err.message : String(err)}; check state.path in the manager config (its directory must be creatable and writable)`,
        { path: file },
        { cause: err },
      );
    }
  }

  /** The file is opened by the constructor. */
  async open(): Promise<void> {}

  private get(id: number): RunRecord {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    if (!row) throw new NoSuchRunError(`no run ${id} in the state store ${this.file}`, { run: id, path: this.file });
    return toRecord(row);
  }

  async startRun(r: RunStart): Promise<RunRecord> {
    const info = this.db
      .prepare("INSERT INTO runs (table_name, job, started_at_ms, result, owner) VALUES (?, ?, ?, 'running', ?)")
      .run(r.table, r.job, r.startedAtMs, r.owner);
    return this.get(Number(info.lastInsertRowid));
  }

  async finishRun(id: number, e: RunEnd): Promise<RunRecord> {
    this.db
      .prepare('UPDATE runs SET ended_at_ms = ?, result = ?, files_in = ?, bytes_in = ?, files_out = ?, bytes_out = ?, summary = ?, error = ? WHERE id = ?')
      .run(e.endedAtMs, e.result, e.filesIn ?? 0, e.bytesIn ?? 0, e.filesOut ?? 0, e.bytesOut ?? 0, e.summary ?? null, e.error ?? null, id);
    return this.get(id);
  }

  async listRuns(q: RunQuery = {}): Promise<RunRecord[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const filter = (column: string, value: string | undefined): void => {
      if (value === undefined) return;
      where.push(`${column} = ?`);
      args.push(value);
    };
    filter('table_name', q.table);
    filter('job', q.job);
    filter('result', q.result);
    const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, q.limit ?? DEFAULT_LIST_LIMIT) as RunRow[]).map(toRecord);
  }

  async lastRun(table: string, job: string): Promise<RunRecord | undefined> {
    const row = this.db
      .prepare("SELECT * FROM runs WHERE table_name = ? AND job = ? AND result != 'running' ORDER BY id DESC LIMIT 1")
      .get(table, job) as RunRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  async totals(): Promise<RunTotals[]> {
    const rows = this.db
      .prepare('SELECT table_name, job, result, COUNT(*) AS runs, SUM(bytes_in) AS bytes_in, SUM(bytes_out) AS bytes_out, SUM(files_in) AS files_in, SUM(files_out) AS files_out FROM runs GROUP BY table_name, job, result ORDER BY table_name, job, result')
      .all() as TotalsRow[];
    return rows.map(toTotals);
  }

  async abandonRunning(host: string, atMs: number): Promise<number> {
    // An exact prefix test, not LIKE: LIKE is case-insensitive in SQLite and reads `_`/`%` in a
    // host name as wildcards, so it could abort another host's runs.
    return this.db
      .prepare("UPDATE runs SET result = 'aborted', ended_at_ms = ?, error = ? WHERE result = 'running' AND (owner = ? OR substr(owner, 1, length(?) + 1) = ? || ':')")
      .run(atMs, ABANDONED_MESSAGE, host, host, host).changes;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
