import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlCatalog } from '../../src/catalog/sql-catalog.js';
import { scanTable } from '../../src/iceberg/read/table-scan.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { primitive } from '../../src/iceberg/spec/types.js';
import { startCatalogDatabase, type CatalogDatabase } from '../support/sql-catalog-databases.js';
import { useTempDir } from '../support/temp-dir.js';

const WORKER = path.resolve('test/support/sql-catalog-append-worker.ts');
const TSX = pathToFileURL(path.resolve('node_modules/tsx/dist/loader.mjs')).href;
const PROCESSES = 8;
const COMMITS = 10;

function runWorker(args: readonly string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', TSX, WORKER, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_NO_WARNINGS: '1' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('SQL catalog on PostgreSQL: concurrent writers in separate processes', () => {
  let db: CatalogDatabase;
  const tempDir = useTempDir('icetide-sqlcat-conc-');
  beforeAll(async () => {
    db = await startCatalogDatabase('postgresql');
  }, 120_000);
  afterAll(async () => db?.stop());

  it(`${PROCESSES} processes x ${COMMITS} appends to one table: every commit survives, none is duplicated`, async () => {
    const warehouse = tempDir();
    const catalog = new SqlCatalog({ uri: db.uri, name: 'conc', warehouse });
    const schema = new Schema(0, [{ id: 1, name: 'id', required: true, type: primitive('long') }]);
    // the default budget (4 retries) is meant for a few writers; 8 hot writers lose more races
    await catalog.createTable({ namespace: ['db'], name: 'events' }, { schema, properties: { 'commit.retry.num-retries': '200', 'commit.retry.min-wait-ms': '5', 'commit.retry.max-wait-ms': '200' } });
    const results = await Promise.all(Array.from({ length: PROCESSES }, (_, w) => runWorker([db.uri, 'conc', warehouse, String(w), String(COMMITS)])));
    for (const [w, r] of results.entries()) expect({ w, code: r.code, out: r.out }).toEqual({ w, code: 0, out: `done ${w}\n` });

    const table = await catalog.loadTable({ namespace: ['db'], name: 'events' });
    const snapshots = table.snapshots();
    expect(snapshots).toHaveLength(PROCESSES * COMMITS);
    expect(new Set(snapshots.map((s) => s.snapshotId)).size).toBe(PROCESSES * COMMITS);
    // one linear history: each snapshot's parent is the one before it
    snapshots.forEach((s, i) => expect(s.parentSnapshotId).toBe(i === 0 ? undefined : snapshots[i - 1]!.snapshotId));
    expect(table.currentSnapshot()!.summary['total-records']).toBe(String(PROCESSES * COMMITS));
    const ids: bigint[] = [];
    for await (const batch of scanTable(table)) for (const row of batch) ids.push(row['id'] as bigint);
    const expected = Array.from({ length: PROCESSES }, (_, w) => Array.from({ length: COMMITS }, (_, i) => BigInt(w * 1000 + i))).flat();
    expect(ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(expected.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    await catalog.close();
  }, 300_000);
});
