/**
 * A kafkajs consumer-group member as a pull source of messages: batches are buffered per
 * partition (a partition is paused when its buffer is full, so fetching never blocks on the
 * pipeline), each assigned partition is sought to the offset the source chose (the offsets
 * committed in the tables, not the group's), and a rebalance that changes the assignment is
 * reported instead of being followed.
 */
import type { Consumer } from 'kafkajs';
import { KafkaRebalanceError } from './errors.js';

export interface FetchedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly value: Buffer | null;
}

/** Buffered messages above which a partition's fetching pauses. */
const PAUSE_AT = 20_000;

export function partitionKey(topic: string, partition: number): string {
  return `${topic}[${partition}]`;
}

export class GroupReader {
  private readonly buffers = new Map<string, FetchedMessage[]>();
  private readonly paused = new Set<string>();
  /** Next offset expected per partition: fetched messages below it are stale (fetched before the seek). */
  private readonly expected = new Map<string, number>();
  private readonly highWatermarks = new Map<string, number>();
  private assignedKeys: ReadonlySet<string> | undefined;
  private assignedList: { topic: string; partition: number }[] = [];
  private problem: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly consumer: Consumer,
    /** Where an assigned partition starts. */
    private readonly startOffset: (topic: string, partition: number) => number,
  ) {}

  async start(topics: readonly string[]): Promise<void> {
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => this.onAssignment(e.payload.memberAssignment));
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      this.problem = e.payload.error;
      this.notify();
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset }) => {
        const key = partitionKey(batch.topic, batch.partition);
        // kafkajs fetches a partition again from its last resolved offset: unresolved, the
        // same first batch (maxBytesPerPartition, ~1 MB) would come back forever. Resolving
        // commits nothing (autoCommit is off); the tables hold the real positions.
        if (batch.messages.length > 0) resolveOffset(batch.lastOffset());
        if (!this.assignedKeys?.has(key)) return;
        this.highWatermarks.set(key, Number(batch.highWatermark));
        const buf = this.buffers.get(key) ?? [];
        let next = this.expected.get(key) ?? 0;
        for (const m of batch.messages) {
          const offset = Number(m.offset);
          if (offset < next) continue;
          buf.push({ topic: batch.topic, partition: batch.partition, offset, value: m.value });
          next = offset + 1;
        }
        this.expected.set(key, next);
        this.buffers.set(key, buf);
        if (buf.length >= PAUSE_AT && !this.paused.has(key)) {
          this.paused.add(key);
          this.consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
        }
        this.notify();
      },
    });
  }

  private onAssignment(assignment: Readonly<Record<string, readonly number[]>>): void {
    const list = Object.entries(assignment).flatMap(([topic, ps]) => ps.map((partition) => ({ topic, partition })));
    const keys = new Set(list.map((a) => partitionKey(a.topic, a.partition)));
    if (this.assignedKeys) {
      const changed = [...this.assignedKeys].filter((k) => !keys.has(k)).concat([...keys].filter((k) => !this.assignedKeys!.has(k)));
      if (changed.length > 0) this.problem = new KafkaRebalanceError(changed);
      this.notify();
      return;
    }
    this.assignedKeys = keys;
    this.assignedList = list;
    for (const { topic, partition } of list) {
      const offset = this.startOffset(topic, partition);
      this.expected.set(partitionKey(topic, partition), offset);
      this.consumer.seek({ topic, partition, offset: String(offset) });
    }
    this.notify();
  }

  /** The assigned partitions (undefined until the group assigned them). */
  assigned(): readonly { topic: string; partition: number }[] | undefined {
    return this.assignedKeys ? this.assignedList : undefined;
  }

  /** Throws the rebalance or consumer crash that stopped reading. */
  check(): void {
    if (this.problem) throw this.problem;
  }

  /** The first buffered message of a partition, without taking it. */
  peek(key: string): FetchedMessage | undefined {
    return this.buffers.get(key)?.[0];
  }

  take(key: string): FetchedMessage | undefined {
    const buf = this.buffers.get(key);
    const m = buf?.shift();
    if (buf && this.paused.has(key) && buf.length < PAUSE_AT / 2) {
      this.paused.delete(key);
      const [topic, partition] = [m?.topic ?? buf[0]?.topic, m?.partition ?? buf[0]?.partition];
      if (topic !== undefined && partition !== undefined) this.consumer.resume([{ topic, partitions: [partition] }]);
    }
    return m;
  }

  highWatermark(key: string): number | undefined {
    return this.highWatermarks.get(key);
  }

  /** Resolves when messages arrive, the assignment changes or `ms` passes. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private notify(): void {
    this.wake?.();
  }

  async commitOffsets(offsets: readonly { topic: string; partition: number; offset: number }[]): Promise<void> {
    await this.consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })));
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
