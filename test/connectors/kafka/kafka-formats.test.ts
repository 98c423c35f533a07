/**
 * Canal flat JSON and Maxwell JSON messages (fixtures shaped as those tools publish them: a
 * MySQL shop with products and orders, datetimes as 'YYYY-MM-DD HH:MM:SS' text, DDL messages
 * between the rows) through a whole pipeline into v2 upsert tables, read back: inserts,
 * updates (one changing the primary key), deletes; DDL skipped; an unknown message type stops
 * the pipeline with an error naming the message.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaMessageError } from '../../../connectors/kafka/index.js';
import { startKafkaBroker, type KafkaBroker } from '../../support/kafka-broker/kafka-broker.js';
import { ingestOnce, produce, tableRows, type ProducedMessage } from '../../support/kafka-ingest.js';
import { useTempDir } from '../../support/temp-dir.js';

const FIXTURES = path.resolve('test/connectors/kafka/fixtures');

let broker: KafkaBroker;
beforeAll(async () => {
  broker = await startKafkaBroker();
});
afterAll(async () => {
  await broker.close();
});

/**
 * Fixture lines as messages, one partition per table (Canal's `canal.mq.partitionHash` by
 * table, Maxwell's `producer_partition_by=table`): the order of a table's changes is kept,
 * a primary-key change included.
 */
function messagesOf(file: string): ProducedMessage[] {
  const partitionOf: Record<string, number> = { products: 0, orders: 2 };
  return fs.readFileSync(path.join(FIXTURES, file), 'utf8').split('\n').filter((l) => l.trim() !== '').map((value) => {
    const m = JSON.parse(value) as { database: string; table: string };
    return { key: JSON.stringify({ database: m.database, table: m.table }), value, partition: partitionOf[m.table]! };
  });
}

function configYaml(wh: string, topic: string, format: string, group: string): string {
  return `pipeline-id: ${format}-shop
source:
  type: kafka
  brokers: [${broker.address}]
  topics: [${topic}]
  group-id: ${group}
  format: ${format}
  session-timeout-ms: 3000
  heartbeat-interval-ms: 300
tables:
  - source: shop.products
    target: products
    key-columns: [id]
    columns:
      - { name: id, type: int, nullable: false }
      - { name: name, type: string }
      - { name: weight, type: "decimal(10,2)" }
      - { name: on_sale, type: boolean }
  - source: shop.orders
    target: orders
    key-columns: [order_id]
    partition-by: [day(created_at)]
    columns:
      - { name: order_id, type: long, nullable: false }
      - { name: product_id, type: int }
      - { name: quantity, type: int }
      - { name: created_at, type: timestamp }
      - { name: updated_at, type: timestamptz }
      - { name: order_date, type: date }
target:
  warehouse: ${wh}
  namespace: shop
`;
}

/** 'YYYY-MM-DD HH:MM:SS[.ffffff]' (MySQL's text, UTC) as Iceberg microseconds. */
const micros = (s: string) => BigInt(Date.parse(`${s.replace(' ', 'T').slice(0, 23)}Z`)) * 1000n;
const day = (s: string) => Date.parse(`${s}T00:00:00Z`) / 86_400_000;

const order = (order_id: number, product_id: number, quantity: number, created: string, updated: string, date: string) => ({
  order_id: BigInt(order_id), product_id, quantity, created_at: micros(created), updated_at: micros(updated), order_date: day(date),
});

/** The source state both fixtures end in. */
const PRODUCTS = [
  { id: 101, name: 'scooter', weight: 518n, on_sale: true },
  { id: 104, name: 'car battery', weight: 810n, on_sale: true },
];
const ORDERS = [
  order(10001, 101, 3, '2023-11-14 22:13:20', '2023-11-16 09:30:00', '2023-11-14'),
  order(10003, 104, 1, '2023-11-17 23:59:59', '2023-11-17 23:59:59', '2023-11-17'),
];

describe('Kafka source: Canal and Maxwell JSON', () => {
  const tempDir = useTempDir();

  it.each([
    ['canal', 'canal-shop.jsonl'],
    ['maxwell', 'maxwell-shop.jsonl'],
  ] as const)('%s messages land in upsert tables with exactly the source state', async (format, file) => {
    const wh = tempDir();
    const messages = messagesOf(file);
    await produce(broker, `${format}-shop`, 3, messages);
    const stats = await ingestOnce(configYaml(wh, `${format}-shop`, format, `${format}-1`), wh);
    expect(stats.events).toBe(expectedEvents(messages));
    expect(await tableRows(wh, 'shop', 'products', 'id')).toEqual(PRODUCTS);
    expect(await tableRows(wh, 'shop', 'orders', 'order_id')).toEqual(ORDERS);
  });

  it.each([
    ['canal', { data: null, database: 'shop', es: 1700000000000, id: 99, isDdl: false, old: null, pkNames: null, sql: '', table: 'products', ts: 1700000000001, type: 'XACOMMIT' }, /unknown Canal type "XACOMMIT"/],
    ['maxwell', { database: 'shop', table: 'products', type: 'replace', ts: 1700000000, xid: 1, commit: true, data: { id: 1 } }, /unknown Maxwell type "replace"/],
  ] as const)('an unknown %s message type stops the pipeline with an error naming the message', async (format, message, problem) => {
    const wh = tempDir();
    const topic = `${format}-bad`;
    await produce(broker, topic, 1, [{ key: 'k', value: JSON.stringify(message) }]);
    const err = await ingestOnce(configYaml(wh, topic, format, `${format}-bad`), wh).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaMessageError);
    expect((err as Error).message).toMatch(new RegExp(`^${topic}\\[0\\]@0: `));
    expect((err as Error).message).toMatch(problem);
  });
});

/** Rows of the DML messages (Canal: one per `data` entry; Maxwell: one per insert/update/delete/bootstrap-insert). */
function expectedEvents(messages: readonly ProducedMessage[]): number {
  let n = 0;
  for (const m of messages) {
    const v = JSON.parse(m.value!) as { type: string; isDdl?: boolean; data?: unknown };
    if (v.isDdl === true) continue;
    if (Array.isArray(v.data)) n += v.data.length;
    else if (['insert', 'update', 'delete', 'bootstrap-insert'].includes(v.type)) n++;
  }
  return n;
}
