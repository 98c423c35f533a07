/**
 * Request bodies -> response bodies, one function per API, for the versions in
 * api-versions.ts (field layouts from the protocol guide's BNF, "Kafka protocol guide").
 */
import type { WireReader, WireWriter } from './wire.js';
import { API, SUPPORTED } from './api-versions.js';
import { ERROR } from './error-codes.js';
import type { GroupCoordinator } from './group-coordinator.js';
import type { PartitionLog } from './partition-log.js';
import { CorruptRecordError, splitBatches } from './record-batch.js';

export interface BrokerState {
  readonly nodeId: number;
  readonly host: string;
  port: number;
  readonly topics: Map<string, PartitionLog[]>;
  readonly groups: GroupCoordinator;
  /** Creates a topic (Metadata auto-creation, CreateTopics). */
  createTopic(name: string, partitions: number): PartitionLog[];
  readonly autoCreateTopics: boolean;
  readonly defaultPartitions: number;
  /** Resolves when a batch is appended anywhere, or after `ms`. */
  waitForData(ms: number): Promise<void>;
}

export interface Ctx {
  readonly version: number;
  readonly req: WireReader;
  readonly res: WireWriter;
  readonly broker: BrokerState;
}

type Handler = (c: Ctx) => void | Promise<void>;

function apiVersions({ res }: Ctx): void {
  const apis = Object.entries(SUPPORTED);
  res.int16(ERROR.NONE).array(apis, (w, [key, r]) => w.int16(Number(key)).int16(r.min).int16(r.max));
  res.int32(0);
}

function metadata({ req, res, broker }: Ctx): void {
  const names = req.array((r) => r.string());
  const autoCreate = req.bool();
  const wanted = names.length === 0 ? [...broker.topics.keys()] : names;
  res.int32(0);
  res.array([broker], (w, b) => w.int32(b.nodeId).string(b.host).int32(b.port).nullableString(null));
  res.nullableString('icetide-test-cluster').int32(broker.nodeId);
  res.array(wanted, (w, name) => {
    let log = broker.topics.get(name);
    if (!log && autoCreate && broker.autoCreateTopics) log = broker.createTopic(name, broker.defaultPartitions);
    w.int16(log ? ERROR.NONE : ERROR.UNKNOWN_TOPIC_OR_PARTITION).string(name).bool(false);
    w.array((log ?? []).map((_l, i) => i), (pw, i) => {
      pw.int16(ERROR.NONE).int32(i).int32(broker.nodeId);
      pw.array([broker.nodeId], (x, n) => x.int32(n));
      pw.array([broker.nodeId], (x, n) => x.int32(n));
      pw.array([], (x, n: number) => x.int32(n));
    });
  });
}

function partitionLog(broker: BrokerState, topic: string, partition: number): PartitionLog | undefined {
  return broker.topics.get(topic)?.[partition];
}

function produce({ req, res, broker }: Ctx): void {
  req.nullableString(); // transactional_id
  req.int16(); // acks
  req.int32(); // timeout
  const topics = req.array((t) => ({ topic: t.string(), partitions: t.array((p) => ({ partition: p.int32(), records: p.nullableBytes() })) }));
  res.array(topics, (w, t) => {
    w.string(t.topic).array(t.partitions, (pw, p) => {
      let log = partitionLog(broker, t.topic, p.partition);
      if (!log && !broker.topics.has(t.topic) && broker.autoCreateTopics) log = broker.createTopic(t.topic, broker.defaultPartitions)[p.partition];
      let error: number = ERROR.NONE;
      let base = -1n;
      if (!log) error = ERROR.UNKNOWN_TOPIC_OR_PARTITION;
      else {
        try {
          base = log.append(splitBatches(p.records ?? Buffer.alloc(0)));
        } catch (err) {
          if (!(err instanceof CorruptRecordError)) throw err;
          error = ERROR.CORRUPT_MESSAGE;
        }
      }
      pw.int32(p.partition).int16(error).int64(base).int64(-1n).int64(log?.logStartOffset ?? -1n);
    });
  });
  res.int32(0);
}

