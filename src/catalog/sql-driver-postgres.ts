import pg from 'pg';
import { redactUrl } from '../logging/redaction.js';
import { informationSchemaHas, numberedPlaceholders, safeUser, sqlCatalogError, type SqlDriver, type SqlFailure, type SqlParam, type SqlRow } from './sql-driver.js';

const NETWORK_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE']);

/** SQLSTATE classes: 08 connection, 57P0x shutdown, 53300 too many connections; 28 login, 3D000 no database. */
function classify(err: unknown): SqlFailure {
  if (err instanceof pg.DatabaseError && err.code) {
    const code = err.code;
    if (code === '23505') return { kind: 'constraint', code };
    if (code.startsWith('08') || /^57P0[123]$/.test(code) || code === '53300') return { kind: 'unavailable', code };
    if (code.startsWith('28') || code === '3D000' || code === '42501') return { kind: 'access', code };
    return { kind: 'other', code };
  }
  const errno = (err as NodeJS.ErrnoException | undefined)?.code;
  if (errno && NETWORK_ERRNO.has(errno)) return { kind: 'unavailable', code: errno };
  const msg = err instanceof Error ? err.message : '';
  // pg's own timeouts and dropped connections carry no code
  if (/timeout|terminated|Connection ended/i.test(msg)) return { kind: 'unavailable' };
  if (/password/i.test(msg)) return { kind: 'access' };
  return { kind: 'other' };
}

/** The catalog on PostgreSQL through `pg`: a small pool that never keeps a finished CLI alive. */
export class PostgresSqlDriver implements SqlDriver {
  readonly dialect = 'postgresql' as const;
  readonly target: string;
  private readonly pool: pg.Pool;
  private readonly user: string | undefined;

  constructor(uri: string, o: { maxConnections?: number; connectTimeoutMs?: number } = {}) {
    this.target = redactUrl(uri);
    this.user = safeUser(uri);
    this.pool = new pg.Pool({
      connectionString: uri,
      max: o.maxConnections ?? 4,
      connectionTimeoutMillis: o.connectTimeoutMs ?? 10_000,
      idleTimeoutMillis: 10_000,
      application_name: 'icetide-catalog',
      allowExitOnIdle: true,
    });
    // an idle connection dropped by the server is reported here; the next query takes a new one
    this.pool.on('error', () => undefined);
  }

  private async run(sql: string, params: readonly SqlParam[]): Promise<pg.QueryResult> {
    try {
      return await this.pool.query(numberedPlaceholders(sql), [...params]);
    } catch (err) {
      throw sqlCatalogError(err, classify(err), this.target, this.user, sql);
    }
  }

  async query(sql: string, params: readonly SqlParam[] = []): Promise<SqlRow[]> {
    return (await this.run(sql, params)).rows as SqlRow[];
  }

  async execute(sql: string, params: readonly SqlParam[] = []): Promise<number> {
    return (await this.run(sql, params)).rowCount ?? 0;
  }

  tableExists(table: string): Promise<boolean> {
    return informationSchemaHas(this, 'current_schema()', table);
  }

  columnExists(table: string, column: string): Promise<boolean> {
    return informationSchemaHas(this, 'current_schema()', table, column);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
