import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { openSqlDriver } from '../../src/catalog/open-sql-driver.js';
import { SqlCatalog } from '../../src/catalog/sql-catalog.js';
import { parseJson } from '../../src/iceberg/spec/lossless-json.js';
import { countRows } from '../../src/iceberg/read/table-scan.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { primitive } from '../../src/iceberg/spec/types.js';
import { writeDataFile } from '../support/data-files.js';
import { useTempDir } from '../support/temp-dir.js';

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'icetide', ...args], { out: (t) => (stdout += `${t}\n`), err: (t) => (stderr += `${t}\n`) });
  return { code, stdout, stderr };
}

const schema = new Schema(0, [{ id: 1, name: 'id', required: true, type: primitive('long') }]);

describe('icetide catalog migrate', () => {
  const tempDir = useTempDir('icetide-migrate-');

  /** A warehouse of two tables (one nested) with data, and an empty namespace. */
  async function warehouse(): Promise<string> {
    const wh = tempDir();
    const fsc = new FilesystemCatalog(wh);
    for (const id of [{ namespace: ['shop'], name: 'orders' }, { namespace: ['shop', 'eu'], name: 'carts' }]) {
      const t = await fsc.createTable(id, { schema });
      await t.newAppend().appendFile(await writeDataFile(t, [{ id: 1n }, { id: 2n }])).commit();
    }
    await fsc.createNamespace(['empty']);
    return wh;
  }

  it('dry-run lists, migrate registers at the current metadata file, a re-run skips; the SQL catalog then commits on top', async () => {
    const wh = await warehouse();
    const uri = `sqlite:${path.join(tempDir(), 'catalog.db')}`;
    const dry = await run('catalog', 'migrate', '--warehouse', wh, '--to', uri, '--dry-run', '--json');
    expect(dry.code).toBe(0);
    expect(parseJson(dry.stdout)).toEqual([
      { table: 'shop.orders', metadataLocation: path.join(wh, 'shop/orders/metadata/v2.metadata.json'), action: 'would-register' },
      { table: 'shop.eu.carts', metadataLocation: path.join(wh, 'shop/eu/carts/metadata/v2.metadata.json'), action: 'would-register' },
    ]);
    const sql = new SqlCatalog({ uri, warehouse: wh });
    expect(await sql.listNamespaces()).toEqual([]);

    const first = await run('catalog', 'migrate', '--warehouse', wh, '--to', uri);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/2 registered, 0 already registered in icetide \(sqlite:/);
    expect(await sql.listNamespaces()).toEqual([['empty'], ['shop']]);
    const again = await run('catalog', 'migrate', '--warehouse', wh, '--to', uri);
    expect(again.stdout).toMatch(/0 registered, 2 already registered/);

    const orders = await sql.loadTable({ namespace: ['shop'], name: 'orders' });
    expect(orders.metadataLocation).toBe(path.join(wh, 'shop/orders/metadata/v2.metadata.json'));
    expect(await countRows(orders)).toBe(2n);
    await orders.newAppend().appendFile(await writeDataFile(orders, [{ id: 3n }])).commit();
    expect(orders.metadataLocation).toMatch(/\/shop\/orders\/metadata\/00003-[0-9a-f-]{36}\.metadata\.json$/);
    expect(orders.metadata.metadataLog.at(-1)!.metadataFile).toBe(path.join(wh, 'shop/orders/metadata/v2.metadata.json'));

    // the table commands open the same table through the SQL catalog
    const described = await run('table', 'snapshots', 'shop.orders', '--catalog-uri', uri, '--json');
    expect(described.code).toBe(0);
    expect((parseJson(described.stdout) as unknown[]).length).toBe(2);
    await sql.close();
  });

  it('a table registered at another metadata file is an error, and nothing is registered', async () => {
    const wh = await warehouse();
    const uri = `sqlite:${path.join(tempDir(), 'catalog.db')}`;
    const sql = new SqlCatalog({ uri, warehouse: wh });
    await sql.registerTable({ namespace: ['shop'], name: 'orders' }, path.join(wh, 'shop/orders/metadata/v1.metadata.json'));
    const r = await run('catalog', 'migrate', '--warehouse', wh, '--to', uri);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/shop\.orders is registered at .*v1\.metadata\.json, the warehouse has .*v2\.metadata\.json.*Nothing was registered/);
    expect(await sql.tableExists({ namespace: ['shop', 'eu'], name: 'carts' })).toBe(false);
    await sql.close();
    const raw = openSqlDriver(uri);
    expect(await raw.query('SELECT table_name FROM iceberg_tables')).toEqual([{ table_name: 'orders' }]);
    await raw.close();
  });

  it('--catalog-uri to a missing table names it; to a row with a missing metadata file names the file', async () => {
    const uri = `sqlite:${path.join(tempDir(), 'catalog.db')}`;
    const missing = await run('table', 'describe', 'shop.nope', '--catalog-uri', uri);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^icetide: table shop\.nope does not exist in the SQL catalog icetide/);
    const raw = openSqlDriver(uri);
    await raw.execute("INSERT INTO iceberg_tables VALUES ('lake', 'shop', 'ghost', '/gone/00001-x.metadata.json', null, 'TABLE')");
    await raw.close();
    const ghost = await run('table', 'describe', 'shop.ghost', '--catalog-uri', uri, '--catalog-name', 'lake');
    expect(ghost.code).toBe(2);
    expect(ghost.stderr).toMatch(/^icetide: table shop\.ghost: the catalog points at the metadata file \/gone\/00001-x\.metadata\.json, which does not exist/);
  });
});
