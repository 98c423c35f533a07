/** Helpers of the Kafka pipeline tests: produce to the test broker, run a pipeline once in-process, read a table back. */
import path from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { scanTable } from '../../src/iceberg/read/table-scan.js';
import { parsePipelineConfig } from '../../src/pipeline/config-loader.js';
import { buildPipeline } from '../../src/pipeline/pipeline-builder.js';
import type { RunStats } from '../../src/pipeline/pipeline-runner.js';
import type { KafkaBroker } from './kafka-broker/kafka-broker.js';

export interface ProducedMessage {
  readonly key: string;
  readonly value: string | null;
  /** Else the default partitioner places it by key. */
  readonly partition?: number;
}

export async function produce(broker: KafkaBroker, topic: string, partitions: number, messages: readonly ProducedMessage[]): Promise<void> {
  broker.createTopic(topic, partitions);
  const producer = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING }).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  await producer.send({ topic, messages: [...messages] });
  await producer.disconnect();
}

/** `icetide ingest --once` of a pipeline YAML, in this process; the YAML's relative paths are under `wh`. */
export async function ingestOnce(yaml: string, wh: string): Promise<RunStats> {
  const cfg = parsePipelineConfig(yaml, path.join(wh, 'pipeline.yaml'), {});
  const { runner } = await buildPipeline(cfg);
  return runner.run({ once: true, signal: new AbortController().signal, commitIntervalMs: cfg.commit.intervalMs, commitMaxRows: cfg.commit.maxRows });
}

/** Every row of a table, sorted by a numeric column. */
export async function tableRows(wh: string, namespace: string, name: string, sortBy: string): Promise<Record<string, unknown>[]> {
  const t = await new FilesystemCatalog(wh).loadTable({ namespace: [namespace], name });
  const out: Record<string, unknown>[] = [];
  for await (const b of scanTable(t)) out.push(...b);
  return out.sort((a, b) => Number(a[sortBy]) - Number(b[sortBy]));
}
