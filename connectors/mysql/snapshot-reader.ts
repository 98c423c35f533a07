/**
 * The full load: reads each table in primary-key chunks by keyset pagination
 * (`WHERE (a, b) > (?, ?) ORDER BY a, b LIMIT chunk-size`), streaming rows (never a whole
 * chunk or table in memory beyond the page being handed over). Tables are handed over in
 * discovery order, because snapshot positions are ordered by (table, key) and a batch position
 * says "everything before it is covered"; `parallelism` readers prefetch the next tables on
 * their own connections meanwhile (a bounded number of pages each).
 */
import type { Connection as CallbackConnection } from 'mysql2';
import type mysql from 'mysql2/promise';
import type { Logger } from '../../src/logging/logger.js';
import { Channel } from './channel.js';
import { connect, queryRows, type ConnectionSettings } from './connection.js';
import type { MySqlTable } from './discovery.js';
import type { BinlogPosition, KeyPart } from './position.js';
import { approxRowBytes, type RateLimiter } from './rate-limiter.js';

export interface SnapshotTablePlan {
  readonly index: number;
  readonly table: MySqlTable;
  /** Chunking key (the primary key, or `key-columns`); empty: read unchunked in one query. */
  readonly keyColumns: readonly string[];
  /** Resume after this key (a restart inside this table). */
  readonly after?: readonly KeyPart[];
  /** Unchunked tables: rows already handed over before the restart. */
  readonly skipRows?: number;
}

export interface SnapshotRow {
  readonly raw: Record<string, unknown>;
  readonly key: readonly KeyPart[];
  /** 1-based row number within an unchunked table. */
  readonly row?: number;
}

export interface SnapshotPage {
  readonly plan: SnapshotTablePlan;
  /** Empty only for the one page of an empty table (it still carries the view). */
  readonly rows: readonly SnapshotRow[];
  /** The binlog position the table's read view matches (MariaDB); undefined: no consistent view. */
  readonly view?: BinlogPosition;
}

export interface SnapshotReaderOptions {
  readonly connection: ConnectionSettings;
  readonly chunkSize: number;
  readonly pageSize: number;
  readonly parallelism: number;
  readonly limiter: RateLimiter;
  /** Estimated bytes (approxRowBytes); disabled when 0. */
  readonly byteLimiter?: RateLimiter;
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** How each table's consistent read view gets its binlog position (see openReadView). */
  readonly readView: ReadViewMode;
}

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'year', 'bit']);
const BINARY_TYPES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);

