/**
 * A private, empty database per dialect for the SQL catalog tests: PostgreSQL and MariaDB are
 * private servers (postgres-server.ts, mariadb-server.ts) with a fresh `icetide_t_<random>`
 * database in each; SQLite is a fresh file. Nothing shared is touched, and everything is
 * removed by `stop()`.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SqlDialect } from '../../src/catalog/sql-driver.js';
import { startMariaDb, type MariaDbServer } from './mariadb-server.js';
import { startPostgres, type PostgresServer } from './postgres-server.js';

export interface CatalogDatabase {
  readonly dialect: SqlDialect;
  /** A catalog URI of this database (no password: the servers trust 127.0.0.1 / root). */
  readonly uri: string;
  /** The server behind it (not for SQLite), for negative tests that need host and port. */
  readonly host?: string;
  readonly port?: number;
  /** Runs SQL as the administrator against the server (not the test database). */
  admin?(sql: string): Promise<unknown>;
  stop(): Promise<void>;
}

export const DIALECTS: readonly SqlDialect[] = ['postgresql', 'mysql', 'sqlite'];

const dbName = (): string => `icetide_t_${randomBytes(6).toString('hex')}`;

async function postgresDatabase(): Promise<CatalogDatabase> {
  const server: PostgresServer = await startPostgres();
  const name = dbName();
  await server.query(`CREATE DATABASE ${name}`);
  return {
    dialect: 'postgresql',
    uri: server.urlFor('postgres', name).replace(/^postgres:/, 'postgresql:'),
    host: server.host,
    port: server.port,
    admin: (sql) => server.query(sql),
    async stop() {
      await server.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await server.stop();
    },
  };
}

async function mariaDbDatabase(): Promise<CatalogDatabase> {
  const server: MariaDbServer = await startMariaDb({ binlog: false });
  const name = dbName();
  await server.query(`CREATE DATABASE ${name}`);
  return {
    dialect: 'mysql',
    uri: `mysql://root@127.0.0.1:${server.port}/${name}`,
    host: server.host,
    port: server.port,
    admin: (sql) => server.query(sql),
    async stop() {
      await server.query(`DROP DATABASE IF EXISTS ${name}`).catch(() => undefined);
      await server.stop();
    },
  };
}

function sqliteDatabase(): CatalogDatabase {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'icetide-sqlite-'));
  return {
    dialect: 'sqlite',
    uri: `sqlite:${path.join(dir, 'catalog.db')}`,
    async stop() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startCatalogDatabase(dialect: SqlDialect): Promise<CatalogDatabase> {
  switch (dialect) {
    case 'postgresql':
      return postgresDatabase();
    case 'mysql':
      return mariaDbDatabase();
    case 'sqlite':
      return sqliteDatabase();
  }
}
