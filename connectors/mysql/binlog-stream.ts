/**
 * The binlog phase: a binlog dump (binlog/binlog-client.ts) from a file/offset, grouped into
 * source transactions (a group ends at its XID, its COMMIT, or a statement outside a
 * transaction such as DDL), with reconnects (backoff) on lost connections and server restarts, resuming at the end of the
 * last complete transaction. When nothing arrives for a heartbeat interval it asks the server
 * for the binlog head: being there proves the source is caught up, which lets the watermark
 * advance on an idle source (and ends a `--once` run).
 */
import type { Logger } from '../../src/logging/logger.js';
import { Channel } from './channel.js';
import { connect, type ConnectionSettings } from './connection.js';
import { MySqlSetupError, errorCode, isRetriable } from './errors.js';
import { binaryLogs, masterStatus, serverNowMs } from './server-checks.js';
import { compareBinlog, formatBinlog, type BinlogPosition } from './position.js';
import { BinlogClient, type BinlogClientOptions } from './binlog/binlog-client.js';
import type { BinlogEvent, RowsBlock } from './binlog/binlog-event.js';

/** One complete source transaction (possibly without rows of the pipeline's tables). */
export interface Transaction {
  readonly end: BinlogPosition;
  readonly timestampMs: number;
  /** Its rows events of pipeline tables, still encoded (decoded by the consumer: see RowsBlock). */
  readonly changes: readonly RowsBlock[];
  /** The DDL statement that ended a standalone group, when it touched a pipeline table's schema. */
  readonly ddl?: string;
}

export type BinlogItem = { readonly kind: 'tx'; readonly tx: Transaction; /** nothing else is queued: a good moment to hand over a batch */ readonly idle: boolean } | { readonly kind: 'caught-up'; readonly at: BinlogPosition; readonly serverTimeMs: number };

export interface BinlogStreamOptions {
  readonly connection: ConnectionSettings;
  readonly mariadb: boolean;
  readonly serverId: number;
  readonly tables: Readonly<Record<string, readonly string[]>>;
  readonly heartbeatIntervalMs: number;
  readonly reconnect: { readonly maxAttempts: number; readonly initialDelayMs: number; readonly maxDelayMs: number };
  readonly signal: AbortSignal;
  readonly log: Logger;
}

/** Most transactions buffered ahead of the consumer before the socket is paused. */
const HIGH_WATER = 2_000;
const LOW_WATER = 500;

/** Checks that `at` is still on the server; says a new snapshot is needed when it is purged. */
export async function checkNotPurged(c: ConnectionSettings, at: BinlogPosition): Promise<void> {
  const conn = await connect(c);
  try {
    const logs = await binaryLogs(conn);
    if (logs.some((l) => l.name === at.file)) return;
    const oldest = logs[0]?.name;
    if (oldest === undefined || compareBinlog(at, { file: oldest, pos: 4 }) < 0) {
      throw purgedError(at, oldest);
    }
    throw new MySqlSetupError(`binlog ${at.file} is not on the server (available: ${logs.map((l) => l.name).join(', ')}): is this the same server the pipeline read before? A new snapshot is needed: drop the pipeline's target tables (or use a new pipeline-id) and run again`);
  } finally {
    await conn.end().catch(() => undefined);
  }
}

function purgedError(at: BinlogPosition, oldest: string | undefined): MySqlSetupError {
  return new MySqlSetupError(
    `the binlog position ${formatBinlog(at)} the pipeline resumes from has been purged from the server (oldest binlog now: ${oldest ?? 'none'}): changes made since are lost to CDC, so a new snapshot is needed: drop the pipeline's target tables (or use a new pipeline-id) and run again with source.from: snapshot; raise expire_logs_days / binlog_expire_logs_seconds so the binlog outlives pipeline pauses`,
    { file: at.file, pos: at.pos },
  );
}

/**
 * Streams transactions after `start` (the end of the last transaction handed over before) until
 * `signal` aborts. Yields `caught-up` when idle at the binlog head.
 */
