import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mysql from 'mysql2/promise';
import { connectionOptions } from '../../../connectors/mysql/connection.js';
import { createMySqlSource } from '../../../connectors/mysql/index.js';
import { RowDecoder } from '../../support/mysql-row-decoder.js';
import { selectList } from '../../../connectors/mysql/snapshot/snapshot-sql.js';
import type { MySqlTable } from '../../../connectors/mysql/discovery.js';
import { FilesystemCatalog } from '../../../src/catalog/filesystem-catalog.js';
import { scanTable } from '../../../src/iceberg/read/table-scan.js';
import { parsePipelineConfig } from '../../../src/pipeline/config-loader.js';
import type { PipelineConfig } from '../../../src/pipeline/config.js';
import { buildPipeline } from '../../../src/pipeline/pipeline-builder.js';
import { ALL_TYPES_DDL, pipelineYaml } from '../../support/mariadb-fixtures.js';
import { startMariaDb, type MariaDbServer } from '../../support/mariadb-server.js';
import { useTempDir } from '../../support/temp-dir.js';

/**
 * End to end: 100k rows of every type, a pipeline (snapshot in chunks on 2 connections, then
 * the binlog) while a writer inserts, updates, deletes and adds a column during the snapshot;
 * after catching up, the Iceberg tables equal `SELECT *` of the source row for row.
 */
const ROWS = 100_000;
let server: MariaDbServer;

/** Row `n` of the generated data: every type varies with n; every 7th value is NULL. */
const generated = (from: number, to: number): string => `SELECT seq,
  seq % 256 - 128, seq % 256, seq % 65536 - 32768, seq % 65536, seq - 8388608, seq, seq * 2 - 2147483648, 4294967295 - seq, (seq % 100000) * 92233720368547 - 9223372036854775807, 18446744073709551615 - seq, seq % 2,
  seq / 100, seq * 1234567.0123456789, IF(seq % 7 = 0, NULL, seq * 1000000000000000000000000000000000000000), seq / 3, seq / 7e100,
  DATE('2000-01-01') + INTERVAL seq DAY, TIMESTAMP('1990-01-01') + INTERVAL seq MINUTE, TIMESTAMP('1990-01-01 00:00:00.123') + INTERVAL seq SECOND, TIMESTAMP('1990-01-01 00:00:00.000001') + INTERVAL seq * 13 MICROSECOND,
  FROM_UNIXTIME(1000000000 + seq), FROM_UNIXTIME(1000000000 + seq + seq / 1000000),
  SEC_TO_TIME(seq % 86400), SEC_TO_TIME(seq % 86400 + 0.5), 1901 + seq % 255,
  LEFT(CONCAT('c', seq), 5), CONCAT('vc ', seq, IF(seq % 3 = 0, ' 😀', ' é')), IF(seq % 7 = 0, NULL, REPEAT('t', seq % 50)), CONCAT('lt', seq),
  UNHEX(LPAD(HEX(seq), 8, '0')), UNHEX(HEX(seq)), IF(seq % 5 = 0, NULL, UNHEX(SHA1(seq))),
  ELT(1 + seq % 3, 'a', 'b', 'c'), IF(seq % 2 = 0, 'x,y', 'z'), seq % 32, seq, JSON_OBJECT('n', seq, 's', CONCAT('s', seq))
  FROM (SELECT CAST(seq AS SIGNED) AS seq FROM shop.seq_${from}_to_${to}) q`;

beforeAll(async () => {
  server = await startMariaDb();
  await server.query('CREATE DATABASE shop');
  await server.query(`CREATE TABLE shop.orders ${ALL_TYPES_DDL}`);
  await server.query(`INSERT INTO shop.orders ${generated(1, ROWS)}`);
  await server.query('CREATE TABLE shop.items (order_id INT, line INT, sku VARCHAR(20), qty INT, PRIMARY KEY (order_id, line))');
  await server.query(`INSERT INTO shop.items SELECT seq DIV 4, seq % 4, CONCAT('sku', seq), seq % 10 FROM shop.seq_1_to_20000`);
  await server.query('CREATE TABLE shop.log (msg VARCHAR(50), at DATETIME)');
  await server.query(`INSERT INTO shop.log SELECT CONCAT('m', seq), '2024-01-01' + INTERVAL seq SECOND FROM shop.seq_1_to_1000`);
}, 300_000);

afterAll(async () => {
  await server?.stop();
});