async function fetch({ req, res, broker }: Ctx): Promise<void> {
  req.int32(); // replica_id
  const maxWaitMs = req.int32();
  const minBytes = req.int32();
  const maxBytes = req.int32();
  req.int8(); // isolation_level: no transactions yet, so read_committed = read_uncommitted
  req.int32(); // session_id
  req.int32(); // session_epoch
  const topics = req.array((t) => ({
    topic: t.string(),
    partitions: t.array((p) => {
      const partition = p.int32();
      p.int32(); // current_leader_epoch
      const offset = p.int64();
      p.int64(); // log_start_offset
      return { partition, offset, maxBytes: p.int32() };
    }),
  }));
  const available = () => topics.some((t) => t.partitions.some((p) => {
    const log = partitionLog(broker, t.topic, p.partition);
    return log !== undefined && log.highWatermark > p.offset;
  }));
  // Long poll: an empty fetch waits up to max_wait_ms for data.
  const deadline = Date.now() + maxWaitMs;
  while (minBytes > 0 && !available() && Date.now() < deadline) await broker.waitForData(deadline - Date.now());
  let budget = maxBytes;
  res.int32(0).int16(ERROR.NONE).int32(0);
  res.array(topics, (w, t) => {
    w.string(t.topic).array(t.partitions, (pw, p) => {
      const log = partitionLog(broker, t.topic, p.partition);
      let error: number = ERROR.NONE;
      let records: Buffer = Buffer.alloc(0);
      if (!log) error = ERROR.UNKNOWN_TOPIC_OR_PARTITION;
      else if (p.offset < log.logStartOffset || p.offset > log.highWatermark) error = ERROR.OFFSET_OUT_OF_RANGE;
      else if (budget > 0) {
        records = log.read(p.offset, Math.min(p.maxBytes, budget));
        budget -= records.length;
      }
      const hw = log?.highWatermark ?? -1n;
      pw.int32(p.partition).int16(error).int64(hw).int64(hw).int64(log?.logStartOffset ?? -1n);
      pw.array([], () => undefined); // aborted_transactions
      pw.int32(-1); // preferred_read_replica
      pw.bytes(records);
    });
  });
}

function listOffsets({ req, res, broker }: Ctx): void {
  req.int32(); // replica_id
  req.int8(); // isolation_level
  const topics = req.array((t) => ({ topic: t.string(), partitions: t.array((p) => ({ partition: p.int32(), timestamp: p.int64() })) }));
  res.int32(0).array(topics, (w, t) => {
    w.string(t.topic).array(t.partitions, (pw, p) => {
      const log = partitionLog(broker, t.topic, p.partition);
      if (!log) {
        pw.int32(p.partition).int16(ERROR.UNKNOWN_TOPIC_OR_PARTITION).int64(-1n).int64(-1n);
        return;
      }
      // -1: latest, -2: earliest, else the first offset at or after the time.
      const offset = p.timestamp === -1n ? log.highWatermark : p.timestamp === -2n ? log.logStartOffset : log.offsetForTimestamp(p.timestamp);
      pw.int32(p.partition).int16(ERROR.NONE).int64(-1n).int64(offset);
    });
  });
}

function findCoordinator({ req, res, broker }: Ctx): void {
  req.string(); // key
  req.int8(); // key_type (group or transaction: one node coordinates both)
  res.int32(0).int16(ERROR.NONE).nullableString(null).int32(broker.nodeId).string(broker.host).int32(broker.port);
}

async function joinGroup({ req, res, broker }: Ctx): Promise<void> {
  const groupId = req.string();
  const sessionTimeoutMs = req.int32();
  const rebalanceTimeoutMs = req.int32();
  const memberId = req.string();
  const groupInstanceId = req.nullableString();
  req.string(); // protocol_type
  const protocols = req.array((p) => ({ name: p.string(), metadata: p.bytes() }));
  const r = await broker.groups.join(groupId, { memberId, groupInstanceId, sessionTimeoutMs, rebalanceTimeoutMs, protocols });
  res.int32(0).int16(r.errorCode).int32(r.generationId).string(r.protocolName).string(r.leaderId).string(r.memberId);
  res.array(r.members, (w, m) => w.string(m.memberId).nullableString(m.groupInstanceId).bytes(m.metadata));
}

