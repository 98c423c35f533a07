/**
 * Debezium streams (test/connectors/file/fixtures, see debezium-streams.test.ts) through a
 * whole pipeline into v2 upsert tables, read back row by row.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { main } from '../../src/cli/main.js';
import { scanTable } from '../../src/iceberg/read/table-scan.js';
import { parsePipelineConfig } from '../../src/pipeline/config-loader.js';
import { buildPipeline } from '../../src/pipeline/pipeline-builder.js';
import type { RunStats } from '../../src/pipeline/pipeline-runner.js';
import { EventRejectedError } from '../../src/sink/event-rejected-error.js';
import { customer, POSTGRES_INVENTORY_CUSTOMERS, POSTGRES_INVENTORY_PRODUCTS } from '../support/postgres-inventory-state.js';
import { useTempDir } from '../support/temp-dir.js';

const FIXTURES = path.resolve('test/connectors/file/fixtures');
const T0 = 1717405200000;

function configYaml(wh: string, changelog: string, tables: Record<string, string>, extra: { envelope?: string; deadLetter?: string } = {}): string {
  return [
    'pipeline-id: debezium-e2e',
    'source:',
    '  type: file',
    `  path: ${changelog}`,
    ...(extra.envelope ? [`  envelope: ${extra.envelope}`] : []),
    'tables:',
    ...Object.entries(tables).flatMap(([source, key]) => [`  - source: ${source}`, `    target: ${source.split('.').at(-1)}`, `    key-columns: [${key}]`]),
    'target:',
    `  warehouse: ${wh}`,
    '  namespace: inventory',
    ...(extra.deadLetter ? ['on-error:', '  mode: dead-letter', `  dead-letter-path: ${extra.deadLetter}`] : []),
  ].join('\n');
}

function config(...args: Parameters<typeof configYaml>) {
  return parsePipelineConfig(configYaml(...args), path.join(args[0], 'pipeline.yaml'), {});
}

async function ingest(cfg: ReturnType<typeof config>): Promise<RunStats> {
  const { runner } = await buildPipeline(cfg);
  return runner.run({ once: true, signal: new AbortController().signal, commitIntervalMs: cfg.commit.intervalMs, commitMaxRows: cfg.commit.maxRows });
}

async function rows(wh: string, name: string): Promise<Record<string, unknown>[]> {
  const t = await new FilesystemCatalog(wh).loadTable({ namespace: ['inventory'], name });
  const out: Record<string, unknown>[] = [];
  for await (const b of scanTable(t)) out.push(...b);
  return out.sort((a, b) => Number(a.id ?? a.order_number) - Number(b.id ?? b.order_number));
}

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'icetide', ...args], { out: (t) => (stdout += `${t}\n`), err: (t) => (stderr += `${t}\n`) });
  return { code, stdout, stderr };
}


describe('Debezium streams end to end', () => {
  const tempDir = useTempDir();

  it('the Postgres inventory stream lands in upsert tables with exactly the source state', async () => {
    const wh = tempDir();
    const cfg = config(wh, path.join(FIXTURES, 'postgres-inventory.jsonl'), { 'postgres.inventory.customers': 'id', 'postgres.inventory.products': 'id', 'postgres.inventory.orders': 'id' });
    const stats = await ingest(cfg);
    expect(stats.events).toBe(20); // 22 lines: one tombstone, one truncate
    expect(await rows(wh, 'customers')).toEqual(POSTGRES_INVENTORY_CUSTOMERS);
    const products = await rows(wh, 'products');
    expect(products.map((p) => [p.id, p.name, p.price])).toEqual(POSTGRES_INVENTORY_PRODUCTS);
    expect(products.map((p) => p.weight)).toEqual([3.14, 8.2, NaN, 0.75]);
    expect(products[3]!.description).toBe("12oz carpenter's hammer");
    // orders was truncated at line 20: only the order after it is left
    expect(await rows(wh, 'orders')).toEqual([{ id: 10006, order_date: 19878, purchaser: 1001, quantity: 4, product_id: 103, created_at: 1717491600000000n }]);
    const orders = await new FilesystemCatalog(wh).loadTable({ namespace: ['inventory'], name: 'orders' });
    expect(orders.schema().identifierFieldNames()).toEqual(['id']);
    expect(orders.metadata.formatVersion).toBe(2);
    expect(JSON.parse(orders.currentSnapshot()!.summary['icetide.source-position']!)).toEqual({ file: 'postgres-inventory.jsonl', line: 22 });

    // the CLI prints NaN doubles as the string "NaN" (JSON has no NaN)
    const scan = await cli('table', 'scan', 'inventory.products', '--warehouse', wh, '--format', 'jsonl', '--columns', 'id,weight,price');
    expect(scan.code).toBe(0);
    expect(scan.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown).sort((a, b) => (a as { id: number }).id - (b as { id: number }).id)).toEqual([
      { id: 101, weight: 3.14, price: '17.99' },
      { id: 102, weight: 8.2, price: '84.50' },
      { id: 103, weight: 'NaN', price: '7.25' },
      { id: 104, weight: 0.75, price: '12.00' },
    ]);
  });

  it('ExtractNewRecordState records (envelope: unwrapped) land the same way', async () => {
    const wh = tempDir();
    await ingest(config(wh, path.join(FIXTURES, 'postgres-unwrapped.jsonl'), { 'postgres.inventory.customers': 'id', 'postgres.inventory.orders': 'id' }, { envelope: 'unwrapped' }));
    expect(await rows(wh, 'customers')).toEqual([customer(1001, 'Sally', 'Thomas', 'sally.t@example.com'), customer(1005, 'Jane', 'Doe', 'jane.doe@example.com')]);
    expect((await rows(wh, 'orders')).map((o) => [o.id, o.order_date, o.created_at])).toEqual([[10001, 16816, 1452938400123456n], [10004, 19877, 1717405263654321n]]);
  });

  it('the MySQL inventory stream (Debezium 1.9): truncate empties the table, ts_ms 0 snapshots get the envelope time', async () => {
    const wh = tempDir();
    await ingest(config(wh, path.join(FIXTURES, 'mysql-inventory.jsonl'), { 'inventory.customers': 'id', 'inventory.orders': 'order_number' }));
    expect(await rows(wh, 'customers')).toEqual([
      customer(1001, 'Sally', 'Thomas', 'sally.t@example.com'),
      customer(1002, 'George', 'Bailey', 'gbailey@foobar.com'),
      customer(1004, 'Anne', 'Kretchmar', 'annek@noanswer.org'),
    ]);
    expect((await rows(wh, 'orders')).map((o) => o.order_number)).toEqual([10003]);
    const customers = await new FilesystemCatalog(wh).loadTable({ namespace: ['inventory'], name: 'customers' });
    const first = customers.snapshots()[0]!;
    expect(first.summary['icetide.watermark-ms']).toBe(String(T0 + 5)); // not 0: the snapshot's envelope times
  });

  describe('on-error and events the sink rejects', () => {
    /** The Postgres snapshot of customers, a delete whose before-image has no key (REPLICA IDENTITY NOTHING-like), then an insert. */
    function keylessDelete(dir: string): string {
      const lines = fs.readFileSync(path.join(FIXTURES, 'postgres-inventory.jsonl'), 'utf8').split('\n');
      const del = JSON.parse(lines[16]!) as { before: Record<string, unknown> };
      del.before = { ...del.before, id: null };
      const file = path.join(dir, 'changes.jsonl');
      fs.writeFileSync(file, [...lines.slice(0, 4), JSON.stringify(del), lines[10]!].join('\n') + '\n');
      return file;
    }

    it('dead-letter: the rejected event is recorded with its reason and the pipeline goes on', async () => {
      const wh = tempDir();
      const deadLetter = path.join(wh, 'dead.jsonl');
      const yamlPath = path.join(wh, 'pipeline.yaml');
      fs.writeFileSync(yamlPath, configYaml(wh, keylessDelete(wh), { 'postgres.inventory.customers': 'id' }, { deadLetter }));
      const run = await cli('ingest', yamlPath, '--once');
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/ingested 6 events in \d+ commits \(1 rejected, in the dead-letter file\)/);
      expect((await rows(wh, 'customers')).map((c) => c.id)).toEqual([1001, 1002, 1003, 1004, 1005]);
      const records = fs.readFileSync(deadLetter, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(records).toEqual([{
        position: { file: 'changes.jsonl', line: 5 },
        origin: 'changes.jsonl:5',
        error: expect.stringMatching(/^changes\.jsonl:5: postgres\.inventory\.customers: key column id is missing or null in the before-image: the source must send at least the key columns in before-images \(Postgres: REPLICA IDENTITY FULL/),
        stage: 'sink',
        table: 'postgres.inventory.customers',
        op: 'delete',
        before: { id: null, first_name: '', last_name: '', email: '' },
        at: expect.any(String),
      }]);
    });

    it('stop: the pipeline stops with the rejection, after committing what came before', async () => {
      const wh = tempDir();
      const err = await ingest(config(wh, keylessDelete(wh), { 'postgres.inventory.customers': 'id' })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EventRejectedError);
      expect((err as Error).message).toMatch(/^changes\.jsonl:5: postgres\.inventory\.customers: key column id is missing or null in the before-image/);
      // the snapshot batch before it was committed when the phase changed; nothing after it was
      expect((await rows(wh, 'customers')).map((c) => c.id)).toEqual([1001, 1002, 1003, 1004]);
    });
  });

  // Issue 17: a day(order_date) table fed what Postgres with REPLICA IDENTITY DEFAULT sends —
  // updates without a before-image, a delete whose before-image has defaults (order_date 0 =
  // 1970-01-01) and a key-only one — with a partition-moving update in between.
  for (const keyIndex of [true, false]) {
    it(`partial before-images on a day(order_date) upsert table leave exactly the source rows (key index ${keyIndex ? 'on' : 'off'})`, async () => {
      const wh = tempDir();
      const yaml = configYaml(wh, path.join(FIXTURES, 'postgres-orders-partial-before.jsonl'), { 'postgres.inventory.orders': 'id' })
        .replace('    key-columns: [id]', '    key-columns: [id]\n    partition-by: [day(order_date)]')
        .concat(`\nkey-index: { enabled: ${keyIndex} }\n`);
      await ingest(parsePipelineConfig(yaml, path.join(wh, 'pipeline.yaml'), {}));
      expect((await rows(wh, 'orders')).map((r) => [r.id, r.order_date, r.quantity])).toEqual([[10001, 16817, 6], [10004, 16850, 1]]);
      const t = await new FilesystemCatalog(wh).loadTable({ namespace: ['inventory'], name: 'orders' });
      expect(t.spec().fields.map((f) => f.transform.kind)).toEqual(['day']);
      const deletes = (await t.planFiles()).flatMap((task) => task.deletes.map((d) => d.file));
      if (keyIndex) expect(new Set(deletes.map((d) => d.content))).toEqual(new Set(['position-deletes'])); // where the rows live
      else {
        // equality deletes are global (under the unpartitioned spec); rows replaced within one commit go by position
        const eq = deletes.filter((d) => d.content === 'equality-deletes');
        expect(eq.length).toBeGreaterThan(0);
        expect(eq.map((d) => d.specId)).toEqual(eq.map(() => [...t.specs().values()].find((sp) => sp.fields.length === 0)!.specId));
      }
      expect(deletes.length).toBeGreaterThan(0);
    });
  }
});