function norm(v: unknown): unknown {
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString('hex')}`;
  return v;
}

function rowKey(r: Record<string, unknown>, cols: readonly string[]): string {
  return JSON.stringify(cols.map((c) => norm(r[c])));
}

async function sourceRows(config: PipelineConfig, table: string): Promise<Map<string, string>> {
  const source = createMySqlSource(config);
  const t = (await source.discover()).find((x) => x.name === table) as MySqlTable;
  const decoder = new RowDecoder(t, new Map(t.columns.map((c) => [c.name, c.type])));
  const c = await mysql.createConnection(connectionOptions({ host: server.host, port: server.port, user: 'root' }));
  await c.query("SET time_zone = '+00:00'");
  const [rows] = await c.query(`SELECT ${selectList(t.mysqlColumns)} FROM ${table}`);
  await c.end();
  const cols = t.columns.map((x) => x.name);
  const keyCols = t.primaryKey.length > 0 ? t.primaryKey : cols;
  return new Map((rows as Record<string, unknown>[]).map((r) => {
    const v = decoder.decode(r, 'check');
    return [rowKey(v, keyCols), rowKey(v, cols)];
  }));
}

async function icebergRows(warehouse: string, name: string, config: PipelineConfig, table: string): Promise<Map<string, string>> {
  const source = createMySqlSource(config);
  const t = (await source.discover()).find((x) => x.name === table)!;
  const cols = t.columns.map((x) => x.name);
  const keyCols = t.primaryKey.length > 0 ? t.primaryKey : cols;
  const tbl = await new FilesystemCatalog(warehouse).loadTable({ namespace: ['lake'], name });
  const out = new Map<string, string>();
  for await (const batch of scanTable(tbl)) for (const r of batch) out.set(rowKey(r, keyCols), rowKey(r, cols));
  return out;
}

async function writeDuring(stop: () => boolean): Promise<number> {
  const c = await mysql.createConnection({ host: server.host, port: server.port, user: 'root', multipleStatements: true });
  let n = 0;
  let next = ROWS + 1;
  while (!stop() && n < 400) {
    const id = 1 + Math.floor(Math.random() * ROWS);
    await c.query('START TRANSACTION');
    await c.query(`UPDATE shop.orders SET vc = CONCAT('upd ', ?), dbl = dbl + 1, ts = NOW(), js = JSON_OBJECT('u', ?) WHERE id = ?`, [n, n, id]);
    await c.query(`DELETE FROM shop.orders WHERE id = ?`, [id + 1]);
    await c.query(`INSERT INTO shop.orders ${generated(next, next + 1)}`);
    if (n > 30) await c.query('UPDATE shop.items SET qty = qty + 1, note = ? WHERE order_id = ?', [`n${n}`, id % 5000]);
    else await c.query('UPDATE shop.items SET qty = qty + 1 WHERE order_id = ?', [id % 5000]);
    await c.query('COMMIT');
    // DDL while the snapshot runs: the binlog replay evolves the target before rows carry it.
    if (n === 30) await c.query('ALTER TABLE shop.items ADD COLUMN note VARCHAR(20) NULL');
    await c.query(`INSERT INTO shop.log VALUES (CONCAT('w', ?), NOW())`, [n]);
    next += 2;
    n++;
  }
  await c.end();
  return n;
}

describe('mysql pipeline end to end', () => {
  const tempDir = useTempDir();

  it('snapshot + binlog with concurrent writes: the Iceberg tables equal the source', async () => {
    const wh = tempDir();
    const config = parsePipelineConfig(pipelineYaml(server, {
      warehouse: wh,
      tables: '  - source: shop.orders\n    partition-by: [day(dtt)]\n  - source: shop.items\n  - source: shop.log\n    mode: append\n    format-version: 1',
      source: '  snapshot:\n    chunk-size: 7000\n    parallelism: 2',
      commit: 'commit:\n  interval-ms: 500\n  max-rows: 30000',
    }), 'e2e.yaml', {});
    const { runner } = await buildPipeline(config);
    const ac = new AbortController();
    const phases: string[] = [];
    let lastPosition = '';
    const t0 = performance.now();
    let snapshotDoneMs = 0;
    const run = runner.run({
      once: false, signal: ac.signal, commitIntervalMs: 500, commitMaxRows: 30_000, idleCommitIntervalMs: 1000,
      onCommit: (p) => {
        if (phases.at(-1) !== p.phase) phases.push(p.phase);
        if (p.phase === 'incremental' && !snapshotDoneMs) snapshotDoneMs = performance.now() - t0;
        lastPosition = JSON.stringify(p.position, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
      },
    });
    // Write while the snapshot runs.
    let snapshotting = true;
    run.catch(() => undefined).finally(() => (snapshotting = false));
    let writes: number;
    try {
      writes = await writeDuring(() => phases.includes('incremental') || !snapshotting);
    } catch (err) {
      ac.abort();
      await run.catch(() => undefined);
      throw err;
    }
    expect(writes).toBeGreaterThan(40); // past the ALTER TABLE at write 30
    // Wait until the pipeline has committed the binlog head.
    const head = ((await server.query('SHOW MASTER STATUS')) as { File: string; Position: number }[])[0]!;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const p = lastPosition ? (JSON.parse(lastPosition) as { file?: string; pos?: number }) : {};
      if (p.file === head.File && (p.pos ?? 0) >= Number(head.Position)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    ac.abort();
    const stats = await run;
    const seconds = (performance.now() - t0) / 1000;
    console.log(`e2e: ${stats.events} events, ${stats.commits} commits, ${writes} concurrent write transactions, snapshot ${(snapshotDoneMs / 1000).toFixed(1)} s, total ${seconds.toFixed(1)} s`);
    expect(phases).toEqual(['snapshot', 'incremental']);
    for (const [table, target] of [['shop.orders', 'orders'], ['shop.items', 'items']] as const) {
      const want = await sourceRows(config, table);
      const got = await icebergRows(wh, target, config, table);
      expect(got.size).toBe(want.size);
      for (const [k, v] of want) expect({ k, v: got.get(k) }).toEqual({ k, v });
    }
    const items = await new FilesystemCatalog(wh).loadTable({ namespace: ['lake'], name: 'items' });
    expect(items.schema().fields.map((f) => f.name)).toContain('note');
    // The append table holds every row exactly once (it had no changes but inserts, many of
    // them while its snapshot ran: the consistent read view keeps the replay from repeating them).
    const logWant = await sourceRows(config, 'shop.log');
    const logGot = await icebergRows(wh, 'log', config, 'shop.log');
    expect([...logGot.keys()].sort()).toEqual([...logWant.keys()].sort());
    const logTable = await new FilesystemCatalog(wh).loadTable({ namespace: ['lake'], name: 'log' });
    let logCount = 0;
    for await (const batch of scanTable(logTable)) logCount += batch.length;
    expect(logCount).toBe(logWant.size);
  }, 300_000);
});
