import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openSqlDriver } from '../../src/catalog/open-sql-driver.js';
import { SqlCatalog } from '../../src/catalog/sql-catalog.js';
import type { SqlDriver } from '../../src/catalog/sql-driver.js';
import { AlreadyExistsError, CommitRaceError, MissingMetadataFileError, NoSuchNamespaceError, NoSuchTableError, ValidationError } from '../../src/errors.js';
import { countRows } from '../../src/iceberg/read/table-scan.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { primitive } from '../../src/iceberg/spec/types.js';
import { writeDataFile } from '../support/data-files.js';
import { DIALECTS, startCatalogDatabase, type CatalogDatabase } from '../support/sql-catalog-databases.js';
import { useTempDir } from '../support/temp-dir.js';

const schema = new Schema(0, [{ id: 1, name: 'id', required: true, type: primitive('long') }]);
const orders = { namespace: ['db'], name: 'orders' };
const METADATA_NAME = /\/metadata\/(\d{5})-[0-9a-f-]{36}\.metadata\.json$/;

/** The Catalog contract, run on every dialect against a private database. */
describe.each(DIALECTS)('SQL catalog on %s', (dialect) => {
  let db: CatalogDatabase;
  let raw: SqlDriver;
  const open: SqlCatalog[] = [];
  const tempDir = useTempDir('icetide-sqlcat-');

  beforeAll(async () => {
    db = await startCatalogDatabase(dialect);
    raw = openSqlDriver(db.uri);
  }, 120_000);
  afterAll(async () => {
    await raw?.close();
    await db?.stop();
  });
  afterEach(async () => {
    for (const c of open.splice(0)) await c.close();
  });

  /** A catalog with a name of its own: tests share the database but never a catalog_name. */
  function catalog(name = `c_${randomBytes(4).toString('hex')}`, warehouse = tempDir()): SqlCatalog {
    const c = new SqlCatalog({ uri: db.uri, name, warehouse });
    open.push(c);
    return c;
  }

  describe('catalog tables', () => {
    it('creates iceberg_tables and iceberg_namespace_properties with JdbcCatalog columns and primary keys (schema V1)', async () => {
      await catalog().listNamespaces();
      const columns = await tableColumns(raw, 'iceberg_tables');
      expect(columns).toEqual([
        ['catalog_name', 'varchar(255)', false],
        ['table_namespace', 'varchar(255)', false],
        ['table_name', 'varchar(255)', false],
        ['metadata_location', 'varchar(1000)', true],
        ['previous_metadata_location', 'varchar(1000)', true],
        ['iceberg_type', 'varchar(5)', true],
      ]);
      expect(await primaryKey(raw, 'iceberg_tables')).toEqual(['catalog_name', 'table_namespace', 'table_name']);
      expect((await tableColumns(raw, 'iceberg_namespace_properties')).map((c) => c.slice(0, 2))).toEqual([
        ['catalog_name', 'varchar(255)'],
        ['namespace', 'varchar(255)'],
        ['property_key', 'varchar(255)'],
        ['property_value', 'varchar(1000)'],
      ]);
      expect(await primaryKey(raw, 'iceberg_namespace_properties')).toEqual(['catalog_name', 'namespace', 'property_key']);
    });
  });

  describe('namespaces', () => {
    it('creates, lists (one level at a time), loads, updates and drops namespaces with properties', async () => {
      const c = catalog();
      await c.createNamespace(['sales'], { owner: 'ana', comment: 'orders and refunds' });
      await c.createNamespace(['sales', 'eu']);
      await c.createNamespace(['empty']);
      expect(await c.namespaceExists(['sales'])).toBe(true);
      expect(await c.namespaceExists(['sal'])).toBe(false);
      expect(await c.listNamespaces()).toEqual([['empty'], ['sales']]);
      expect(await c.listNamespaces(['sales'])).toEqual([['sales', 'eu']]);
      const props = await c.loadNamespaceProperties(['sales']);
      expect(props).toEqual({ owner: 'ana', comment: 'orders and refunds', location: path.join(c.warehouse!, 'sales') });
      await c.updateNamespaceProperties(['sales'], { owner: 'bo', tier: 'gold' }, ['comment']);
      expect(await c.loadNamespaceProperties(['sales'])).toEqual({ owner: 'bo', tier: 'gold', location: path.join(c.warehouse!, 'sales') });
      await expect(c.createNamespace(['sales'])).rejects.toBeInstanceOf(AlreadyExistsError);
      await expect(c.dropNamespace(['sales'])).rejects.toThrow(/not empty \(0 tables, 1 namespaces\)/);
      await expect(c.updateNamespaceProperties(['sales'], { exists: 'false' })).rejects.toBeInstanceOf(ValidationError);
      await c.dropNamespace(['empty']);
      expect(await c.namespaceExists(['empty'])).toBe(false);
      await expect(c.dropNamespace(['empty'])).rejects.toBeInstanceOf(NoSuchNamespaceError);
      await expect(c.loadNamespaceProperties(['nope'])).rejects.toBeInstanceOf(NoSuchNamespaceError);
    });

    it('a namespace exists while a table is in it or below it; LIKE wildcards in names match only themselves', async () => {
      const c = catalog();
      await c.createTable({ namespace: ['a_b', 'inner'], name: 't' }, { schema });
      expect(await c.namespaceExists(['a_b'])).toBe(true);
      expect(await c.namespaceExists(['a_b', 'inner'])).toBe(true);
      expect(await c.namespaceExists(['aXb'])).toBe(false);
      expect(await c.listNamespaces()).toEqual([['a_b']]);
    });

    it('rows are scoped by catalog_name: two catalogs in one database see only their own', async () => {
      const a = catalog();
      const b = catalog();
      await a.createTable(orders, { schema });
      await b.createNamespace(['other']);
      expect(await a.listNamespaces()).toEqual([['db']]);
      expect(await b.listNamespaces()).toEqual([['other']]);
      expect(await b.tableExists(orders)).toBe(false);
      await b.createTable(orders, { schema }); // same identifier, other catalog: no clash
      expect((await a.loadTable(orders)).metadata.tableUuid).not.toBe((await b.loadTable(orders)).metadata.tableUuid);
    });
  });

  describe('tables', () => {
    it('creates a table at <warehouse>/<ns>/<table> with metadata 00000-<uuid>.metadata.json, and commits 00001, 00002 through the row', async () => {
      const c = catalog();
      const t = await c.createTable(orders, { schema });
      expect(t.location).toBe(path.join(c.warehouse!, 'db', 'orders'));
      expect(t.metadataLocation).toMatch(METADATA_NAME);
      expect(METADATA_NAME.exec(t.metadataLocation!)![1]).toBe('00000');
      const first = t.metadataLocation!;
      await t.newAppend().appendFile(await writeDataFile(t, [{ id: 1n }, { id: 2n }])).commit();
      expect(METADATA_NAME.exec(t.metadataLocation!)![1]).toBe('00001');
      expect(t.metadata.metadataLog.map((e) => e.metadataFile)).toEqual([first]);
      const row = await pointerRow(raw, c.name, 'db', 'orders');
      expect(row).toEqual({ metadata_location: t.metadataLocation, previous_metadata_location: first, iceberg_type: 'TABLE' });
      const loaded = await catalog(c.name, c.warehouse).loadTable(orders);
      expect(await countRows(loaded)).toBe(2n);
      expect(await c.listTables(['db'])).toEqual([orders]);
      expect(await c.tableExists(orders)).toBe(true);
      await expect(c.createTable(orders, { schema })).rejects.toBeInstanceOf(AlreadyExistsError);
      await expect(c.loadTable({ namespace: ['db'], name: 'nope' })).rejects.toBeInstanceOf(NoSuchTableError);
    });

    it('a stale base loses the compare-and-swap (CommitRaceError, nothing changed, its file removed); the commit loop retries and keeps both appends', async () => {
      const c = catalog();
      const created = await c.createTable(orders, { schema });
      const a = await c.loadTable(orders);
      const b = await c.loadTable(orders);
      await a.newAppend().appendFile(await writeDataFile(a, [{ id: 1n }])).commit();
      const stale = b.state;
      const before = fs.readdirSync(path.join(created.location, 'metadata')).length;
      await expect(b.ops.commit(stale, { ...stale.metadata, lastUpdatedMs: Date.now() })).rejects.toBeInstanceOf(CommitRaceError);
      expect(fs.readdirSync(path.join(created.location, 'metadata')).length).toBe(before);
      expect((await pointerRow(raw, c.name, 'db', 'orders'))!.metadata_location).toBe(a.metadataLocation);
      // through the loop: b reloads, re-applies, and wins on the next try
      await b.newAppend().appendFile(await writeDataFile(b, [{ id: 2n }])).commit();
      const final = await c.loadTable(orders);
      expect(final.snapshots()).toHaveLength(2);
      expect(await countRows(final)).toBe(2n);
    });

    it('renames the row only: the new name reads the same table and takes commits; the old name is gone', async () => {
      const c = catalog();
      const t = await c.createTable(orders, { schema });
      await t.newAppend().appendFile(await writeDataFile(t, [{ id: 7n }])).commit();
      await expect(c.renameTable(orders, { namespace: ['missing'], name: 'x' })).rejects.toBeInstanceOf(NoSuchNamespaceError);
      await c.createNamespace(['archive']);
      const to = { namespace: ['archive'], name: 'orders_2024' };
      await c.renameTable(orders, to);
      expect(await c.tableExists(orders)).toBe(false);
      const renamed = await c.loadTable(to);
      expect(renamed.metadata.tableUuid).toBe(t.metadata.tableUuid);
      expect(renamed.location).toBe(t.location);
      await renamed.newAppend().appendFile(await writeDataFile(renamed, [{ id: 8n }])).commit();
      expect(await countRows(renamed)).toBe(2n);
      await expect(c.renameTable(orders, to)).rejects.toBeInstanceOf(NoSuchTableError);
      await c.createTable(orders, { schema });
      await expect(c.renameTable(orders, to)).rejects.toBeInstanceOf(AlreadyExistsError);
    });

    it('drop keeps the files; drop with purge deletes data, manifests and metadata files', async () => {
      const c = catalog();
      const kept = await c.createTable({ namespace: ['db'], name: 'kept' }, { schema });
      await kept.newAppend().appendFile(await writeDataFile(kept, [{ id: 1n }])).commit();
      await c.dropTable({ namespace: ['db'], name: 'kept' });
      expect(await c.tableExists({ namespace: ['db'], name: 'kept' })).toBe(false);
      expect(fs.existsSync(kept.metadataLocation!)).toBe(true);
      const purged = await c.createTable({ namespace: ['db'], name: 'purged' }, { schema });
      const f = await writeDataFile(purged, [{ id: 1n }]);
      await purged.newAppend().appendFile(f).commit();
      await c.dropTable({ namespace: ['db'], name: 'purged' }, true);
      expect(fs.existsSync(f.filePath)).toBe(false);
      const left = fs.readdirSync(purged.location, { recursive: true }).filter((p) => fs.statSync(path.join(purged.location, String(p))).isFile());
      expect(left).toEqual([]);
      await expect(c.dropTable({ namespace: ['db'], name: 'purged' })).rejects.toBeInstanceOf(NoSuchTableError);
    });

    it('a row pointing at a missing metadata file fails with MissingMetadataFileError naming the table and the location', async () => {
      const c = catalog();
      const t = await c.createTable(orders, { schema });
      fs.rmSync(t.metadataLocation!);
      const err = await c.loadTable(orders).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MissingMetadataFileError);
      expect((err as Error).message).toContain('db.orders');
      expect((err as Error).message).toContain(t.metadataLocation!);
    });

    it('rejects names that cannot be path segments of a new table', async () => {
      const c = catalog();
      await expect(c.createTable({ namespace: ['..'], name: 'x' }, { schema })).rejects.toBeInstanceOf(ValidationError);
      await expect(c.createTable({ namespace: ['db'], name: 'a/b' }, { schema })).rejects.toBeInstanceOf(ValidationError);
    });
  });

  describe('JdbcCatalog compatibility', () => {
    it('reads and commits to a table row inserted the way JdbcCatalog inserts it', async () => {
      const name = `jdbc_${randomBytes(4).toString('hex')}`;
      // A table JdbcCatalog created: its metadata file, then JdbcUtil.V1_DO_COMMIT_CREATE_SQL.
      const seed = await catalog(`${name}_seed`).createTable(orders, { schema });
      await raw.execute(
        'INSERT INTO iceberg_tables (catalog_name, table_namespace, table_name, metadata_location, previous_metadata_location, iceberg_type)  VALUES (?,?,?,?,null,?)',
        [name, 'db', 'orders', seed.metadataLocation!, 'TABLE'],
      );
      await raw.execute('INSERT INTO iceberg_namespace_properties (catalog_name, namespace, property_key, property_value) VALUES (?,?,?,?)', [name, 'db', 'exists', 'true']);
      const c = catalog(name);
      expect(await c.listNamespaces()).toEqual([['db']]);
      const t = await c.loadTable(orders);
      expect(t.metadata.tableUuid).toBe(seed.metadata.tableUuid);
      await t.newAppend().appendFile(await writeDataFile(t, [{ id: 1n }])).commit();
      // JdbcUtil.V1_GET_TABLE_SQL, as JdbcTableOperations.doRefresh reads it
      const rows = await raw.query(
        "SELECT * FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND table_name = ? AND (iceberg_type = 'TABLE' OR iceberg_type IS NULL)",
        [name, 'db', 'orders'],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]!['metadata_location']).toBe(t.metadataLocation);
      expect(rows[0]!['previous_metadata_location']).toBe(seed.metadataLocation);
      expect(rows[0]!['metadata_location']).toMatch(METADATA_NAME);
    });

    it('a table icetide creates is the row and namespace properties JdbcCatalog reads', async () => {
      const c = catalog();
      await c.createNamespace(['db']);
      const t = await c.createTable(orders, { schema });
      const rows = await raw.query('SELECT * FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ?', [c.name, 'db']);
      expect(rows).toEqual([{ catalog_name: c.name, table_namespace: 'db', table_name: 'orders', metadata_location: t.metadataLocation, previous_metadata_location: null, iceberg_type: 'TABLE' }]);
      // JdbcUtil.GET_ALL_NAMESPACE_PROPERTIES_SQL: the reserved `exists` marks a namespace made without properties
      expect(await raw.query('SELECT * FROM iceberg_namespace_properties WHERE catalog_name = ? AND namespace = ? ', [c.name, 'db'])).toEqual([
        { catalog_name: c.name, namespace: 'db', property_key: 'exists', property_value: 'true' },
      ]);
      // JdbcCatalog nests namespaces with "." in one column
      await c.createTable({ namespace: ['lake', 'shop'], name: 'carts' }, { schema });
      expect(await raw.query('SELECT table_namespace FROM iceberg_tables WHERE catalog_name = ? AND table_name = ?', [c.name, 'carts'])).toEqual([{ table_namespace: 'lake.shop' }]);
    });
  });
});

