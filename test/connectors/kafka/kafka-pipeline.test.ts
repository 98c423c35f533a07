/**
 * Debezium JSON messages in Kafka topics (the file connector's fixtures, keyed by primary
 * key, over several partitions) through a whole pipeline into v2 upsert tables, read back;
 * restarts resume exactly from the offsets committed in the snapshot summaries.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesystemCatalog } from '../../../src/catalog/filesystem-catalog.js';
import { applyChangelog } from '../../support/changelog-model.js';
import { generateOrderChanges, ORDER_COLUMNS_YAML, seededRandom } from '../../support/generated-changelog.js';
import { ingestOnce, produce, tableRows } from '../../support/kafka-ingest.js';
import { startKafkaBroker, type KafkaBroker } from '../../support/kafka-broker/kafka-broker.js';
import { customer, POSTGRES_INVENTORY_CUSTOMERS, POSTGRES_INVENTORY_PRODUCTS } from '../../support/postgres-inventory-state.js';
import { useTempDir } from '../../support/temp-dir.js';

const FIXTURES = path.resolve('test/connectors/file/fixtures');

let broker: KafkaBroker;
beforeAll(async () => {
  broker = await startKafkaBroker();
});
afterAll(async () => {
  await broker.close();
});

type Row = { id?: number; order_number?: number };

type Envelope = { after?: Row | null; before?: Row | null };

/**
 * Fixture lines as messages keyed by the row's id (a tombstone stays a null value), for
 * wrapped (`{schema, payload}`) and bare envelopes alike: every change of a key goes to one
 * partition, as Debezium's keyed messages do.
 */
function messagesOf(file: string): { key: string; value: string | null }[] {
  return fs.readFileSync(path.join(FIXTURES, file), 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => {
    const v = JSON.parse(l) as ({ payload?: Envelope | null } & Envelope) | null;
    const envelope = v !== null && 'payload' in v ? v.payload : v;
    const row = envelope?.after ?? envelope?.before;
    return { key: String(row?.id ?? row?.order_number ?? 0), value: envelope === null || envelope === undefined ? null : l };
  });
}

function configYaml(wh: string, topics: string[], tables: Record<string, string>, group: string): string {
  return [
    'pipeline-id: kafka-e2e',
    'source:',
    '  type: kafka',
    `  brokers: [${broker.address}]`,
    `  topics: [${topics.join(', ')}]`,
    `  group-id: ${group}`,
    '  session-timeout-ms: 3000',
    '  heartbeat-interval-ms: 300',
    'tables:',
    ...Object.entries(tables).flatMap(([source, key]) => [`  - source: ${source}`, `    target: ${source.split('.').at(-1)}`, `    key-columns: [${key}]`]),
    'target:',
    `  warehouse: ${wh}`,
    '  namespace: inventory',
  ].join('\n');
}

const rows = (wh: string, name: string) => tableRows(wh, 'inventory', name, 'id');


describe('Kafka source end to end', () => {
  const tempDir = useTempDir();

  it('Debezium messages of three tables in one topic land in upsert tables with exactly the source state', async () => {
    const wh = tempDir();
    await produce(broker, 'pg-inventory', 3, messagesOf('postgres-inventory.jsonl'));
    const tables = { 'postgres.inventory.customers': 'id', 'postgres.inventory.products': 'id', 'postgres.inventory.orders': 'id' };
    const stats = await ingestOnce(configYaml(wh, ['pg-inventory'], tables, 'e2e-1'), wh);
    expect(stats.events).toBe(20); // 22 messages: one tombstone, one truncate
    expect(await rows(wh, 'customers')).toEqual(POSTGRES_INVENTORY_CUSTOMERS);
    const products = await rows(wh, 'products');
    expect(products.map((p) => [p.id, p.name, p.price])).toEqual(POSTGRES_INVENTORY_PRODUCTS);
    const orders = await new FilesystemCatalog(wh).loadTable({ namespace: ['inventory'], name: 'customers' });
    const ends = broker.endOffsets('pg-inventory').map(Number);
    expect(JSON.parse(orders.currentSnapshot()!.summary['icetide.source-position']!)).toEqual({ 'pg-inventory': { 0: ends[0], 1: ends[1], 2: ends[2] } });
  });

  it('a restart resumes from the committed offsets: new messages only, nothing twice', async () => {
    const wh = tempDir();
    const all = messagesOf('mysql-inventory.jsonl');
    const half = Math.floor(all.length / 2);
    await produce(broker, 'my-inventory', 2, all.slice(0, half));
    const yaml = configYaml(wh, ['my-inventory'], { 'inventory.customers': 'id', 'inventory.orders': 'order_number' }, 'e2e-2');
    const first = await ingestOnce(yaml, wh);
    await produce(broker, 'my-inventory', 2, all.slice(half));
    const second = await ingestOnce(yaml, wh);
    const third = await ingestOnce(yaml, wh);
    expect(third.events).toBe(0);
    expect(first.events + second.events).toBe(all.filter((m) => m.value !== null).length - 1); // the truncate is not an event
    expect(await rows(wh, 'customers')).toEqual([
      customer(1001, 'Sally', 'Thomas', 'sally.t@example.com'),
      customer(1002, 'George', 'Bailey', 'gbailey@foobar.com'),
      customer(1004, 'Anne', 'Kretchmar', 'annek@noanswer.org'),
    ]);
  });

  it('a partition holding more than one fetch (kafkajs maxBytesPerPartition, 1 MiB) is read to its end', async () => {
    const wh = tempDir();
    const changes = generateOrderChanges(12_000, seededRandom(3));
    // Many record batches: a fetch returns whole batches up to the limit (at least one).
    for (let i = 0; i < changes.length; i += 1000) await produce(broker, 'big-partition', 1, changes.slice(i, i + 1000).map((c) => ({ key: String(c.id), value: c.json })));
    expect(changes.reduce((n, c) => n + c.json.length, 0)).toBeGreaterThan(1.5 * 1024 * 1024);
    const yaml = configYaml(wh, ['big-partition'], {}, 'e2e-3').replace('tables:', `tables:\n  - source: shop.orders\n    target: orders\n    key-columns: [id]\n${ORDER_COLUMNS_YAML}`);
    const stats = await ingestOnce(yaml, wh);
    expect(stats.events).toBe(changes.length);
    const model = applyChangelog(changes.map((c) => c.json), 'shop.orders', 'id');
    expect(await tableRows(wh, 'inventory', 'orders', 'id')).toEqual([...model.values()].sort((a, b) => Number(a['id']) - Number(b['id'])).map((r) => ({ ...r, id: BigInt(r['id'] as number) })));
  });
});
