import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { sqlCatalogError, type SqlDriver, type SqlFailure, type SqlParam, type SqlRow } from './sql-driver.js';

function classify(err: unknown): SqlFailure {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') return { kind: 'other' };
  if (code.startsWith('SQLITE_CONSTRAINT')) return { kind: 'constraint', code };
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return { kind: 'unavailable', code };
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_PERM')) return { kind: 'access', code };
  return { kind: 'other', code };
}

/**
 * The catalog in one SQLite file through `better-sqlite3` (synchronous; WAL so readers do not
 * block the writer, and a busy timeout so several processes can commit to one file).
 */
export class SqliteSqlDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  readonly target: string;
  private readonly db: Database.Database;

  constructor(file: string) {
    this.target = `sqlite:${file}`;
    try {
      if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
      this.db = new Database(file);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('busy_timeout = 10000');
    } catch (err) {
      throw sqlCatalogError(err, { kind: 'access', code: (err as { code?: string }).code }, this.target, undefined, 'open');
    }
  }

  private run<T>(sql: string, f: () => T): T {
    try {
      return f();
    } catch (err) {
      throw sqlCatalogError(err, classify(err), this.target, undefined, sql);
    }
  }

  async query(sql: string, params: readonly SqlParam[] = []): Promise<SqlRow[]> {
    return this.run(sql, () => this.db.prepare(sql).all(...params) as SqlRow[]);
  }

  async execute(sql: string, params: readonly SqlParam[] = []): Promise<number> {
    return this.run(sql, () => this.db.prepare(sql).run(...params).changes);
  }

  async tableExists(table: string): Promise<boolean> {
    return (await this.query("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = ?", [table])).length > 0;
  }

  async columnExists(table: string, column: string): Promise<boolean> {
    return (await this.query('SELECT 1 AS x FROM pragma_table_info(?) WHERE name = ?', [table, column])).length > 0;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