/** A schema V0 database (JdbcCatalog's default without jdbc.schema-version=V1) is used as is. */
describe('SQL catalog on a schema V0 database (sqlite)', () => {
  const tempDir = useTempDir('icetide-sqlcat-v0-');
  it('commits without iceberg_type and never adds the column', async () => {
    const dir = tempDir();
    const uri = `sqlite:${path.join(dir, 'v0.db')}`;
    const raw = openSqlDriver(uri);
    // JdbcUtil.V0_CREATE_CATALOG_SQL, verbatim
    await raw.execute('CREATE TABLE iceberg_tables(catalog_name VARCHAR(255) NOT NULL,table_namespace VARCHAR(255) NOT NULL,table_name VARCHAR(255) NOT NULL,metadata_location VARCHAR(1000),previous_metadata_location VARCHAR(1000),PRIMARY KEY (catalog_name, table_namespace, table_name))');
    const c = new SqlCatalog({ uri, warehouse: dir });
    const t = await c.createTable(orders, { schema });
    await t.newAppend().appendFile(await writeDataFile(t, [{ id: 1n }])).commit();
    expect(await raw.columnExists('iceberg_tables', 'iceberg_type')).toBe(false);
    expect(await raw.query('SELECT metadata_location FROM iceberg_tables WHERE catalog_name = ?', ['icetide'])).toEqual([{ metadata_location: t.metadataLocation }]);
    await c.close();
    await raw.close();
  });
});