export async function* streamBinlog(start: BinlogPosition | { readonly gtidSet: string }, o: BinlogStreamOptions): AsyncGenerator<BinlogItem> {
  // The end of the last complete transaction handed over (unknown until the first one when
  // started from a GTID set, which then stays the reconnect point).
  let resumeAt: BinlogPosition | undefined = 'gtidSet' in start ? undefined : start;
  let attempt = 0;
  while (!o.signal.aborted) {
    const out = new Channel<Transaction | Error>(Number.MAX_SAFE_INTEGER);
    let file = resumeAt?.file ?? '';
    let gtid: string | undefined;
    let open: RowsBlock[] = [];
    // Where the stream is between transactions (undefined inside one): a clean resume point.
    let between: BinlogPosition | undefined = resumeAt;
    let client: BinlogClient | undefined = undefined;
    const onEvent = (e: BinlogEvent): void => {
      switch (e.type) {
        case 'rotate':
          file = e.file;
          if (between) between = { file, pos: e.pos };
          return;
        case 'gtid':
          gtid = e.gtid;
          open = [];
          between = undefined;
          return;
        case 'begin':
          open = [];
          between = undefined;
          return;
        case 'other':
          if (between && e.nextPos > 0) between = { file, pos: e.nextPos };
          return;
        case 'rows':
          open.push(e.block);
          return;
        case 'commit': {
          const ddl = e.query !== undefined && !/^\s*COMMIT\b/i.test(e.query) && touches(e.query, o.tables) ? e.query : undefined;
          out.pushNow({ end: { file, pos: e.nextPos, ...(gtid ? { gtid } : {}) }, timestampMs: e.timestampMs, changes: open, ...(ddl ? { ddl } : {}) });
          open = [];
          between = { file, pos: e.nextPos };
          if (out.size > HIGH_WATER) client?.pause();
        }
      }
    };
    const onError = (err: Error): void => out.pushNow(err);
    const clientOptions: BinlogClientOptions = { ...o.connection, serverId: o.serverId, start: resumeAt ? { file: resumeAt.file, pos: resumeAt.pos } : start, tables: o.tables, mariadb: o.mariadb };
    client = new BinlogClient(clientOptions, onEvent, onError);
    client.start();
    let lastActivity = Date.now();
    try {
      for (;;) {
        if (o.signal.aborted) return;
        const next = await out.next(Math.min(250, o.heartbeatIntervalMs));
        if (next === undefined) break;
        if (next === 'timeout') {
          if (Date.now() - lastActivity < o.heartbeatIntervalMs) continue;
          lastActivity = Date.now();
          // Nothing queued and not inside a transaction: the stream position is where
          // everything read so far ends (past any events that follow the last transaction).
          const at = between && out.size === 0 && (!resumeAt || compareBinlog(between, resumeAt) >= 0) ? between : resumeAt;
          const head = at ? await caughtUp(o, at) : undefined;
          if (head && at) {
            resumeAt = at;
            yield { kind: 'caught-up', at, serverTimeMs: head.serverTimeMs };
          }
          continue;
        }
        const item = next.item;
        if (item instanceof Error) throw item;
        if (out.size < LOW_WATER) client.resume();
        lastActivity = Date.now();
        attempt = 0;
        resumeAt = item.end;
        yield { kind: 'tx', tx: item, idle: out.size === 0 };
      }
    } catch (err) {
      if (o.signal.aborted) return;
      if (errorCode(err) === 'ER_MASTER_FATAL_ERROR_READING_BINLOG' || /could not find first log file|purged binlog/i.test(String((err as Error).message))) {
        if (resumeAt) await checkNotPurged(o.connection, resumeAt);
        throw new MySqlSetupError(`reading the binlog at ${resumeAt ? formatBinlog(resumeAt) : JSON.stringify(start)} failed: ${(err as Error).message}`);
      }
      if (!isRetriable(err)) throw err;
      attempt++;
      if (o.reconnect.maxAttempts > 0 && attempt > o.reconnect.maxAttempts) {
        throw new MySqlSetupError(`lost the binlog connection and ${o.reconnect.maxAttempts} reconnects failed (last: ${(err as Error).message}); raise source.reconnect.max-attempts (0: forever) or check the server`);
      }
      const delay = Math.min(o.reconnect.maxDelayMs, o.reconnect.initialDelayMs * 2 ** (attempt - 1));
      o.log.warn('binlog connection lost, reconnecting', { error: (err as Error).message, attempt, delayMs: delay, resumeAt: resumeAt ? formatBinlog(resumeAt) : JSON.stringify(start) });
      await sleep(delay, o.signal);
    } finally {
      client.stop();
      out.close();
    }
  }
}

/** At the head: the server's binlog ends where the last transaction handed over ended. */
async function caughtUp(o: BinlogStreamOptions, at: BinlogPosition): Promise<{ serverTimeMs: number } | undefined> {
  const c = await connect(o.connection).catch(() => undefined);
  if (!c) return undefined;
  try {
    // Time first: every transaction committed before it is in the binlog up to the head read after.
    const serverTimeMs = await serverNowMs(c);
    const head = await masterStatus(c, o.mariadb);
    return compareBinlog(head, at) <= 0 ? { serverTimeMs } : undefined;
  } catch {
    return undefined;
  } finally {
    await c.end().catch(() => undefined);
  }
}

function touches(query: string, tables: Readonly<Record<string, readonly string[]>>): boolean {
  if (!/^\s*(ALTER|CREATE|DROP|RENAME|TRUNCATE)\b/i.test(query)) return false;
  return Object.values(tables).some((ts) => ts.some((t) => query.includes(t)));
}

async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>((r) => {
    const t = setTimeout(r, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      r();
    }, { once: true });
  });
}
