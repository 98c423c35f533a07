/**
 * Crash test of the Kafka source (exactly-once): a Debezium changelog keyed by primary key
 * over 3 partitions is consumed by `icetide ingest` child processes that are SIGKILLed at
 * seeded random points while more messages are produced; a final `--once` run drains the
 * topic. The upsert table (partitioned by a non-key column that updates move, before-images
 * partly key-only) must equal the model of the changelog, and the changelog table must hold
 * every message exactly once, by its source position. A killed member stays in the group
 * until its session times out, so each restart also goes through a real rebalance.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesystemCatalog } from '../../../src/catalog/filesystem-catalog.js';
import { scanTable } from '../../../src/iceberg/read/table-scan.js';
import { applyChangelog } from '../../support/changelog-model.js';
import { startCli } from '../../support/cli-process.js';
import { generateOrderChanges, ORDER_CRASH_TABLE_YAML, seededRandom } from '../../support/generated-changelog.js';
import { startKafkaBroker, type KafkaBroker } from '../../support/kafka-broker/kafka-broker.js';
import { useTempDir } from '../../support/temp-dir.js';

const KILLS = Number(process.env['KAFKA_CRASH_KILLS'] ?? 8);
const EVENTS = 4000;
const TOPIC = 'shop-orders';

let broker: KafkaBroker;
let producer: Producer;
beforeAll(async () => {
  broker = await startKafkaBroker();
  broker.createTopic(TOPIC, 3);
  producer = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING }).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
});
afterAll(async () => {
  await producer.disconnect();
  await broker.close();
});

describe('crash safety of the Kafka source', () => {
  const tempDir = useTempDir();

  it(`survives ${KILLS} SIGKILLs of the consumer with no lost and no duplicated rows`, async () => {
    const dir = tempDir();
    const rand = seededRandom(Number(process.env['KAFKA_CRASH_SEED'] ?? 20261125));
    const changes = generateOrderChanges(EVENTS, rand, 800);
    // Half a segment before each run and half while it runs: every run has work to be killed in.
    const half = Math.ceil(EVENTS / (2 * (KILLS + 1)));
    let sent = 0;
    const produceNext = async () => {
      const slice = changes.slice(sent, sent + half);
      sent += slice.length;
      if (slice.length > 0) await producer.send({ topic: TOPIC, messages: slice.map((c) => ({ key: String(c.id), value: c.json })) });
    };
    fs.writeFileSync(
      path.join(dir, 'pipeline.yaml'),
      `pipeline-id: kafka-crash
source:
  type: kafka
  brokers: [${broker.address}]
  topics: [${TOPIC}]
  group-id: kafka-crash
  session-timeout-ms: 1000
  heartbeat-interval-ms: 200
  batch-max-events: 300
${ORDER_CRASH_TABLE_YAML}
target: { catalog: filesystem, warehouse: wh, namespace: db }
commit: { interval-ms: 50, max-rows: 400 }
key-index: { checkpoint-every-commits: 3 }
`,
    );
    const catalog = new FilesystemCatalog(path.join(dir, 'wh'));
    const committedEvents = async (): Promise<number> => {
      try {
        const t = await catalog.loadTable({ namespace: ['db'], name: 'orders' });
        const p = t.currentSnapshot()?.summary['icetide.source-position'];
        return p ? Object.values((JSON.parse(p) as Record<string, Record<string, number>>)[TOPIC] ?? {}).reduce((a, b) => a + b, 0) : 0;
      } catch {
        return 0;
      }
    };
    const progress: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      await produceNext();
      const { child, done } = startCli(['ingest', 'pipeline.yaml'], dir);
      // Killed at a random point after the pipeline starts (the process start-up, 2-4 s under
      // tsx on a busy machine, is not where the kill tests anything): during the group join,
      // while it consumes, or mid-commit.
      const delay = 300 + Math.floor(rand() * 2200);
      let timer: NodeJS.Timeout | undefined;
      let during: NodeJS.Timeout | undefined;
      child.stderr!.on('data', (d: Buffer) => {
        if (timer || !d.toString().includes('pipeline starting')) return;
        during = setTimeout(() => void produceNext(), delay / 2);
        timer = setTimeout(() => child.kill('SIGKILL'), delay);
      });
      const r = await done;
      clearTimeout(timer);
      clearTimeout(during);
      expect(r.signal, r.stderr).toBe('SIGKILL'); // follow mode: it only ever stops by the kill
      progress.push(await committedEvents());
    }
    while (sent < changes.length) await produceNext();
    const final = await startCli(['ingest', 'pipeline.yaml', '--once'], dir).done;
    expect(final.code, final.stderr).toBe(0);
    // The runs really made progress between kills (not all killed before their first commit).
    expect(new Set(progress).size, `events committed after each kill: ${progress.join(", ")}`).toBeGreaterThanOrEqual(KILLS / 2);
    expect(progress.at(-1)!, "the final run still had work").toBeLessThan(EVENTS);

    const model = applyChangelog(changes.map((c) => c.json), 'shop.orders', 'id');
    const orders = await catalog.loadTable({ namespace: ['db'], name: 'orders' });
    const got: string[] = [];
    for await (const b of scanTable(orders)) for (const r of b) got.push(`${r['id']}|${r['region']}|${r['v']}`);
    expect(got.length).toBe(model.size);
    expect(got.sort()).toEqual([...model.values()].map((r) => `${r['id']}|${r['region']}|${r['v']}`).sort());
    expect(JSON.parse(orders.currentSnapshot()!.summary['icetide.source-position']!)).toEqual({ [TOPIC]: Object.fromEntries(broker.endOffsets(TOPIC).map((o, p) => [String(p), Number(o)])) });

    const log = await catalog.loadTable({ namespace: ['db'], name: 'orders_log' });
    const positions: string[] = [];
    for await (const b of scanTable(log, { columns: ['_source_position'] })) for (const r of b) positions.push(r['_source_position'] as string);
    expect(positions.length).toBe(EVENTS);
    expect(new Set(positions).size).toBe(EVENTS);
    // Every message's own position, exactly once: {topic: {partition: offset + 1}}.
    const expected = broker.endOffsets(TOPIC).flatMap((end, p) => Array.from({ length: Number(end) }, (_, o) => JSON.stringify({ [TOPIC]: { [String(p)]: o + 1 } })));
    expect(positions.sort()).toEqual(expected.sort());
  }, 120_000);
});