async function pointerRow(raw: SqlDriver, catalogName: string, ns: string, name: string): Promise<Record<string, string | null> | undefined> {
  const rows = await raw.query('SELECT metadata_location, previous_metadata_location, iceberg_type FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?', [catalogName, ns, name]);
  return rows[0];
}

/** [name, type, nullable] in column order, types normalised to `varchar(n)`. */
async function tableColumns(raw: SqlDriver, table: string): Promise<[string, string, boolean][]> {
  if (raw.dialect === 'sqlite') {
    const rows = (await raw.query('SELECT name, type, "notnull" AS nn FROM pragma_table_info(?) ORDER BY cid', [table])) as unknown as { name: string; type: string; nn: number }[];
    return rows.map((r) => [r.name, r.type.toLowerCase(), r.nn === 0]);
  }
  const schemaFilter = raw.dialect === 'postgresql' ? 'current_schema()' : 'DATABASE()';
  const rows = await raw.query(
    `SELECT column_name AS name, data_type AS type, character_maximum_length AS len, is_nullable AS nullable FROM information_schema.columns WHERE table_schema = ${schemaFilter} AND table_name = ? ORDER BY ordinal_position`,
    [table],
  );
  return rows.map((r) => [String(r['name']), `${String(r['type']) === 'character varying' ? 'varchar' : String(r['type'])}(${String(r['len'])})`, r['nullable'] === 'YES']);
}

async function primaryKey(raw: SqlDriver, table: string): Promise<string[]> {
  if (raw.dialect === 'sqlite') {
    const rows = (await raw.query('SELECT name, pk FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk', [table])) as unknown as { name: string }[];
    return rows.map((r) => r.name);
  }
  const schemaFilter = raw.dialect === 'postgresql' ? 'current_schema()' : 'DATABASE()';
  const rows = await raw.query(
    `SELECT k.column_name AS name FROM information_schema.table_constraints c JOIN information_schema.key_column_usage k
       ON k.constraint_name = c.constraint_name AND k.table_schema = c.table_schema AND k.table_name = c.table_name
     WHERE c.constraint_type = 'PRIMARY KEY' AND c.table_schema = ${schemaFilter} AND c.table_name = ? ORDER BY k.ordinal_position`,
    [table],
  );
  return rows.map((r) => String(r['name']));
}
