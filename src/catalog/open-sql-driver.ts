import path from 'node:path';
import { ConfigError } from '../errors.js';
import { redactUrl } from '../logging/redaction.js';
import type { SqlDriver } from './sql-driver.js';
import { MySqlSqlDriver } from './sql-driver-mysql.js';
import { PostgresSqlDriver } from './sql-driver-postgres.js';
import { SqliteSqlDriver } from './sql-driver-sqlite.js';

export const SQL_CATALOG_URI_FORMS = 'postgresql://user[:password]@host[:port]/db, mysql://user[:password]@host[:port]/db, or sqlite:/path/to/catalog.db';

/**
 * Picks the driver by the URI's scheme. A leading `jdbc:` is accepted so a JdbcCatalog `uri`
 * can be pasted as is (credentials then go in the URI's user info). Relative SQLite paths are
 * resolved against `cwd`.
 */
export function openSqlDriver(uri: string, cwd = process.cwd()): SqlDriver {
  const u = uri.replace(/^jdbc:/i, '');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(u)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'postgresql':
    case 'postgres':
      return new PostgresSqlDriver(u);
    case 'mysql':
    case 'mariadb':
      return new MySqlSqlDriver(u.replace(/^mariadb:/i, 'mysql:'));
    case 'sqlite': {
      const rest = u.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
      if (!rest) throw new ConfigError(`catalog uri "${uri}" names no SQLite file; expected sqlite:/path/to/catalog.db`, { uri });
      return new SqliteSqlDriver(rest === ':memory:' ? rest : path.resolve(cwd, rest));
    }
    default:
      throw new ConfigError(`catalog uri "${redactUrl(uri)}" is not a SQL catalog URI; expected ${SQL_CATALOG_URI_FORMS}`, { uri: redactUrl(uri) });
  }
}