async function syncGroup({ req, res, broker }: Ctx): Promise<void> {
  const groupId = req.string();
  const generation = req.int32();
  const memberId = req.string();
  req.nullableString(); // group_instance_id
  const assignments = req.array((a) => ({ memberId: a.string(), assignment: a.bytes() }));
  const r = await broker.groups.sync(groupId, memberId, generation, assignments);
  res.int32(0).int16(r.errorCode).bytes(r.assignment);
}

function heartbeat({ req, res, broker }: Ctx): void {
  const groupId = req.string();
  const generation = req.int32();
  const memberId = req.string();
  req.nullableString();
  res.int32(0).int16(broker.groups.heartbeat(groupId, memberId, generation));
}

function leaveGroup({ req, res, broker }: Ctx): void {
  const groupId = req.string();
  const members = req.array((m) => ({ memberId: m.string(), groupInstanceId: m.nullableString() }));
  const errors = members.map((m) => broker.groups.leave(groupId, m.memberId));
  res.int32(0).int16(ERROR.NONE).array(members, (w, m) => {
    w.string(m.memberId).nullableString(m.groupInstanceId).int16(errors[members.indexOf(m)]!);
  });
}

function offsetCommit({ req, res, broker }: Ctx): void {
  const groupId = req.string();
  const generation = req.int32();
  const memberId = req.string();
  const topics = req.array((t) => ({ topic: t.string(), partitions: t.array((p) => ({ partition: p.int32(), offset: p.int64(), metadata: p.nullableString() })) }));
  res.int32(0).array(topics, (w, t) => {
    w.string(t.topic).array(t.partitions, (pw, p) => {
      pw.int32(p.partition).int16(broker.groups.commitOffset(groupId, memberId, generation, t.topic, p.partition, { offset: p.offset, metadata: p.metadata }));
    });
  });
}

function offsetFetch({ req, res, broker }: Ctx): void {
  const groupId = req.string();
  let topics = req.array((t) => ({ topic: t.string(), partitions: t.array((p) => p.int32()) }));
  if (topics.length === 0) {
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of broker.groups.committedPartitions(groupId)) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    topics = [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
  }
  res.int32(0).array(topics, (w, t) => {
    w.string(t.topic).array(t.partitions, (pw, partition) => {
      const c = broker.groups.fetchOffset(groupId, t.topic, partition);
      pw.int32(partition).int64(c?.offset ?? -1n).nullableString(c?.metadata ?? '').int16(ERROR.NONE);
    });
  });
  res.int16(ERROR.NONE);
}

function createTopics({ req, res, broker }: Ctx): void {
  const topics = req.array((t) => {
    const topic = t.string();
    const partitions = t.int32();
    t.int16(); // replication_factor
    t.array((a) => ({ partition: a.int32(), replicas: a.array((r) => r.int32()) }));
    t.array((c) => ({ name: c.string(), value: c.nullableString() }));
    return { topic, partitions };
  });
  req.int32(); // timeout
  const validateOnly = req.bool();
  res.int32(0).array(topics, (w, t) => {
    let error: number = ERROR.NONE;
    let message: string | null = null;
    if (broker.topics.has(t.topic)) {
      error = ERROR.TOPIC_ALREADY_EXISTS;
      message = `Topic '${t.topic}' already exists.`;
    } else if (t.partitions === 0 || t.partitions < -1) {
      error = ERROR.INVALID_PARTITIONS;
      message = `Number of partitions must be larger than 0, got ${t.partitions}.`;
    } else if (!validateOnly) broker.createTopic(t.topic, t.partitions === -1 ? broker.defaultPartitions : t.partitions);
    w.string(t.topic).int16(error).nullableString(message);
  });
}

export const HANDLERS: Readonly<Record<number, Handler>> = {
  [API.ApiVersions]: apiVersions,
  [API.Metadata]: metadata,
  [API.Produce]: produce,
  [API.Fetch]: fetch,
  [API.ListOffsets]: listOffsets,
  [API.FindCoordinator]: findCoordinator,
  [API.JoinGroup]: joinGroup,
  [API.SyncGroup]: syncGroup,
  [API.Heartbeat]: heartbeat,
  [API.LeaveGroup]: leaveGroup,
  [API.OffsetCommit]: offsetCommit,
  [API.OffsetFetch]: offsetFetch,
  [API.CreateTopics]: createTopics,
};
