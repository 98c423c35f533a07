import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchEvents } from '../../../src/sink/insert-columns.js';
import { createMySqlSource } from '../../../connectors/mysql/index.js';
import { parsePipelineConfig } from '../../../src/pipeline/config-loader.js';
import { buildPipeline } from '../../../src/pipeline/pipeline-builder.js';
import { pipelineYaml } from '../../support/mariadb-fixtures.js';
import { startMariaDb, type MariaDbServer } from '../../support/mariadb-server.js';
import { useTempDir } from '../../support/temp-dir.js';

/** Bad input: each is a clear error naming the fix. */
let server: MariaDbServer;

beforeAll(async () => {
  server = await startMariaDb();
  await server.query("CREATE DATABASE shop; CREATE TABLE shop.t (id INT PRIMARY KEY, v VARCHAR(10)); CREATE TABLE shop.nokey (v VARCHAR(10)); INSERT INTO shop.t VALUES (1, 'a')");
  await server.query("CREATE USER 'app'@'%' IDENTIFIED BY 'right-pw'; GRANT ALL ON *.* TO 'app'@'%'");
});

afterAll(async () => {
  await server?.stop();
});

function config(s: MariaDbServer, source: string, tables = '  - source: shop.t', warehouse = '/tmp/unused') {
  return parsePipelineConfig(pipelineYaml(s, { warehouse, tables, source }), 'bad.yaml', {});
}

async function drain(cfgSource: ReturnType<typeof createMySqlSource>): Promise<void> {
  for await (const b of cfgSource.read(undefined, { signal: new AbortController().signal, untilDrained: true })) void b;
}

describe('mysql source: bad input', () => {
  const tempDir = useTempDir();

  it('wrong credentials: says to check user and password, never shows the password', async () => {
    const src = createMySqlSource(config(server, '  user: app\n  password: wrong-pw'));
    const err = await src.discover().then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).toMatch(/access denied .*check source\.user and source\.password/);
    expect(err?.message).not.toContain('wrong-pw');
  });

  it('binlog off: names log_bin and where to set it', async () => {
    const off = await startMariaDb({ binlog: false });
    try {
      const src = createMySqlSource(config(off, '  user: root'));
      await expect(src.discover()).rejects.toThrow(/binary log is off \(log_bin=OFF\): set log_bin=mysql-bin and server_id=1/);
      // A full load without CDC does not need the binlog: snapshot.mode initial-only reads it.
      await off.query("CREATE DATABASE shop; CREATE TABLE shop.t (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO shop.t VALUES (1, 'a'), (2, 'b')");
      const full = createMySqlSource(config(off, '  user: root\n  snapshot:\n    mode: initial-only'));
      const rows: unknown[] = [];
      for await (const b of full.read(undefined, { signal: new AbortController().signal, untilDrained: true })) rows.push(...batchEvents(b).map((e) => e.after));
      expect(rows).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b' }]);
    } finally {
      await off.stop();
    }
  });

  it('binlog_format=STATEMENT: says SET GLOBAL binlog_format = ROW', async () => {
    await server.query("SET GLOBAL binlog_format = 'STATEMENT'");
    try {
      const src = createMySqlSource(config(server, '  user: root'));
      await expect(src.discover()).rejects.toThrow(/binlog_format is STATEMENT, CDC needs row events: SET GLOBAL binlog_format = 'ROW'/);
    } finally {
      await server.query("SET GLOBAL binlog_format = 'ROW'");
    }
  });

  it('a table without primary key in upsert mode: asks for key-columns or append', async () => {
    const c = config(server, '  user: root', '  - source: shop.nokey\n    mode: upsert', tempDir());
    await expect(buildPipeline(c)).rejects.toThrow(/shop\.nokey has no primary key: upsert mode needs key-columns \(or set mode: append\)/);
  });

  it('a missing table: says it does not exist or is not visible', async () => {
    const src = createMySqlSource(config(server, '  user: root', '  - source: shop.nope'));
    await expect(src.discover()).rejects.toThrow(/source table shop\.nope does not exist/);
  });

  it('a purged binlog position: says a new snapshot is needed', async () => {
    const rows = (await server.query('SHOW BINARY LOGS')) as { Log_name: string }[];
    const first = rows[0]!.Log_name;
    await server.query("INSERT INTO shop.t VALUES (2, 'b')");
    // MariaDB keeps a binlog until its binlog checkpoint (InnoDB flushed) has passed it; retry.
    for (let i = 0; i < 100; i++) {
      await server.query('FLUSH BINARY LOGS');
      const now = (await server.query('SHOW MASTER STATUS')) as { File: string }[];
      await server.query(`PURGE BINARY LOGS TO '${now[0]!.File}'`);
      const left = (await server.query('SHOW BINARY LOGS')) as { Log_name: string }[];
      if (!left.some((l) => l.Log_name === first)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const src = createMySqlSource(config(server, `  user: root\n  from: position ${first}:4`));
    await src.discover();
    await expect(drain(src)).rejects.toThrow(/has been purged from the server .*a new snapshot is needed/);
    // The same when resuming from a committed position.
    const again = createMySqlSource(config(server, '  user: root'));
    await again.discover();
    const it = again.read({ file: first, pos: 1234 }, { signal: new AbortController().signal, untilDrained: true });
    await expect(it.next()).rejects.toThrow(/purged.*new snapshot is needed/);
  });

  it('an unsupported column type is named with the supported list', async () => {
    await server.query('CREATE TABLE shop.geo (id INT PRIMARY KEY, g POINT)');
    const src = createMySqlSource(config(server, '  user: root', '  - source: shop.geo'));
    await expect(src.discover()).rejects.toThrow(/shop\.geo\.g has type point, which icetide cannot map/);
  });
});
