import mysql from 'mysql2/promise';
import { redactUrl } from '../logging/redaction.js';
import { informationSchemaHas, safeUser, sqlCatalogError, type SqlDriver, type SqlFailure, type SqlParam, type SqlRow } from './sql-driver.js';

const UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE', 'PROTOCOL_CONNECTION_LOST', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN']);
const ACCESS = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_BAD_DB_ERROR', 'ER_TABLEACCESS_DENIED_ERROR', 'ER_NOT_SUPPORTED_AUTH_MODE']);

function classify(err: unknown): SqlFailure {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') return { kind: 'other' };
  if (code === 'ER_DUP_ENTRY') return { kind: 'constraint', code };
  if (UNAVAILABLE.has(code)) return { kind: 'unavailable', code };
  if (ACCESS.has(code)) return { kind: 'access', code };
  return { kind: 'other', code };
}

/** The catalog on MySQL or MariaDB through `mysql2`. */
export class MySqlSqlDriver implements SqlDriver {
  readonly dialect = 'mysql' as const;
  readonly target: string;
  private readonly pool: mysql.Pool;
  private readonly user: string | undefined;

  constructor(uri: string, o: { maxConnections?: number; connectTimeoutMs?: number } = {}) {
    this.target = redactUrl(uri);
    this.user = safeUser(uri);
    const u = new URL(uri);
    this.pool = mysql.createPool({
      host: u.hostname,
      port: u.port ? Number(u.port) : 3306,
      user: decodeURIComponent(u.username) || undefined,
      password: decodeURIComponent(u.password) || undefined,
      database: decodeURIComponent(u.pathname.replace(/^\//, '')) || undefined,
      connectionLimit: o.maxConnections ?? 4,
      connectTimeout: o.connectTimeoutMs ?? 10_000,
      maxIdle: 1,
      idleTimeout: 10_000,
      charset: 'utf8mb4',
    });
  }

  private async run(sql: string, params: readonly SqlParam[]): Promise<unknown> {
    try {
      const [result] = await this.pool.query(sql, [...params]);
      return result;
    } catch (err) {
      throw sqlCatalogError(err, classify(err), this.target, this.user, sql);
    }
  }

  async query(sql: string, params: readonly SqlParam[] = []): Promise<SqlRow[]> {
    return (await this.run(sql, params)) as SqlRow[];
  }

  async execute(sql: string, params: readonly SqlParam[] = []): Promise<number> {
    return ((await this.run(sql, params)) as mysql.ResultSetHeader).affectedRows;
  }

  tableExists(table: string): Promise<boolean> {
    return informationSchemaHas(this, 'DATABASE()', table);
  }

  columnExists(table: string, column: string): Promise<boolean> {
    return informationSchemaHas(this, 'DATABASE()', table, column);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
