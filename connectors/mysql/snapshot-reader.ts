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
import { connect, type ConnectionSettings } from './connection.js';
import type { MySqlTable } from './discovery.js';
import type { KeyPart } from './position.js';
import type { RateLimiter } from './rate-limiter.js';

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
  readonly rows: readonly SnapshotRow[];
}

export interface SnapshotReaderOptions {
  readonly connection: ConnectionSettings;
  readonly chunkSize: number;
  readonly pageSize: number;
  readonly parallelism: number;
  readonly limiter: RateLimiter;
  readonly signal: AbortSignal;
  readonly log: Logger;
}

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'year', 'bit']);
const BINARY_TYPES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);

export function quoteId(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** A key value as a position stores it: integers exact, binary as hex, the rest as text. */
function keyPartOf(plan: SnapshotTablePlan, column: string, raw: unknown): KeyPart {
  if (raw === null || raw === undefined) return null;
  const type = plan.table.mysqlColumns.find((c) => c.name === column)?.dataType ?? '';
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

async function* streamRows(c: mysql.Connection, sql: string, params: unknown[]): AsyncGenerator<Record<string, unknown>> {
  // The promise wrapper's underlying callback connection (untyped in mysql2's .d.ts) streams
  // with backpressure.
  const core = (c as unknown as { connection: CallbackConnection }).connection;
  const stream = core.query(sql, params).stream({ highWaterMark: 1000 });
  try {
    for await (const row of stream) yield row as Record<string, unknown>;
  } finally {
    stream.destroy();
  }
}

/** Reads one table into `out`, a page at a time. */
async function readTable(c: mysql.Connection, plan: SnapshotTablePlan, o: SnapshotReaderOptions, out: Channel<SnapshotPage>): Promise<void> {
  let page: SnapshotRow[] = [];
  const flush = async (): Promise<void> => {
    if (page.length === 0) return;
    await o.limiter.take(page.length, o.signal);
    await out.push({ plan, rows: page });
    page = [];
  };
  if (plan.keyColumns.length === 0) {
    // No key: one unchunked scan (append mode); rows are numbered so a restart can skip.
    let n = 0;
    for await (const raw of streamRows(c, `SELECT ${selectList(plan.table)} FROM ${quoteId(plan.table.db)}.${quoteId(plan.table.table)}`, [])) {
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
    for await (const raw of streamRows(c, sql, params)) {
      count++;
      last = { raw, key: plan.keyColumns.map((k) => keyPartOf(plan, k, raw[k])) };
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
