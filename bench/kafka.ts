/**
 * Kafka -> Iceberg throughput: events/s of a whole pipeline (`icetide ingest --once` in this
 * process: kafkajs consumer group, Debezium JSON decoding, upsert table with the key index)
 * against the raw kafkajs consume rate of the same topic (eachBatch, counting messages), in
 * one run, alternating; min/median of RUNS. The test broker (test/support/kafka-broker, the
 * Kafka wire protocol on loopback) runs in this process too and costs both sides alike.
 * Run: npx tsx bench/kafka.ts [events=200000] [runs=3]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { parsePipelineConfig } from '../src/pipeline/config-loader.js';
import { buildPipeline } from '../src/pipeline/pipeline-builder.js';
import { createLogger } from '../src/logging/pino-logger.js';
import { generateOrderChanges, ORDER_COLUMNS_YAML, seededRandom } from '../test/support/generated-changelog.js';
import { startKafkaBroker } from '../test/support/kafka-broker/kafka-broker.js';
import { headlineRow, medianMin, pairedRatios, printTable, report, stats, writeResults } from './bench-stats.js';

const EVENTS = Number(process.argv[2] ?? 200_000);
const RUNS = Number(process.argv[3] ?? 3);
const TOPIC = 'bench-orders';
const GOAL = 0.7;

const broker = await startKafkaBroker();
broker.createTopic(TOPIC, 3);
const kafka = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING });
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();
const changes = generateOrderChanges(EVENTS, seededRandom(42), Math.max(1000, EVENTS / 4));
for (let i = 0; i < changes.length; i += 5000) {
  await producer.send({ topic: TOPIC, messages: changes.slice(i, i + 5000).map((c) => ({ key: String(c.id), value: c.json })) });
}
await producer.disconnect();
console.log(`produced ${EVENTS} messages: ${broker.endOffsets(TOPIC).join(", ")}`);
const bytes = changes.reduce((n, c) => n + c.json.length, 0);

/** Raw kafkajs: a fresh group reads the topic from the start; seconds until every message arrived. */
async function rawConsume(run: number): Promise<number> {
  const consumer = kafka.consumer({ groupId: `raw-${run}`, sessionTimeout: 10_000, heartbeatInterval: 1000 });
  const t0 = performance.now();
  await consumer.connect();
  await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
  let seen = 0;
  await new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        seen += batch.messages.length;
        if (seen >= EVENTS) resolve();
      },
    });
  });
  const s = (performance.now() - t0) / 1000;
  await consumer.disconnect();
  return s;
}

/** The pipeline into a fresh warehouse; seconds of the run (tables created before it). */
async function pipeline(run: number, dir: string): Promise<number> {
  const wh = path.join(dir, `wh-${run}`);
  const yaml = `pipeline-id: bench-${run}
source:
  type: kafka
  brokers: [${broker.address}]
  topics: [${TOPIC}]
  group-id: icetide-${run}
  session-timeout-ms: 10000
  heartbeat-interval-ms: 1000
tables:
  - source: shop.orders
    target: orders
    key-columns: [id]
${ORDER_COLUMNS_YAML}
target: { warehouse: ${wh}, namespace: db }
commit: { interval-ms: 1000, max-rows: 100000 }
`;
  const cfg = parsePipelineConfig(yaml, path.join(dir, 'pipeline.yaml'), {});
  const { runner } = await buildPipeline(cfg);
  const t0 = performance.now();
  const r = await runner.run({ ...(process.env['BENCH_LOG'] ? { log: createLogger({ pretty: false }) } : {}), once: true, signal: new AbortController().signal, commitIntervalMs: cfg.commit.intervalMs, commitMaxRows: cfg.commit.maxRows });
  const s = (performance.now() - t0) / 1000;
  if (r.events !== EVENTS) throw new Error(`pipeline read ${r.events} events, expected ${EVENTS}`);
  return s;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'icetide-bench-kafka-'));
const ours: number[] = [];
const raw: number[] = [];
try {
  for (let run = 0; run < RUNS; run++) {
    raw.push(EVENTS / (await rawConsume(run)));
    ours.push(EVENTS / (await pipeline(run, dir)));
    console.log(`run ${run + 1}: ours ${Math.round(ours.at(-1)!)} events/s, raw kafkajs ${Math.round(raw.at(-1)!)} messages/s`);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
  await broker.close();
}

const o = stats(ours);
const r = stats(raw);
const rows = (['min', 'median'] as const).map((m) => {
  const ratio = o[m] / r[m];
  return { measure: `events/s (${m} of ${RUNS})`, ours: Math.round(o[m]), reference: Math.round(r[m]), ratio: ratio.toFixed(2), goal: `>= ${GOAL}x`, met: ratio >= GOAL ? 'yes' : 'no' };
});
console.log(`\n${EVENTS} Debezium messages (${(bytes / 1024 / 1024).toFixed(1)} MiB) on 3 partitions -> upsert table; reference: raw kafkajs consume of the same topic`);
printTable(rows);
const paired = pairedRatios(ours, raw);
report('kafka', [headlineRow('Kafka -> upsert table events/s vs raw kafkajs consume', medianMin(ours), { reference: medianMin(raw), ratio: paired.median, goal: `>= ${GOAL}x`, ok: paired.median >= GOAL })]);
console.log(`results: ${writeResults('kafka', { events: EVENTS, runs: RUNS, bytes, ours, raw, rows, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) })}`);
