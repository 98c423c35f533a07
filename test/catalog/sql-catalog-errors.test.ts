import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlDriver } from '../../src/catalog/open-sql-driver.js';
import { SqlCatalog } from '../../src/catalog/sql-catalog.js';
import { CatalogAccessError, CatalogUnavailableError, ConfigError } from '../../src/errors.js';
import { freePort } from '../support/free-port.js';
import { startCatalogDatabase, type CatalogDatabase } from '../support/sql-catalog-databases.js';

const PASSWORD = 'n0t-in-any-message';

async function failure(uri: string): Promise<Error> {
  const c = new SqlCatalog({ uri, warehouse: '/tmp/unused' });
  try {
    const err = await c.listNamespaces().then(() => undefined, (e: unknown) => e as Error);
    if (!err) throw new Error(`expected ${uri} to fail`);
    return err;
  } finally {
    await c.close().catch(() => undefined);
  }
}

function expectNamesServerNotPassword(err: Error, host: string, port: number): void {
  expect(err.message).toContain(`${host}:${port}`);
  expect(err.message).not.toContain(PASSWORD);
  expect(JSON.stringify((err as { context?: unknown }).context)).not.toContain(PASSWORD);
}

describe('SQL catalog: bad input', () => {
  it.each(['postgresql', 'mysql'])('an unreachable %s server: CatalogUnavailableError naming host and port, not the password', async (scheme) => {
    const port = await freePort(); // nothing listens there
    const err = await failure(`${scheme}://icetide:${PASSWORD}@127.0.0.1:${port}/catalog`);
    expect(err).toBeInstanceOf(CatalogUnavailableError);
    expectNamesServerNotPassword(err, '127.0.0.1', port);
  });

  it('a URI of no SQL scheme is a ConfigError listing the accepted forms', () => {
    expect(() => openSqlDriver(`http://u:${PASSWORD}@h/x`)).toThrow(ConfigError);
    expect(() => openSqlDriver(`http://u:${PASSWORD}@h/x`)).toThrow(/postgresql:\/\/.*mysql:\/\/.*sqlite:/);
    expect(() => openSqlDriver(`http://u:${PASSWORD}@h/x`)).not.toThrow(new RegExp(PASSWORD));
  });

  describe('wrong password on PostgreSQL', () => {
    let db: CatalogDatabase;
    beforeAll(async () => {
      db = await startCatalogDatabase('postgresql');
      await db.admin!(`CREATE ROLE cat LOGIN PASSWORD 'right-pw'`);
      // the private server trusts everyone; make this one role prove its password
      await db.admin!('CREATE DATABASE catdb OWNER cat');
      const dir = (await db.admin!('SHOW data_directory')) as { rows: { data_directory: string }[] };
      const file = path.join(dir.rows[0]!.data_directory, 'pg_hba.conf');
      fs.writeFileSync(file, `host all cat 127.0.0.1/32 scram-sha-256\n${fs.readFileSync(file, 'utf8')}`);
      await db.admin!('SELECT pg_reload_conf()');
    }, 120_000);
    afterAll(async () => db?.stop());

    it('CatalogAccessError naming the server and the user, not the password', async () => {
      const err = await failure(`postgresql://cat:${PASSWORD}@${db.host}:${db.port}/catdb`);
      expect(err).toBeInstanceOf(CatalogAccessError);
      expectNamesServerNotPassword(err, db.host!, db.port!);
      expect(err.message).toContain('user cat');
      // the same login with the right password works: the failure was the password
      const ok = new SqlCatalog({ uri: `postgresql://cat:right-pw@${db.host}:${db.port}/catdb`, warehouse: '/tmp/unused' });
      expect(await ok.listNamespaces()).toEqual([]);
      await ok.close();
    });
  });

  describe('wrong password on MariaDB', () => {
    let db: CatalogDatabase;
    beforeAll(async () => {
      db = await startCatalogDatabase('mysql');
      await db.admin!(`CREATE USER 'cat'@'%' IDENTIFIED BY 'right-pw'`);
      await db.admin!(`CREATE USER 'cat'@'localhost' IDENTIFIED BY 'right-pw'`);
    }, 120_000);
    afterAll(async () => db?.stop());

    it('CatalogAccessError naming the server and the user, not the password', async () => {
      const err = await failure(`mysql://cat:${PASSWORD}@${db.host}:${db.port}/mysql`);
      expect(err).toBeInstanceOf(CatalogAccessError);
      expectNamesServerNotPassword(err, db.host!, db.port!);
      expect(err.message).toContain('user cat');
      await db.admin!(`GRANT ALL ON mysql_catdb.* TO 'cat'@'%'`);
      await db.admin!('CREATE DATABASE mysql_catdb');
      const ok = new SqlCatalog({ uri: `mysql://cat:right-pw@${db.host}:${db.port}/mysql_catdb`, warehouse: '/tmp/unused' });
      expect(await ok.listNamespaces()).toEqual([]);
      await ok.close();
    });
  });
});
