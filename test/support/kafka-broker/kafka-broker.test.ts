/** The test broker with kafkajs: topics, produce, consume in a group, committed offsets, ListOffsets. */
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKafkaBroker, type KafkaBroker } from './kafka-broker.js';

let broker: KafkaBroker;
beforeAll(async () => {
  broker = await startKafkaBroker();
});
afterAll(async () => {
  await broker.close();
});

describe('test Kafka broker with kafkajs', () => {
  it('creates topics, takes produced batches and serves them to a consumer group, keeping its offsets', async () => {
    const kafka = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.createTopics({ topics: [{ topic: 't', numPartitions: 3 }] })).toBe(true);
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    for (let i = 0; i < 30; i++) await producer.send({ topic: 't', messages: [{ key: `k${i}`, value: `v${i}` }] });
    const offsets = await admin.fetchTopicOffsets('t');
    expect(offsets.reduce((n, p) => n + Number(p.high), 0)).toBe(30);
    expect(offsets.map((p) => p.low)).toEqual(['0', '0', '0']);

    const consumer = kafka.consumer({ groupId: 'g', sessionTimeout: 3000, heartbeatInterval: 300 });
    await consumer.connect();
    await consumer.subscribe({ topic: 't', fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => {
        seen.push(message.value!.toString());
        if (seen.length === 30) resolve();
      } });
    });
    await consumer.disconnect();
    expect(seen.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `v${i}`).sort());
    const committed = await admin.fetchOffsets({ groupId: 'g', topics: ['t'] });
    expect(committed[0]!.partitions.map((p) => Number(p.offset)).sort()).toEqual(offsets.map((p) => Number(p.high)).sort());
    await producer.disconnect();
    await admin.disconnect();
  });
});