export function quoteId(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** A key value as a position stores it: integers exact, binary as hex, the rest as text. */
export function keyPartOf(table: MySqlTable, column: string, raw: unknown): KeyPart {
  if (raw === null || raw === undefined) return null;
  const type = table.mysqlColumns.find((c) => c.name === column)?.dataType ?? '';
  if (INTEGER_TYPES.has(type) && (typeof raw === 'number' || typeof raw === 'string' || typeof raw === 'bigint') && type !== 'bit') return BigInt(raw);
  if (raw instanceof Uint8Array) return Buffer.from(raw).toString('hex');
  return String(raw);
}

/** A position's key part as a query parameter. */
function keyParam(plan: SnapshotTablePlan, column: string, part: KeyPart): unknown {
  if (part === null) return null;
  const type = plan.table.mysqlColumns.find((c) => c.name === column)?.dataType ?? '';
  if (BINARY_TYPES.has(type) || type === 'bit') return Buffer.from(String(part), 'hex');
  return typeof part === 'bigint' ? part.toString() : part;
}

/**
 * The select list of a table. FLOAT is read as DOUBLE: the text protocol prints FLOAT with 6
 * significant digits (15.3333 for the float32 15.333333...), while the binlog carries its exact
 * bits; `+ 0e0` widens it exactly, so both paths give the same float value.
 */
export function selectList(table: MySqlTable): string {
  return table.mysqlColumns.map((c) => (c.dataType === 'float' ? `(${quoteId(c.name)} + 0e0) AS ${quoteId(c.name)}` : quoteId(c.name))).join(', ');
}

function chunkSql(plan: SnapshotTablePlan, after: readonly KeyPart[] | undefined, limit: number): { sql: string; params: unknown[] } {
  const from = `${quoteId(plan.table.db)}.${quoteId(plan.table.table)}`;
  const cols = selectList(plan.table);
  const keys = plan.keyColumns.map(quoteId);
  const order = keys.join(', ');
  if (!after) return { sql: `SELECT ${cols} FROM ${from} ORDER BY ${order} LIMIT ${limit}`, params: [] };
  const params = after.map((p, i) => keyParam(plan, plan.keyColumns[i]!, p));
  // A single key column uses a plain range; a composite one the row comparison, which both
  // MySQL and MariaDB turn into an index range scan.
  const where = keys.length === 1 ? `${keys[0]} > ?` : `(${keys.join(', ')}) > (${keys.map(() => '?').join(', ')})`;
  return { sql: `SELECT ${cols} FROM ${from} WHERE ${where} ORDER BY ${order} LIMIT ${limit}`, params };
}

/** Rows buffered before the stream is paused (and the most one yielded batch holds). */
const STREAM_BATCH = 1000;

/**
 * A query's rows in the batches that arrived together: one await per batch, not per row (a
 * per-row async iterator cost more than decoding the row).
 */
async function* streamRows(c: mysql.Connection, sql: string, params: unknown[]): AsyncGenerator<Record<string, unknown>[]> {
  // The promise wrapper's underlying callback connection (untyped in mysql2's .d.ts) streams
  // with backpressure: pausing the stream pauses the socket.
  const core = (c as unknown as { connection: CallbackConnection }).connection;
  const stream = core.query(sql, params).stream({ highWaterMark: STREAM_BATCH });
  let rows: Record<string, unknown>[] = [];
  let ended = false;
  let error: unknown;
  let wake: (() => void) | undefined;
  stream.on('data', (row: Record<string, unknown>) => {
    rows.push(row);
    if (rows.length >= STREAM_BATCH) stream.pause();
    wake?.();
  });
  stream.once('end', () => {
    ended = true;
    wake?.();
  });
  stream.once('error', (err: unknown) => {
    error = err;
    wake?.();
  });
  try {
    for (;;) {
      if (rows.length > 0) {
        const batch = rows;
        rows = [];
        stream.resume();
        yield batch;
        continue;
      }
      if (error !== undefined) throw error;
      if (ended) return;
      await new Promise<void>((r) => (wake = r));
      wake = undefined;
    }
  } finally {
    stream.destroy();
  }
}

/** `status`: the server reports the view's position (MariaDB); `lock`: read under a global read lock (MySQL); `none`: no position. */
export type ReadViewMode = 'status' | 'lock' | 'none';

/**
 * Opens one REPEATABLE READ transaction whose read view all of the table's chunk queries share,
 * and returns the binlog position that view matches:
 * - `status`: MariaDB reports it exactly (`binlog_snapshot_file/position`, set by START
 *   TRANSACTION WITH CONSISTENT SNAPSHOT: view and position are taken under the same commit
 *   lock). Undefined when the server reports none (binlog off: initial-only needs none).
 * - `lock`: as mysqldump --single-transaction --master-data: under FLUSH TABLES WITH READ LOCK
 *   no transaction can commit, so the view opened and the binlog head read there match. The
 *   lock is held for those two statements only (it waits for running writes to finish first;
 *   needs the RELOAD privilege).
 * - `none`: a consistent view without a position.
 */
export async function openReadView(c: mysql.Connection, mode: ReadViewMode): Promise<BinlogPosition | undefined> {
  await c.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  if (mode === 'lock') {
    await c.query('FLUSH TABLES WITH READ LOCK');
    try {
      await c.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
      const rows = await queryRows<{ File: string; Position: string | number }>(c, 'SHOW MASTER STATUS');
      const r = rows[0];
      return r ? { file: r.File, pos: Number(r.Position) } : undefined;
    } finally {
      await c.query('UNLOCK TABLES');
    }
  }
  await c.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
  if (mode === 'none') return undefined;
  const rows = await queryRows<{ Variable_name: string; Value: string }>(c, "SHOW SESSION STATUS LIKE 'binlog_snapshot_%'");
  const v = Object.fromEntries(rows.map((r) => [r.Variable_name.toLowerCase(), String(r.Value)]));
  const file = v.binlog_snapshot_file ?? '';
  const pos = Number(v.binlog_snapshot_position ?? 0);
  return file !== '' && pos > 0 ? { file, pos } : undefined;
}

/** Reads one table into `out`, a page at a time. */
async function readTable(c: mysql.Connection, plan: SnapshotTablePlan, o: SnapshotReaderOptions, out: Channel<SnapshotPage>): Promise<void> {
  const view = await openReadView(c, o.readView);
  let page: SnapshotRow[] = [];
  let pages = 0;
  const flush = async (): Promise<void> => {
    if (page.length === 0 && pages > 0) return;
    await o.limiter.take(page.length, o.signal);
    if (o.byteLimiter?.enabled) {
      let bytes = 0;
      for (const r of page) bytes += approxRowBytes(r.raw);
      await o.byteLimiter.take(bytes, o.signal);
    }
    await out.push({ plan, rows: page, ...(view ? { view } : {}) });
    pages++;
    page = [];
  };
  if (plan.keyColumns.length === 0) {
    // No key: one unchunked scan (append mode); rows are numbered so a restart can skip.
    let n = 0;
    for await (const rows of streamRows(c, `SELECT ${selectList(plan.table)} FROM ${quoteId(plan.table.db)}.${quoteId(plan.table.table)}`, [])) for (const raw of rows) {
      n++;
      if (n <= (plan.skipRows ?? 0)) continue;
      page.push({ raw, key: [], row: n });
      if (page.length >= o.pageSize) await flush();
      if (o.signal.aborted) return;
    }
    await flush();
    return;
  }
  let after = plan.after;
  for (;;) {
    const { sql, params } = chunkSql(plan, after, o.chunkSize);
    let count = 0;
    let last: SnapshotRow | undefined;
    for await (const rows of streamRows(c, sql, params)) for (const raw of rows) {
      count++;
      last = { raw, key: plan.keyColumns.map((k) => keyPartOf(plan.table, k, raw[k])) };
      page.push(last);
      if (page.length >= o.pageSize) await flush();
      if (o.signal.aborted) return;
    }
    await flush();
    if (count < o.chunkSize || !last) return;
    after = last.key;
  }
}

/** Pages of every planned table, table after table, with up to `parallelism` tables read ahead. */
export async function* readSnapshot(plans: readonly SnapshotTablePlan[], o: SnapshotReaderOptions): AsyncGenerator<SnapshotPage> {
  const channels = plans.map(() => new Channel<SnapshotPage>(2));
  const connections: mysql.Connection[] = [];
  let running = 0;
  const pending: number[] = plans.map((_p, i) => i);
  const startMore = (): void => {
    while (running < o.parallelism && pending.length > 0) {
      const i = pending.shift()!;
      running++;
      void (async () => {
        let c: mysql.Connection | undefined;
        try {
          c = await connect(o.connection);
          connections.push(c);
          await readTable(c, plans[i]!, o, channels[i]!);
          await c.query('COMMIT');
          channels[i]!.close();
        } catch (err) {
          channels[i]!.close(err);
        } finally {
          await c?.end().catch(() => undefined);
          running--;
          startMore();
        }
      })();
    }
  };
  try {
    startMore();
    for (let i = 0; i < plans.length; i++) {
      const plan = plans[i]!;
      o.log.info('snapshot: reading table', { table: plan.table.name, chunkSize: o.chunkSize, chunked: plan.keyColumns.length > 0 });
      for (;;) {
        const next = await channels[i]!.next();
        if (!next || next === 'timeout') break;
        yield next.item;
        if (o.signal.aborted) return;
      }
    }
  } finally {
    for (const ch of channels) ch.close();
    await Promise.all(connections.map((c) => c.end().catch(() => undefined)));
  }
}
