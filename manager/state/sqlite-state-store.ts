import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { RunEnd, RunQuery, RunRecord, RunResult, RunStart, RunTotals, StateStore } from './state-store.js';

interface RunRow {
  id: number;
  table_name: string;
  job: string;
  started_at_ms: number;
  ended_at_ms: number | null;
  result: RunResult;
  files_in: number;
  bytes_in: number;
  files_out: number;
  bytes_out: number;
  summary: string | null;
  error: string | null;
  owner: string;
}

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

function toRecord(r: RunRow): RunRecord {
  return {
    id: r.id,
    table: r.table_name,
    job: r.job,
    startedAtMs: r.started_at_ms,
    ...(r.ended_at_ms !== null ? { endedAtMs: r.ended_at_ms } : {}),
    result: r.result,
    filesIn: r.files_in,
    bytesIn: r.bytes_in,
    filesOut: r.files_out,
    bytesOut: r.bytes_out,
    ...(r.summary !== null ? { summary: r.summary } : {}),
    ...(r.error !== null ? { error: r.error } : {}),
    owner: r.owner,
  };
}

/** The default state store: one SQLite file (`<warehouse>/_icetide/manager.db`), WAL mode. */
export class SqliteStateStore implements StateStore {
  private readonly db: Database.Database;

  /** `file` is a path or `:memory:`. */
  constructor(file: string) {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
  }

  private get(id: number): RunRecord {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    if (!row) throw new Error(`no run ${id} in the state store`);
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
    return (this.db.prepare(sql).all(...args, q.limit ?? 50) as RunRow[]).map(toRecord);
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
      .all() as { table_name: string; job: string; result: RunResult; runs: number; bytes_in: number; bytes_out: number; files_in: number; files_out: number }[];
    return rows.map((r) => ({ table: r.table_name, job: r.job, result: r.result, runs: r.runs, bytesIn: r.bytes_in, bytesOut: r.bytes_out, filesIn: r.files_in, filesOut: r.files_out }));
  }

  async abandonRunning(host: string, atMs: number): Promise<number> {
    return this.db
      .prepare("UPDATE runs SET result = 'aborted', ended_at_ms = ?, error = 'the manager process stopped during the run' WHERE result = 'running' AND (owner = ? OR owner LIKE ?)")
      .run(atMs, host, `${host}:%`).changes;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
