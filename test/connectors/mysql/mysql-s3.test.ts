import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlCatalog } from '../../../src/catalog/sql-catalog.js';
import { scanTable } from '../../../src/iceberg/read/table-scan.js';
import { S3FileIO } from '../../../src/io/s3-file-io.js';
import { startCli } from '../../support/cli-process.js';
import { pipelineYaml } from '../../support/mariadb-fixtures.js';
import { startMariaDb, type MariaDbServer } from '../../support/mariadb-server.js';
import { startS3Server, type S3TestServer } from '../../support/s3-server.js';
import { useTempDir } from '../../support/temp-dir.js';

/**
 * MySQL CDC into a lake where production lakes live (issue 18): data on S3 (a real
 * S3-protocol server), the table pointers in a SQL catalog. Full load, then binlog changes
 * (inserts, updates, deletes) in a second run; the Iceberg table equals the source table.
 */
let db: MariaDbServer;
let s3: S3TestServer;

beforeAll(async () => {
  [db, s3] = await Promise.all([startMariaDb(), startS3Server({ bucket: 'lake' })]);
  await db.query('CREATE DATABASE shop; CREATE TABLE shop.orders (id BIGINT PRIMARY KEY, status VARCHAR(20), amount DECIMAL(10,2))');
  await db.query("INSERT INTO shop.orders SELECT seq, 'new', seq * 1.25 FROM shop.seq_1_to_3000");
}, 120_000);

afterAll(async () => {
  await Promise.all([db?.stop(), s3?.stop()]);
});

describe('MySQL -> Iceberg on S3 through the SQL catalog', () => {
  const tempDir = useTempDir();

  it('full load, then binlog changes, land exactly; the data files are objects on S3', async () => {
    const dir = tempDir();
    const catalogUri = `sqlite:${path.join(dir, 'catalog.db')}`;
    const warehouse = `s3://${s3.bucket}/warehouse`;
    const target = [
      warehouse,
      `  catalog: { type: sql, uri: "${catalogUri}", name: lake }`,
      `  storage: { s3: { endpoint: "${s3.endpoint}", region: us-east-1, path-style: true, access-key-id: S3RVER, secret-access-key: S3RVER } }`,
    ].join('\n');
    const yaml = path.join(dir, 'p.yaml');
    fs.writeFileSync(yaml, pipelineYaml(db, { warehouse: target, tables: '  - source: shop.orders\n    partition-by: [status]', source: '  snapshot:\n    chunk-size: 1000' }));
    const first = await startCli(['ingest', yaml, '--once'], dir).done;
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^ingested 3000 events/);

    await db.query("UPDATE shop.orders SET status = 'shipped' WHERE id % 7 = 0"); // moves rows to another partition
    await db.query('DELETE FROM shop.orders WHERE id % 11 = 0');
    await db.query("INSERT INTO shop.orders SELECT seq, 'new', 9.99 FROM shop.seq_3001_to_3100");
    const second = await startCli(['ingest', yaml, '--once'], dir).done;
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).not.toMatch(/snapshot starting/);

    const io = new S3FileIO(s3.storage());
    const catalog = new SqlCatalog({ uri: catalogUri, name: 'lake', warehouse, io });
    try {
      const t = await catalog.loadTable({ namespace: ['lake'], name: 'orders' });
      const got: string[] = [];
      for await (const b of scanTable(t)) for (const r of b) got.push(`${r['id']}|${r['status']}|${r['amount']}`);
      const source = (await db.query('SELECT id, status, CAST(amount * 100 AS SIGNED) AS cents FROM shop.orders ORDER BY id')) as { id: number; status: string; cents: number }[];
      expect(got.sort()).toEqual(source.map((r) => `${r.id}|${r.status}|${r.cents}`).sort());
      const files = (await t.planFiles()).map((task) => task.file.filePath);
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) expect(f.startsWith(`${warehouse}/lake/orders/data/`)).toBe(true);
    } finally {
      await catalog.close();
      io.destroy();
    }
  }, 180_000);
});
