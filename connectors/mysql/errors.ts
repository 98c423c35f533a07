import { ConfigError, IcetideError, type ErrorContext } from '../../src/errors.js';

/**
 * The MySQL/MariaDB server cannot serve this pipeline as configured (binlog off, wrong
 * format, missing privileges, purged binlog). The message says exactly what to change.
 */
export class MySqlSetupError extends ConfigError {}

/** A value read from the server that its column's Iceberg type cannot hold. */
export class MySqlValueError extends IcetideError {
  constructor(message: string, context: ErrorContext = {}) {
    super(message, context);
  }
}

/** A lost connection or server restart: the binlog reader retries these with backoff. */
export class MySqlConnectionLostError extends IcetideError {
  override readonly retriable = true;
}

/** Server error codes that mean "the connection is gone, try again" rather than "fix something". */
const RETRIABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'PROTOCOL_CONNECTION_LOST',
  'ER_SERVER_SHUTDOWN', 'ER_CONNECTION_KILLED', 'ER_NET_READ_ERROR', 'ER_NET_READ_INTERRUPTED', 'ER_CON_COUNT_ERROR',
]);

export function errorCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') return (err as { code: string }).code;
  return undefined;
}

export function isRetriable(err: unknown): boolean {
  if (err instanceof MySqlConnectionLostError) return true;
  const code = errorCode(err);
  if (code !== undefined && RETRIABLE_CODES.has(code)) return true;
  return err instanceof Error && /connection (lost|closed)|server has gone away|Connection lost/i.test(err.message);
}

/**
 * Turns a connection error into a setup error naming the fix when it is one the user must
 * act on (credentials, privileges); credentials themselves are never part of the message.
 */
export function explainConnectError(err: unknown, where: string): Error {
  const code = errorCode(err);
  const msg = err instanceof Error ? err.message : String(err);
  if (code === 'ER_ACCESS_DENIED_ERROR' || code === 'ER_DBACCESS_DENIED_ERROR') {
    return new MySqlSetupError(`${where}: access denied (${msg}): check source.user and source.password (e.g. password: \${MYSQL_PASSWORD})`, {}, );
  }
  if (code === 'ER_SPECIFIC_ACCESS_DENIED_ERROR' || code === 'ER_TABLEACCESS_DENIED_ERROR') {
    return new MySqlSetupError(`${where}: missing privilege (${msg}): GRANT SELECT, RELOAD, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO the pipeline's user (MariaDB >= 10.5: BINLOG MONITOR, REPLICATION SLAVE ADMIN... or REPLICATION SLAVE + BINLOG MONITOR)`);
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT') {
    return new MySqlConnectionLostError(`${where}: cannot connect (${code}): check source.host and source.port and that the server runs`, {}, { cause: err });
  }
  return err instanceof Error ? err : new Error(msg);
}
