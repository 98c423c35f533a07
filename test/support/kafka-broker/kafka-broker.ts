/**
 * A one-node Kafka broker for tests: the real wire protocol on loopback, an in-memory log,
 * consumer groups and offsets — enough for kafkajs's producer, consumer and admin (see
 * api-versions.ts for the APIs and versions). Not a Kafka: no replication, no retention, no
 * transactions yet (record batches keep their transactional/control flags for them).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { API, SUPPORTED } from './api-versions.js';
import { HANDLERS, type BrokerState } from './api-handlers.js';
import { ERROR } from './error-codes.js';
import { GroupCoordinator } from './group-coordinator.js';
import { PartitionLog } from './partition-log.js';
import { WireReader, WireWriter } from './wire.js';

export interface KafkaBrokerOptions {
  /** Topics created on Metadata/Produce for unknown names (Kafka's auto.create.topics.enable; default true). */
  readonly autoCreateTopics?: boolean;
  /** Partitions of auto-created topics and of CreateTopics with -1 (default 1). */
  readonly defaultPartitions?: number;
  readonly port?: number;
}

export interface KafkaBroker {
  /** `127.0.0.1:port`, for a client's brokers list. */
  readonly address: string;
  readonly port: number;
  createTopic(name: string, partitions: number): void;
  /** The high watermark of each partition of a topic. */
  endOffsets(topic: string): bigint[];
  /** Drops every client connection (as a broker restart would), keeping the log. */
  dropConnections(): void;
  close(): Promise<void>;
}

export async function startKafkaBroker(options: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
  const waiters = new Set<() => void>();
  const state: BrokerState = {
    nodeId: 0,
    host: '127.0.0.1',
    port: 0,
    topics: new Map(),
    groups: new GroupCoordinator(),
    autoCreateTopics: options.autoCreateTopics ?? true,
    defaultPartitions: options.defaultPartitions ?? 1,
    createTopic(name, partitions) {
      const logs = Array.from({ length: partitions }, () => new PartitionLog());
      this.topics.set(name, logs);
      return logs;
    },
    waitForData(ms) {
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.max(0, ms));
        waiters.add(done);
      });
    },
  };
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    serve(socket, state, () => {
      for (const w of [...waiters]) w();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  state.port = port;
  return {
    address: `127.0.0.1:${port}`,
    port,
    createTopic: (name, partitions) => {
      if (!state.topics.has(name)) state.createTopic(name, partitions);
    },
    endOffsets: (topic) => (state.topics.get(topic) ?? []).map((l) => l.highWatermark),
    dropConnections: () => {
      for (const s of sockets) s.destroy();
    },
    close: async () => {
      state.groups.close();
      for (const w of [...waiters]) w();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Reads size-prefixed requests off one connection and answers each in order (Kafka answers
 * a connection's requests in the order they came, even while a JoinGroup or a long-polling
 * Fetch waits).
 */
function serve(socket: Socket, state: BrokerState, appended: () => void): void {
  let pending: Buffer = Buffer.alloc(0);
  let queue: Promise<void> = Promise.resolve();
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const size = pending.readInt32BE(0);
      if (pending.length < 4 + size) break;
      const frame = pending.subarray(4, 4 + size);
      pending = pending.subarray(4 + size);
      const answer = answerFor(frame, state, appended);
      queue = queue.then(async () => {
        const out = await answer;
        if (out && !socket.destroyed) socket.write(out);
      });
    }
  });
}

async function answerFor(frame: Buffer, state: BrokerState, appended: () => void): Promise<Buffer | undefined> {
  const head = new WireReader(frame);
  const apiKey = head.int16();
  const version = head.int16();
  const correlationId = head.int32();
  head.nullableString(); // client_id: always an int16-length string, even in header v2
  const range = SUPPORTED[apiKey];
  const handler = HANDLERS[apiKey];
  const flexible = range !== undefined && version >= range.flexibleFrom;
  const req = head.withFlexible(flexible);
  req.tags();
  // ApiVersions answers with a v0 header always, so a client of any version can read the error.
  const headerTags = flexible && apiKey !== API.ApiVersions;
  const res = new WireWriter(flexible);
  if (!range || !handler || version < range.min || version > range.max) {
    if (apiKey !== API.ApiVersions) return frameOf(correlationId, headerTags, new WireWriter().toBuffer()); // the client times out; never reached by kafkajs
    return frameOf(correlationId, false, new WireWriter().int16(ERROR.UNSUPPORTED_VERSION).array(Object.entries(SUPPORTED), (w, [k, r]) => w.int16(Number(k)).int16(r.min).int16(r.max)).toBuffer());
  }
  await handler({ version, req, res, broker: state });
  if (apiKey === API.Produce) appended();
  // acks=0 produce requests get no response; kafkajs never sends them by default.
  return frameOf(correlationId, headerTags, res.tags().toBuffer());
}

function frameOf(correlationId: number, headerTags: boolean, body: Buffer): Buffer {
  const header = new WireWriter(headerTags).int32(correlationId).tags().toBuffer();
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + body.length);
  return Buffer.concat([size, header, body]);
}
