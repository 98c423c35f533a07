import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesystemCatalog } from '../../../src/catalog/filesystem-catalog.js';
import { scanTable } from '../../../src/iceberg/read/table-scan.js';
import { parsePipelineConfig } from '../../../src/pipeline/config-loader.js';
import { buildPipeline } from '../../../src/pipeline/pipeline-builder.js';
import { pipelineYaml } from '../../support/mariadb-fixtures.js';
import { startMariaDb, type MariaDbServer } from '../../support/mariadb-server.js';
import { useTempDir } from '../../support/temp-dir.js';

/**
 * Sharded tables: a regex merges shop_0.orders_a .. shop_1.orders_b into one Iceberg table with
 * `_source_db`/`_source_table` columns. The shards reuse the same ids, so the merged upsert key
 * is the source key plus the shard columns: a change in one shard never touches another's row.
 */
let server: MariaDbServer;
const SHARDS = ['shop_0.orders_a', 'shop_0.orders_b', 'shop_1.orders_a', 'shop_1.orders_b'];

beforeAll(async () => {
  server = await startMariaDb();
  await server.query('CREATE DATABASE shop_0; CREATE DATABASE shop_1');
  for (const t of SHARDS) {
    await server.query(`CREATE TABLE ${t} (id INT PRIMARY KEY, amount INT)`);
    await server.query(`INSERT INTO ${t} SELECT seq, seq * 10 FROM shop_0.seq_1_to_50`.replace('shop_0.seq', `${t.split('.')[0]}.seq`));
  }
  // A table the regex does not match.
  await server.query('CREATE TABLE shop_0.customers (id INT PRIMARY KEY)');
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

async function rows(wh: string): Promise<string[]> {
  const t = await new FilesystemCatalog(wh).loadTable({ namespace: ['lake'], name: 'orders' });
  const out: string[] = [];
  for await (const b of scanTable(t)) for (const r of b) out.push(`${r['_source_db']}.${r['_source_table']}:${r['id']}=${r['amount']}`);
  return out.sort();
}

async function sourceRows(): Promise<string[]> {
  const out: string[] = [];
  for (const t of SHARDS) for (const r of (await server.query(`SELECT id, amount FROM ${t}`)) as { id: number; amount: number }[]) out.push(`${t}:${r.id}=${r.amount}`);
  return out.sort();
}

describe('mysql sharded tables', () => {
  const tempDir = useTempDir();

  it('merge into one table keyed by id and shard; snapshot and binlog changes land on the right shard\'s row', async () => {
    const wh = tempDir();
    const yaml = pipelineYaml(server, { warehouse: wh, tables: "  - regex: 'shop_\\d+\\.orders_.*'\n    target: orders", source: '  snapshot:\n    chunk-size: 20' });
    const config = parsePipelineConfig(yaml, 'shards.yaml', {});
    const once = async () => {
      const { runner } = await buildPipeline(config);
      await runner.run({ once: true, signal: new AbortController().signal, commitIntervalMs: 100, commitMaxRows: 10_000, idleCommitIntervalMs: 100 });
    };
    await once();
    expect(await rows(wh)).toEqual(await sourceRows());
    const table = await new FilesystemCatalog(wh).loadTable({ namespace: ['lake'], name: 'orders' });
    expect(table.schema().identifierFieldNames()).toEqual(['id', '_source_db', '_source_table']);
    // The same id changes differently in two shards, and is deleted in a third.
    await server.query('UPDATE shop_0.orders_a SET amount = -1 WHERE id = 7');
    await server.query('UPDATE shop_1.orders_b SET amount = -2 WHERE id = 7');
    await server.query('DELETE FROM shop_1.orders_a WHERE id = 7');
    await server.query('INSERT INTO shop_0.orders_b VALUES (51, 510)');
    await once();
    const got = await rows(wh);
    expect(got).toEqual(await sourceRows());
    expect(got.filter((r) => r.includes(':7='))).toEqual(['shop_0.orders_a:7=-1', 'shop_0.orders_b:7=70', 'shop_1.orders_b:7=-2']);
  }, 120_000);
});
