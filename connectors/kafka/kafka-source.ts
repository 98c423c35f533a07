/**
 * The Kafka source: changelog topics (Debezium, Canal or Maxwell JSON values) read by a
 * kafkajs consumer group, many tables per topic and many topics per pipeline, routed by the
 * table each message names.
 *
 * Exactly-once: positions are `{topic: {partition: nextOffset}}` and live in the Iceberg
 * snapshot summaries (through the runner); each assigned partition is sought to the lowest
 * offset any table committed for it. Group offsets are only advisory (committed after each
 * pipeline commit, for lag tools).
 *
 * Replay: tables may hold different positions (a crash between two tables' commits, a table
 * that had nothing new). They are all points of one earlier stream, so the source replays in
 * segments: up to the next-higher committed position, partition by partition, before any
 * message past it. Every position it hands out is then at-or-below or at-or-above each
 * committed position, and the runner's per-table skip ("already committed") is exact.
 *
 * Rebalances: a changed assignment stops the read with KafkaRebalanceError: the runner
 * drops what it has not committed (no row of a revoked partition is committed twice) and a
 * restart resumes from the tables' offsets.
 */
import { resolve } from 'node:path';
import { Kafka, logLevel, type Admin, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { ConfigError, ValidationError } from '../../src/errors.js';
import type { PipelineConfig } from '../../src/pipeline/config.js';
import type { ReadOptions, Source, SourceTable } from '../../src/pipeline/source.js';
import type { ChangeBatch, ChangeEvent, EventRejection, Phase, SourcePosition } from '../../src/sink/change-event.js';
import type { ParsedChange } from '../file/change-line.js';
import { DeadLetterWriter, rejectionLetter } from '../file/dead-letter.js';
import { fileTableSpec } from '../file/file-source.js';
import { discoverTables } from '../file/table-discovery.js';
import { TableProblem, TableRegistry, type FileTableSpec } from '../file/table-registry.js';
import { KafkaMessageError } from './errors.js';
import { GroupReader, partitionKey, type FetchedMessage } from './group-reader.js';
import { decodeMessage, peekMessage, type KafkaFormat } from './message-decoder.js';
import { compareKafkaOffsets, foldOffsets, kafkaPosition, toKafkaOffsets, type KafkaOffsets } from './position.js';

export interface KafkaSourceOptions {
  readonly brokers: readonly string[];
  readonly topics: readonly string[];
  readonly groupId: string;
  readonly format: KafkaFormat;
  /** Where partitions no table has committed start. */
  readonly from: 'earliest' | 'latest';
  readonly clientId?: string;
  readonly ssl?: KafkaConfig['ssl'];
  readonly sasl?: SASLOptions;
  readonly tables: readonly FileTableSpec[];
  readonly batchMaxEvents?: number;
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  /** Bad messages stop the read (default) or go to a dead-letter file. */
  readonly deadLetterPath?: string;
}

interface PartitionRange {
  readonly low: number;
  readonly high: number;
}

const IDLE_BATCH_INTERVAL_MS = 1000;

export class KafkaChangelogSource implements Source {
  readonly name: string;
  private readonly registry: TableRegistry;
  private readonly kafka: Kafka;
  private readonly batchMaxEvents: number;
  private readonly deadLetter: DeadLetterWriter | undefined;
  private discovered: readonly string[] = [];
  private reader: GroupReader | undefined;
  readonly rejected?: (rejection: EventRejection) => Promise<void>;

  constructor(private readonly options: KafkaSourceOptions) {
    this.name = `kafka:${options.topics.join(',')}@${options.brokers.join(',')}`;
    this.registry = new TableRegistry(options.tables);
    this.batchMaxEvents = options.batchMaxEvents ?? 10_000;
    if (!Number.isSafeInteger(this.batchMaxEvents) || this.batchMaxEvents < 1) throw new ValidationError(`batchMaxEvents must be a positive integer, got ${this.batchMaxEvents}`);
    this.kafka = new Kafka({
      brokers: [...options.brokers],
      clientId: options.clientId ?? 'icetide',
      logLevel: logLevel.NOTHING,
      ...(options.ssl !== undefined ? { ssl: options.ssl } : {}),
      ...(options.sasl ? { sasl: options.sasl } : {}),
    });
    const deadLetter = options.deadLetterPath ? new DeadLetterWriter(options.deadLetterPath) : undefined;
    this.deadLetter = deadLetter;
    if (deadLetter) this.rejected = async (r) => deadLetter.writeNow(rejectionLetter(r));
  }

  /** The configured tables; those without declared columns learn them from Debezium schema blocks in the topics. */
  async discover(): Promise<SourceTable[]> {
    const tables = await discoverTables(this.registry, { scan: (exact, matched) => this.scan(exact, matched), compareNames: (a, b) => (a < b ? -1 : a > b ? 1 : 0), where: `in topics ${this.options.topics.join(', ')}` });
    this.discovered = tables.map((t) => t.name);
    return tables;
  }

  /** Reads the topics from their start to their end (now) in a throwaway group, learning tables and schemas. */
  private async scan(exact: readonly string[], matched: Set<string>): Promise<void> {
    const ranges = await this.partitionRanges();
    const needsRegex = this.options.tables.some((s) => s.name instanceof RegExp);
    const wanted = new Set(exact.filter((n) => !this.registry.hasDeclaredColumns(this.registry.specFor(n)!)));
    const keys = [...ranges.keys()].filter((k) => ranges.get(k)!.high > ranges.get(k)!.low);
    if (keys.length === 0 || (!needsRegex && wanted.size === 0)) return;
    const consumer = this.kafka.consumer({ groupId: `${this.options.groupId}-discover-${process.pid}-${Date.now()}`, ...this.sessionOptions() });
    const reader = new GroupReader(consumer, (t, p) => ranges.get(partitionKey(t, p))?.low ?? 0);
    const done = new Set<string>();
    try {
      await reader.start(this.options.topics);
      while (done.size < keys.length && (needsRegex || wanted.size > 0)) {
        reader.check();
        let progressed = false;
        for (const key of keys) {
          const m = reader.take(key);
          if (!m) continue;
          progressed = true;
          if (m.offset + 1 >= ranges.get(key)!.high) done.add(key);
          for (const change of peekMessage(m, this.options.format)) {
            const spec = this.registry.specFor(change.table.name);
            if (!spec) continue;
            if (spec.name instanceof RegExp) matched.add(change.table.name);
            if (change.rowSchema && !this.registry.hasDeclaredColumns(spec)) {
              try {
                this.registry.learn(change.table.name, change.rowSchema);
              } catch (err) {
                if (err instanceof TableProblem) throw new ConfigError(`${m.topic}[${m.partition}]@${m.offset}: ${err.message}`, { table: change.table.name });
                throw err;
              }
              wanted.delete(change.table.name);
            }
          }
        }
        if (!progressed) await reader.wait(200);
      }
    } finally {
      await reader.stop();
    }
  }

  private sessionOptions(): { sessionTimeout?: number; heartbeatInterval?: number } {
    return {
      ...(this.options.sessionTimeoutMs !== undefined ? { sessionTimeout: this.options.sessionTimeoutMs, rebalanceTimeout: this.options.sessionTimeoutMs * 2 } : {}),
      ...(this.options.heartbeatIntervalMs !== undefined ? { heartbeatInterval: this.options.heartbeatIntervalMs } : {}),
    };
  }

  /** Earliest and latest offset of every partition of the topics. */
  private async partitionRanges(): Promise<Map<string, PartitionRange>> {
    const admin: Admin = this.kafka.admin();
    await admin.connect();
    try {
      const out = new Map<string, PartitionRange>();
      for (const topic of this.options.topics) {
        for (const p of await admin.fetchTopicOffsets(topic)) out.set(partitionKey(topic, p.partition), { low: Number(p.low), high: Number(p.high) });
      }
      return out;
    } finally {
      await admin.disconnect();
    }
  }

  /** The positions the tables committed (undefined: a table that never committed), from the runner. */
  private committedPositions(from: SourcePosition | undefined, opts: ReadOptions): (KafkaOffsets | undefined)[] {
    if (!opts.committedFor) return [from === undefined ? undefined : toKafkaOffsets(from)];
    const all = this.discovered.flatMap((t) => opts.committedFor!(t));
    return (all.length > 0 ? all : [from]).map((p) => (p === undefined ? undefined : toKafkaOffsets(p)));
  }

  async *read(from: SourcePosition | undefined, opts: ReadOptions): AsyncGenerator<ChangeBatch> {
    const ranges = await this.partitionRanges();
    const committed = this.committedPositions(from, opts);
    const configStart = (key: string) => (this.options.from === 'latest' ? ranges.get(key)?.high ?? 0 : ranges.get(key)?.low ?? 0);
    // A table that never committed reads from the configured start: it is the floor too.
    const floors = committed.map((c) => c ?? new Map());
    const lowest = foldOffsets(committed.filter((c): c is KafkaOffsets => c !== undefined), Math.min);
    const startOf = (topic: string, p: number): number => {
      const key = partitionKey(topic, p);
      const has = committed.every((c) => c?.get(topic)?.has(p));
      return has ? lowest.get(topic)!.get(p)! : Math.min(configStart(key), lowest.get(topic)?.get(p) ?? Infinity);
    };
    // The higher committed positions, lowest first: the replay segments' ends.
    const targets = [...new Set(floors)].filter((c) => c.size > 0).sort(compareKafkaOffsets);
    const next = new Map<string, Map<number, number>>();
    for (const key of ranges.keys()) {
      const [topic, p] = splitKey(key);
      let m = next.get(topic);
      if (!m) next.set(topic, (m = new Map()));
      m.set(p, startOf(topic, p));
    }
    const consumer = this.kafka.consumer({ groupId: this.options.groupId, ...this.sessionOptions() });
    const reader = new GroupReader(consumer, (t, p) => next.get(t)?.get(p) ?? startOf(t, p));
    this.reader = reader;
    const maxTs = new Map<string, number>();
    let events: ChangeEvent[] = [];
    let phase: Phase = 'incremental';
    let lastIdle = 0;
    const position = () => kafkaPosition(next);
    const caughtUp = (key: string) => {
      const [t, p] = splitKey(key);
      const hw = Math.max(reader.highWatermark(key) ?? 0, ranges.get(key)?.high ?? 0);
      return (next.get(t)?.get(p) ?? 0) >= hw;
    };
    const watermark = (): number | undefined => {
      let w = Infinity;
      for (const a of reader.assigned() ?? []) {
        const key = partitionKey(a.topic, a.partition);
        if (!caughtUp(key)) w = Math.min(w, maxTs.get(key) ?? -Infinity);
      }
      if (w === Infinity) w = Math.max(...maxTs.values(), -Infinity);
      return Number.isFinite(w) ? w : undefined;
    };
    const flush = async (): Promise<ChangeBatch> => {
      await this.deadLetter?.sync();
      const w = watermark();
      const batch: ChangeBatch = { events, position: position(), phase, ...(w !== undefined ? { watermarkMs: w } : {}) };
      events = [];
      return batch;
    };
    const reached = (target: KafkaOffsets): boolean => [...target].every(([t, ps]) => [...ps].every(([q, o]) => (next.get(t)?.get(q) ?? 0) >= o || !reader.assigned()?.some((x) => x.topic === t && x.partition === q)));
    /** May the next message of this partition be handed out now (replay segments)? */
    const eligible = (topic: string, p: number, offset: number): boolean => {
      while (targets.length > 0 && reached(targets[0]!)) targets.shift();
      const end = targets[0]?.get(topic)?.get(p);
      return end === undefined || offset < end;
    };
    try {
      await reader.start(this.options.topics);
      for (;;) {
        reader.check();
        if (opts.signal.aborted) return;
        const assigned = reader.assigned();
        let progressed = false;
        for (const a of assigned ?? []) {
          const key = partitionKey(a.topic, a.partition);
          for (let m = reader.peek(key); m && events.length < this.batchMaxEvents; m = reader.peek(key)) {
            if (!eligible(a.topic, a.partition, m.offset)) break;
            reader.take(key);
            progressed = true;
            const parsed = await this.decode(m);
            next.get(m.topic)!.set(m.partition, m.offset + 1);
            for (const c of parsed) {
              const cPhase: Phase = c.kind === 'event' && c.snapshot ? 'snapshot' : 'incremental';
              if (events.length > 0 && (cPhase !== phase || c.kind === 'truncate')) {
                // The message's own offset is not complete yet: the flushed batch ends before it.
                next.get(m.topic)!.set(m.partition, m.offset);
                yield await flush();
                next.get(m.topic)!.set(m.partition, m.offset + 1);
              }
              const ts = c.kind === 'event' ? c.event.sourceTsMs : c.sourceTsMs;
              maxTs.set(key, Math.max(maxTs.get(key) ?? ts, ts));
              if (c.kind === 'truncate') {
                await this.deadLetter?.sync();
                yield { events: [], position: position(), phase: 'incremental', watermarkMs: ts, truncated: [{ table: c.table, sourceTsMs: c.sourceTsMs }] };
                continue;
              }
              phase = cPhase;
              events.push(c.event);
            }
          }
          if (events.length >= this.batchMaxEvents) yield await flush();
        }
        if (progressed) continue;
        if (events.length > 0) {
          yield await flush();
          continue;
        }
        if (assigned && assigned.every((a) => caughtUp(partitionKey(a.topic, a.partition)))) {
          if (opts.untilDrained) return;
          // Caught up: an empty batch carries the watermark forward (DESIGN.md "Readiness").
          if (Date.now() - lastIdle >= IDLE_BATCH_INTERVAL_MS) {
            lastIdle = Date.now();
            yield { events: [], position: position(), phase: 'incremental', watermarkMs: Date.now() };
          }
        }
        await reader.wait(200);
      }
    } finally {
      this.reader = undefined;
      await reader.stop().catch(() => undefined);
    }
  }

  private async decode(m: FetchedMessage): Promise<ParsedChange[]> {
    try {
      return decodeMessage(m, this.options.format, this.registry);
    } catch (err) {
      if (!(err instanceof KafkaMessageError) || !this.deadLetter) throw err;
      await this.deadLetter.write({ topic: m.topic, partition: m.partition, offset: m.offset, error: err.message, raw: m.value?.toString('utf8') ?? null });
      return [];
    }
  }

  /** Best effort: the group's offsets follow the pipeline's commits (for lag tools only). */
  async committed(p: SourcePosition): Promise<void> {
    const reader = this.reader;
    if (!reader) return;
    const assigned = new Set((reader.assigned() ?? []).map((a) => partitionKey(a.topic, a.partition)));
    const offsets = [...toKafkaOffsets(p)].flatMap(([topic, ps]) => [...ps].map(([partition, offset]) => ({ topic, partition, offset }))).filter((o) => assigned.has(partitionKey(o.topic, o.partition)));
    await reader.commitOffsets(offsets).catch(() => undefined);
  }

  comparePositions(a: SourcePosition, b: SourcePosition): number {
    return compareKafkaOffsets(toKafkaOffsets(a), toKafkaOffsets(b));
  }

  async close(): Promise<void> {
    await this.deadLetter?.close();
  }
}

function splitKey(key: string): [string, number] {
  const i = key.lastIndexOf('[');
  return [key.slice(0, i), Number(key.slice(i + 1, -1))];
}

/** The Kafka source of a pipeline config (`source.type: kafka`). */
export function createKafkaSource(config: PipelineConfig, options: { cwd?: string } = {}): KafkaChangelogSource {
  if (config.source.type !== 'kafka') throw new ConfigError(`not a kafka source: ${config.source.type}`);
  const s = config.source;
  return new KafkaChangelogSource({
    brokers: s.brokers,
    topics: s.topics,
    groupId: s.groupId,
    format: s.format,
    from: s.from,
    ...(s.clientId !== undefined ? { clientId: s.clientId } : {}),
    ...(s.ssl !== undefined ? { ssl: s.ssl } : {}),
    ...(s.sasl !== undefined ? { sasl: s.sasl as SASLOptions } : {}),
    batchMaxEvents: s.batchMaxEvents,
    sessionTimeoutMs: s.sessionTimeoutMs,
    heartbeatIntervalMs: s.heartbeatIntervalMs,
    tables: config.tables.map(fileTableSpec),
    ...(config.onError.mode === 'dead-letter' ? { deadLetterPath: resolve(options.cwd ?? process.cwd(), config.onError.deadLetterPath) } : {}),
  });
}
