/**
 * The MySQL/MariaDB CDC source: an optional full load (snapshot.ts order: P0 first, then
 * chunked table reads) followed by the binlog from P0 (binlog-stream.ts), as ChangeBatches.
 * Positions and their total order: position.ts. Types: type-mapping.ts.
 */
import { createHash } from 'node:crypto';
import { ConfigError } from '../../src/errors.js';
import { stringifyJson, type JsonValue } from '../../src/iceberg/spec/lossless-json.js';
import { typeToString, type IcebergType } from '../../src/iceberg/spec/types.js';
import { silentLogger, type Logger } from '../../src/logging/logger.js';
import type { MySqlSourceConfig, PipelineConfig, TableConfig } from '../../src/pipeline/config.js';
import { matchTable, resolveTableMode } from '../../src/pipeline/config.js';
import type { ReadOptions, Source, SourceTable } from '../../src/pipeline/source.js';
import type { ChangeBatch, ChangeEvent, RowValues, SourcePosition } from '../../src/sink/change-event.js';
import { checkNotPurged, streamBinlog, type Transaction } from './binlog-stream.js';
import { connect, type ConnectionSettings } from './connection.js';
import { discoverTables, filterOf, type MySqlTable } from './discovery.js';
import { MySqlSetupError } from './errors.js';
import {
  binlogPosition, compareBinlog, compareMySqlPositions, formatBinlog, toMySqlPosition, viewsJson, type BinlogPosition, type KeyPart, type SnapshotPosition,
} from './position.js';
import { RateLimiter } from './rate-limiter.js';
import type { RowsBlock } from './binlog/binlog-event.js';
import { keyPartOfValue } from './binlog/key-parts.js';
import { loggedColumnSlots, RowImageDecoder } from './binlog/row-image-decoder.js';
import type { TableMap } from './binlog/table-map.js';
import { binaryLogs, binlogProblems, masterStatus, serverInfo, serverNowMs, type ServerInfo } from './server-checks.js';
import { pageInserts } from './snapshot/page-inserts.js';
import { ReaderPool } from './snapshot/reader-pool.js';
import type { ReadTask, ReadViewMode } from './snapshot/reader-protocol.js';
import { snapshotTasks, type TablePlan } from './snapshot/snapshot-tasks.js';
import { resumeTable } from './snapshot-resume.js';
import { alreadySnapshotted, keylessAlreadySnapshotted, liveViews, withView, type SnapshotView } from './snapshot-views.js';

export interface MySqlSourceOptions {
  readonly config: MySqlSourceConfig;
  readonly tables: readonly TableConfig[];
  readonly pipelineId: string;
  readonly log?: Logger;
}

/** Where read() starts, once `from` and the configured start are resolved. */
type Plan =
  | { readonly kind: 'snapshot'; readonly resume?: SnapshotPosition }
  | {
    readonly kind: 'binlog';
    readonly at: BinlogPosition | { readonly gtidSet: string };
    readonly notBeforeMs?: number;
    /** Consistent snapshot views whose changes the replay from P0 skips (snapshot-views.ts). */
    readonly views?: readonly SnapshotView[];
  };

/**
 * Read-view segments one table may record in one run of a parallel full load (chunks read in
 * different views); past it, the table's later chunks replay every change (an upsert table
 * converges), so positions stay small.
 */
const MAX_SEGMENTS = 16;
/** rediscover: how often and how long to wait for a table a concurrent ALTER has renamed away (5 s in all). */
const REDISCOVER_ATTEMPTS = 50;
const REDISCOVER_RETRY_MS = 100;

/** The anchor of a full load from a server without a binlog (initial-only): no position to replay from. */
const NO_BINLOG: BinlogPosition = { file: '(no binlog)', pos: 0 };

export class MySqlSource implements Source {
  readonly name: string;
  private readonly log: Logger;
  private tables: MySqlTable[] | undefined;
  /** Discovery index and chunking key of each table, for views (positions name tables by index). */
  private tableKeys = new Map<string, { readonly index: number; readonly keyColumns: readonly string[] }>();
  /** Pipeline tables by name, for the binlog decoders. */
  private byName = new Map<string, MySqlTable>();
  private binlogDecoders = new WeakMap<TableMap, RowImageDecoder>();
  /** Table maps whose logged column names were checked against the server (checkLoggedColumns). */
  private checkedMaps = new WeakSet<TableMap>();
  private info: ServerInfo | undefined;

  constructor(private readonly o: MySqlSourceOptions) {
    this.name = o.config.path;
    this.log = o.log ?? silentLogger;
  }

  private get connection(): ConnectionSettings {
    const c = this.o.config;
    return { host: c.host, port: c.port, user: c.user, ...(c.password !== undefined ? { password: c.password } : {}) };
  }

  /** Replica id of the binlog connection: configured, or derived from the pipeline id (stable across restarts). */
  private get serverId(): number {
    if (this.o.config.serverId !== undefined) return this.o.config.serverId;
    return 10_000 + (createHash('sha256').update(this.o.pipelineId).digest().readUInt32BE(0) % 1_000_000_000);
  }

  private needsBinlog(): boolean {
    const c = this.o.config;
    return !(c.from.kind === 'snapshot' && c.snapshot.mode === 'initial-only');
  }

  async discover(): Promise<SourceTable[]> {
    const c = await connect(this.connection, this.name);
    try {
      this.info = await serverInfo(c);
      if (this.needsBinlog()) {
        const problems = binlogProblems(this.info);
        if (problems.length > 0) throw new MySqlSetupError(`${this.name} (${this.info.version}) cannot be read by CDC:\n  - ${problems.join('\n  - ')}`);
      }
      const tables = await discoverTables(c, filterOf(this.o.tables));
      for (const t of this.o.tables) {
        const m = t.match;
        if (m.kind === 'exact' && !tables.some((x) => x.name === m.name)) {
          throw new ConfigError(`source table ${m.name} does not exist on ${this.name} (or the user cannot see it: GRANT SELECT ON ${m.name} TO the pipeline's user)`, { table: m.name });
        }
      }
      this.tables = tables.map((t) => this.withDeclaredTypes(t));
      this.tableKeys = new Map(this.tables.map((t, index) => [t.name, { index, keyColumns: this.keyColumnsOf(t) }]));
      this.byName = new Map(this.tables.map((t) => [t.name, t]));
      return this.tables;
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  /** The chunking key: `key-columns` (without columns the pipeline adds, e.g. shard columns) or the primary key. */
  private keyColumnsOf(t: MySqlTable): readonly string[] {
    const configured = matchTable(this.o.tables, t.name)?.table.keyColumns?.filter((k) => t.mysqlColumns.some((c) => c.name === k));
    return configured && configured.length > 0 ? configured : t.primaryKey;
  }

  /** `tables[].columns` may override a column's Iceberg type (e.g. TIME as string). */
  private withDeclaredTypes(t: MySqlTable): MySqlTable {
    const declared = matchTable(this.o.tables, t.name)?.table.columns;
    if (!declared) return t;
    const byName = new Map<string, IcebergType>(declared.map((d) => [d.name, d.type]));
    return { ...t, columns: t.columns.map((c) => (byName.has(c.name) ? { ...c, type: byName.get(c.name)! } : c)) };
  }

  comparePositions(a: SourcePosition, b: SourcePosition): number {
    return compareMySqlPositions(toMySqlPosition(a), toMySqlPosition(b));
  }

  async close(): Promise<void> {
    // Connections are owned by read(); nothing stays open between reads.
  }

  async *read(from: SourcePosition | undefined, opts: ReadOptions): AsyncGenerator<ChangeBatch> {
    if (!this.tables) await this.discover();
    const plan = await this.plan(from);
    let binlogStart: Plan & { kind: 'binlog' };
    if (plan.kind === 'snapshot') {
      // A fresh load's watermark: every change committed before the clock read precedes P0,
      // read after it, so the load holds it (a resumed load's comes with the binlog's head).
      const fresh = plan.resume === undefined && this.binlogOn() ? await this.headAndTime() : undefined;
      const p0 = plan.resume?.snapshot ?? fresh?.at ?? NO_BINLOG;
      this.log.info('snapshot starting', { at: formatBinlog(p0), resume: plan.resume !== undefined, tables: this.tables!.length });
      const views = yield* this.snapshot(p0, plan.resume, opts);
      if (opts.signal.aborted) return;
      if (this.o.config.snapshot.mode === 'initial-only') return;
      // The switch: everything of the snapshot is handed over; the binlog continues from P0,
      // skipping what each table's read view already holds.
      yield { events: [], position: binlogPosition(p0, viewsJson(views)), phase: 'incremental', ...(fresh ? { watermarkMs: fresh.serverTimeMs } : {}) };
      binlogStart = { kind: 'binlog', at: p0, views };
    } else {
      binlogStart = plan;
    }
    yield* this.binlog(binlogStart, opts);
  }

  /**
   * How read views get their binlog position: `auto` is `status` on MariaDB and, on MySQL,
   * `lock` when the user may FLUSH TABLES WITH READ LOCK (RELOAD), else `none` with a warning.
   */
  private async readViewMode(configured: 'auto' | 'status' | 'lock' | 'none'): Promise<ReadViewMode> {
    if (configured !== 'auto') return configured;
    if (this.info?.mariadb ?? true) return 'status';
    const c = await connect(this.connection, this.name);
    try {
      await c.query('FLUSH TABLES WITH READ LOCK');
      await c.query('UNLOCK TABLES');
      return 'lock';
    } catch (err) {
      this.log.warn('snapshot: the binlog position of a read view needs FLUSH TABLES WITH READ LOCK (GRANT RELOAD ON *.* TO the pipeline user) on MySQL; without it rows written while the snapshot runs are replayed from P0: upsert tables converge, append tables may hold such rows twice', { error: err instanceof Error ? err.message : String(err) });
      return 'none';
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  /** Whether the server writes a binlog (initial-only loads may run against one that does not). */
  private binlogOn(): boolean {
    const v = (this.info?.variables.log_bin ?? 'ON').toUpperCase();
    return v === 'ON' || v === '1';
  }

  /** The server's clock, then its binlog head. */
  private async headAndTime(): Promise<{ at: BinlogPosition; serverTimeMs: number }> {
    const c = await connect(this.connection, this.name);
    try {
      const serverTimeMs = await serverNowMs(c);
      return { at: await masterStatus(c, this.info?.mariadb ?? true), serverTimeMs };
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  private async head(): Promise<BinlogPosition> {
    const c = await connect(this.connection, this.name);
    try {
      return await masterStatus(c, this.info?.mariadb ?? true);
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  private async plan(from: SourcePosition | undefined): Promise<Plan> {
    if (from !== undefined) {
      const p = toMySqlPosition(from);
      return p.kind === 'snapshot' ? { kind: 'snapshot', resume: p.at } : { kind: 'binlog', at: p.at, ...(p.views ? { views: p.views } : {}) };
    }
    const f = this.o.config.from;
    switch (f.kind) {
      case 'snapshot':
        return this.o.config.snapshot.mode === 'never' ? { kind: 'binlog', at: await this.head() } : { kind: 'snapshot' };
      case 'latest':
        return { kind: 'binlog', at: await this.head() };
      case 'position':
        return { kind: 'binlog', at: { file: f.file, pos: f.pos } };
      case 'gtid':
        return { kind: 'binlog', at: { gtidSet: f.gtidSet } };
      case 'earliest':
      case 'timestamp': {
        const c = await connect(this.connection, this.name);
        try {
          const first = (await binaryLogs(c))[0];
          if (!first) throw new MySqlSetupError(`${this.name} has no binary logs: turn the binary log on (log_bin)`);
          return { kind: 'binlog', at: { file: first.name, pos: 4 }, ...(f.kind === 'timestamp' ? { notBeforeMs: f.ms } : {}) };
        } finally {
          await c.end().catch(() => undefined);
        }
      }
    }
  }

  /**
   * Whether replaying a source table's changes made while its snapshot ran must skip exactly
   * what its rows hold (append mirrors, changelog tables), rather than converge by upserting
   * them again (upsert mirrors). Only the latter may be read by several views at once.
   */
  private needsExactReplay(t: MySqlTable): boolean {
    const cfg = matchTable(this.o.tables, t.name)?.table;
    return !cfg || cfg.changelogTable !== undefined || resolveTableMode(cfg, this.keyColumnsOf(t)) === 'append';
  }

  /** The full load; returns the tables' read views for the binlog replay. */
  private async *snapshot(p0: BinlogPosition, resume: SnapshotPosition | undefined, opts: ReadOptions): AsyncGenerator<ChangeBatch, readonly SnapshotView[]> {
    const { signal } = opts;
    const tables = this.tables!;
    const cfg = this.o.config.snapshot;
    const sourceTsMs = Date.now();
    const plans: TablePlan[] = [];
    const readView = await this.readViewMode(cfg.readView);
    let views: readonly SnapshotView[] = resume?.views ?? [];
    // Per table: where its new read view's segment starts (null: record none; see snapshot-resume.ts).
    const segments = new Map<number, { readonly after?: readonly KeyPart[] } | null>();
    tables.forEach((table, index) => {
      if (resume && index < resume.table) return;
      const keyColumns = this.keyColumnsOf(table);
      let at: { after?: readonly KeyPart[]; skipRows?: number } = {};
      if (resume) {
        const hinted = opts.committedFor?.(table.name).map((c) => (c === undefined ? undefined : toMySqlPosition(c)));
        // Without the sink's word, the resume position stands for the table it is in.
        const committed = hinted ?? (index === resume.table ? [{ kind: 'snapshot' as const, at: resume }] : []);
        const r = resumeTable(index, resume.snapshot, committed, views);
        views = r.merged;
        if (r.skip) return;
        segments.set(index, r.segment);
        at = { ...(r.after ? { after: r.after } : {}), ...(r.skipRows !== undefined ? { skipRows: r.skipRows } : {}) };
      }
      // Expected for a keyless table (append mode), so not a warning on a happy-path run.
      if (keyColumns.length === 0) this.log.info('snapshot: table has no primary key and no key-columns: read in one unchunked scan (append mode)', { table: table.name });
      const parallel = cfg.parallelism > 1 && keyColumns.length > 0 && !this.needsExactReplay(table);
      plans.push({ index, table, keyColumns, ...at, parallel });
    });
    if (plans.length === 0) return views;
    const limiter = new RateLimiter(cfg.maxRowsPerSecond);
    const byteLimiter = new RateLimiter(cfg.maxBytesPerSecond);
    const workers = Math.max(1, Math.min(cfg.parallelism, plans.some((p) => p.parallel) ? cfg.parallelism : plans.length));
    const pool = await ReaderPool.start({
      connection: this.connection,
      tables: plans.map((p) => ({ name: p.table.name, db: p.table.db, table: p.table.table, columns: p.table.mysqlColumns, targets: p.table.columns.map((c) => c.type), keyColumns: p.keyColumns })),
      readView,
      pageSize: Math.min(cfg.chunkSize, this.o.config.batchMaxEvents),
      chunkSize: cfg.chunkSize,
    }, workers, this.name);
    let json = viewsJson(views);
    // This run's segments per table: the last one's view (a chunk read in the same view needs
    // none of its own) and how many; past MAX_SEGMENTS a table's later chunks replay in full.
    const recorded = new Map<number, { at: BinlogPosition; count: number } | 'capped'>();
    const record = (plan: TablePlan, task: ReadTask, view: BinlogPosition): void => {
      const segment = segments.has(plan.index) ? segments.get(plan.index)! : {};
      const r = recorded.get(plan.index);
      if (segment === null || r === 'capped' || (r && compareBinlog(r.at, view) === 0)) return;
      const after = r ? task.after : segment.after;
      if (r && r.count >= MAX_SEGMENTS) {
        views = withView(views, { table: plan.index, at: p0, ...(after ? { after } : {}) });
        recorded.set(plan.index, 'capped');
      } else {
        views = withView(views, { table: plan.index, at: view, ...(after ? { after } : {}) });
        recorded.set(plan.index, { at: view, count: (r?.count ?? 0) + 1 });
      }
      json = viewsJson(views);
    };
    const rowsBefore = new Map<number, number>();
    try {
      let current: ReadTask | undefined;
      for await (const { task, page } of pool.pages(snapshotTasks(plans, { connection: this.connection, chunkSize: cfg.chunkSize, where: this.name }), signal)) {
        const plan = plans[task.table]!;
        if (task !== current) {
          if (current?.table !== task.table) this.log.info('snapshot: reading table', { table: plan.table.name, chunkSize: cfg.chunkSize, chunked: plan.keyColumns.length > 0, parallel: plan.parallel });
          current = task;
          if (page.view) record(plan, task, page.view);
        }
        if (page.rows === 0) continue;
        await limiter.take(page.rows, signal);
        await byteLimiter.take(page.bytes, signal);
        const before = rowsBefore.get(plan.index) ?? plan.skipRows ?? 0;
        rowsBefore.set(plan.index, before + page.rows);
        const inserts = pageInserts(page, { plan, snapshot: p0, views: json, sourceTsMs, rowsBefore: before });
        yield { events: [], inserts, position: inserts.positionOf(inserts.length - 1), phase: 'snapshot' };
        if (signal.aborted) break;
      }
    } finally {
      await pool.close();
    }
    return views;
  }

  private async *binlog(start: Plan & { kind: 'binlog' }, opts: ReadOptions): AsyncGenerator<ChangeBatch> {
    if (!('gtidSet' in start.at)) await checkNotPurged(this.connection, start.at);
    const byDb: Record<string, string[]> = {};
    for (const t of this.tables!) (byDb[t.db] ??= []).push(t.table);
    let events: ChangeEvent[] = [];
    let last: BinlogPosition | undefined;
    let watermark: number | undefined;
    let views = start.views ?? [];
    let json = viewsJson(views);
    const passed = (at: BinlogPosition): void => {
      const live = liveViews(views, at);
      if (live !== views) {
        views = live;
        json = viewsJson(views);
      }
    };
    const flush = (): ChangeBatch => {
      const b: ChangeBatch = { events, position: binlogPosition(last!, json), phase: 'incremental', ...(watermark !== undefined ? { watermarkMs: watermark } : {}) };
      events = [];
      return b;
    };
    const stream = streamBinlog(start.at, {
      connection: this.connection,
      mariadb: this.info?.mariadb ?? true,
      serverId: this.serverId,
      tables: byDb,
      heartbeatIntervalMs: this.o.config.heartbeatIntervalMs,
      reconnect: this.o.config.reconnect,
      signal: opts.signal,
      log: this.log,
    });
    for await (const item of stream) {
      if (item.kind === 'caught-up') {
        if (events.length > 0) yield flush();
        last = item.at;
        passed(item.at);
        // At the head: every transaction committed before the server's clock read is in.
        watermark = Math.max(watermark ?? 0, item.serverTimeMs);
        yield flush();
        if (opts.untilDrained) return;
        continue;
      }
      const tx = item.tx;
      last = tx.end;
      // Views decide about this transaction, then those it passed are dropped from positions.
      const txViews = views;
      passed(tx.end);
      if (start.notBeforeMs === undefined || tx.timestampMs >= start.notBeforeMs) {
        await this.checkLoggedColumns(tx, opts.signal);
        // A loop, not push(...): one transaction may hold millions of rows.
        for (const e of this.txEvents(tx, txViews)) events.push(e);
        if (tx.changes.length > 0) {
          // Binlog times are whole seconds: a later transaction may carry the same second.
          watermark = Math.max(watermark ?? 0, tx.timestampMs - 1);
        }
      }
      const truncated = tx.ddl ? this.truncatedBy(tx.ddl, tx.end, txViews) : [];
      if (truncated.length > 0) {
        // Rows before the TRUNCATE are committed first; then the targets are emptied.
        if (events.length > 0) yield flush();
        yield { events: [], position: binlogPosition(tx.end, json), phase: 'incremental', truncated: truncated.map((table) => ({ table, sourceTsMs: tx.timestampMs })) };
        continue;
      }
      if (tx.ddl) {
        const changed = await this.rediscover(tx.ddl, opts.signal);
        this.log.info('binlog: DDL on a pipeline table', { query: tx.ddl.slice(0, 200), at: formatBinlog(tx.end), changedTables: changed.map((t) => t.name) });
        if (changed.length > 0) {
          // A table whose snapshot was read after this DDL was read with the columns known at
          // discovery: its view cannot vouch for the new columns, so its changes all replay.
          const stale = new Set(changed.map((t) => this.tableKeys.get(t.name)?.index));
          if (txViews.some((v) => stale.has(v.table))) {
            views = views.filter((v) => !stale.has(v.table));
            json = viewsJson(views);
          }
          // Rows before the DDL go out first; the schema change reaches the sink before any
          // row that carries a new column (the DDL ends its own group in the binlog).
          if (events.length > 0) yield flush();
          yield { events: [], position: binlogPosition(tx.end, json), phase: 'incremental', schemaChanges: changed };
          continue;
        }
      }
      if (events.length >= this.o.config.batchMaxEvents || (item.idle && events.length > 0)) yield flush();
      if (opts.signal.aborted) return;
    }
  }

  /**
   * The pipeline tables a `TRUNCATE [TABLE] [db.]t` statement empties, leaving out those whose
   * snapshot was read after it (their rows already reflect it). A table name without a
   * database matches every pipeline table of that name.
   */
  private truncatedBy(ddl: string, end: BinlogPosition, views: readonly SnapshotView[]): string[] {
    const m = /^\s*TRUNCATE\s+(?:TABLE\s+)?(?:`((?:[^`]|``)+)`|([\w$]+))(?:\s*\.\s*(?:`((?:[^`]|``)+)`|([\w$]+)))?\s*;?\s*$/i.exec(ddl);
    if (!m) return [];
    const first = (m[1] ?? m[2] ?? '').replace(/``/g, '`');
    const second = m[3] ?? m[4];
    const [db, table] = second !== undefined ? [first, second.replace(/``/g, '`')] : [undefined, first];
    const out: string[] = [];
    for (const t of this.tables ?? []) {
      if (t.table !== table || (db !== undefined && t.db !== db)) continue;
      const index = this.tableKeys.get(t.name)?.index ?? -1;
      const segs = views.filter((v) => v.table === index).map((v) => v.at);
      const after = segs.filter((at) => compareBinlog(end, at) <= 0).length;
      if (segs.length > 0 && after === segs.length) continue; // read after the TRUNCATE: nothing to empty
      if (after > 0) {
        throw new MySqlSetupError(`${formatBinlog(end)}: ${t.name} was truncated while its snapshot was resumed in between (part of its rows were read before the TRUNCATE, part after): the target cannot be emptied exactly; start a new snapshot (drop the target table or use a new pipeline-id)`, { table: t.name });
      }
      out.push(t.name);
    }
    return out;
  }

  /**
   * Re-reads the columns of the pipeline tables a DDL statement names and returns those that
   * changed, with decoders switched to the new columns. The server's current schema is used:
   * a later DDL already applied there is picked up early (harmless for added columns and
   * widenings; connectors/mysql/README.md "DDL").
   */
  private async rediscover(ddl: string, signal: AbortSignal): Promise<MySqlTable[]> {
    const named = this.tables!.filter((t) => ddl.includes(t.table));
    if (named.length === 0) return [];
    const fresh = await this.currentTables(named.map((t) => t.name), signal);
    const changed: MySqlTable[] = [];
    for (const f of fresh.map((t) => this.withDeclaredTypes(t))) {
      const i = this.tables!.findIndex((t) => t.name === f.name);
      const old = this.tables![i]!;
      const sig = (t: MySqlTable) => stringifyJson(t.mysqlColumns.map((col) => [col.name, col.columnType, col.nullable, col.charset ?? null]) as unknown as JsonValue) + stringifyJson(t.columns.map((col) => [col.name, typeToString(col.type)]));
      if (sig(old) === sig(f)) continue;
      // Positions name tables by discovery index: the table keeps its place.
      this.tables![i] = f;
      this.byName.set(f.name, f);
      this.binlogDecoders = new WeakMap();
      this.checkedMaps = new WeakSet();
      this.tableKeys.set(f.name, { index: i, keyColumns: this.keyColumnsOf(f) });
      changed.push(f);
    }
    return changed;
  }

  /**
   * The server's current columns of the named tables. A later ALTER that copies a table (e.g.
   * MODIFY to a wider type) renames it away and back, and meanwhile INFORMATION_SCHEMA does not
   * list it: asked again every REDISCOVER_RETRY_MS until every named table is there (a dropped
   * one never comes back: REDISCOVER_ATTEMPTS bounds the wait).
   */
  private async currentTables(names: readonly string[], signal: AbortSignal): Promise<MySqlTable[]> {
    const c = await connect(this.connection, this.name);
    try {
      for (let attempt = 0; ; attempt++) {
        const fresh = await discoverTables(c, (name) => names.includes(name));
        if (fresh.length === names.length || attempt >= REDISCOVER_ATTEMPTS || signal.aborted) return fresh;
        await new Promise((r) => setTimeout(r, REDISCOVER_RETRY_MS));
      }
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  /**
   * A table map that logs a column the pipeline's columns lack: either the column was dropped
   * after the row was logged (the decoder steps over it) or a DDL adding it was missed (run
   * with `sql_log_bin=0`, or not recognised as naming the table), and the row's value would be
   * lost. The server's current columns tell which; a missed DDL stops the pipeline before any
   * of the rows are handed over. Checked once per table map.
   */
  private async checkLoggedColumns(tx: Transaction, signal: AbortSignal): Promise<void> {
    for (const block of tx.changes) {
      const map = block.map;
      if (!map.columnNames || this.checkedMaps.has(map)) continue;
      this.checkedMaps.add(map);
      const table = this.byName.get(`${map.schema}.${map.table}`);
      if (!table) continue;
      const slots = loggedColumnSlots(table, map);
      const unknown = map.columnNames.filter((_n, i) => slots[i]! < 0);
      if (unknown.length === 0) continue;
      const now = await this.currentTables([table.name], signal);
      const current = new Set((now[0]?.mysqlColumns ?? []).map((col) => col.name.toLowerCase()));
      const missed = unknown.filter((n) => current.has(n.toLowerCase()));
      if (missed.length > 0) {
        throw new MySqlSetupError(
          `binlog ${formatBinlog(tx.end)}: rows of ${table.name} carry column(s) ${missed.join(', ')} that the pipeline has not added to its targets (the DDL adding them was not seen in the binlog, e.g. run with sql_log_bin=0): ` +
            'restart the pipeline; it reads the current columns, evolves the targets and reads on from the last commit (everything committed is kept)',
          { table: table.name },
        );
      }
    }
  }

  private txEvents(tx: Transaction, views: readonly SnapshotView[]): ChangeEvent[] {
    const position = binlogPosition(tx.end);
    const origin = `binlog ${formatBinlog(tx.end)}`;
    const out: ChangeEvent[] = [];
    for (const block of tx.changes) {
      const decoder = this.binlogDecoder(block);
      if (!decoder) continue; // a table of the same schema the pipeline does not read
      const table = decoder.table.name;
      const images = decoder.decode(block, origin);
      const op = block.op;
      const step = op === 'update' ? 2 : 1;
      for (let i = 0; i < images.length; i += step) {
        const before = op === 'insert' ? undefined : images[i];
        const after = op === 'delete' ? undefined : images[op === 'update' ? i + 1 : i];
        if (views.length > 0 && this.inSnapshot(table, op, [before, after], tx.end, views)) continue;
        out.push(op === 'insert' ? { table, op, after, position, sourceTsMs: tx.timestampMs, origin }
          : op === 'delete' ? { table, op, before, position, sourceTsMs: tx.timestampMs, origin }
            : { table, op, before, after, position, sourceTsMs: tx.timestampMs, origin });
      }
    }
    return out;
  }

  /**
   * The decoder of a rows event's table map. The reader hands over the same map object while
   * the table's definition in the binlog is unchanged, so one decoder serves all its events;
   * decoders are made against the columns as of this point of the stream (after any DDL
   * before it was applied by rediscover).
   */
  private binlogDecoder(block: RowsBlock): RowImageDecoder | undefined {
    let d = this.binlogDecoders.get(block.map);
    if (d) return d;
    const table = this.byName.get(`${block.map.schema}.${block.map.table}`);
    if (!table) return undefined;
    d = new RowImageDecoder(table, block.map);
    this.binlogDecoders.set(block.map, d);
    return d;
  }

  /** Whether the table's consistent snapshot already holds this change (snapshot-views.ts). */
  private inSnapshot(name: string, op: RowsBlock['op'], images: readonly (RowValues | undefined)[], end: BinlogPosition, views: readonly SnapshotView[]): boolean {
    const t = this.tableKeys.get(name);
    const table = this.tables?.[t?.index ?? -1];
    if (!t || !table) return false;
    if (t.keyColumns.length === 0) return keylessAlreadySnapshotted(views, t.index, end, op === 'insert');
    const columns = t.keyColumns.map((k) => table.mysqlColumns.find((c) => c.name === k)!);
    const keys = images.filter((x) => x !== undefined).map((x) => (): readonly KeyPart[] => columns.map((c) => keyPartOfValue(c, x[c.name])));
    return alreadySnapshotted(views, t.index, end, keys);
  }
}

/** The MySQL source of a pipeline config (`source.type: mysql`). */
export function createMySqlSource(config: PipelineConfig, o: { log?: Logger } = {}): MySqlSource {
  if (config.source.type !== 'mysql') throw new Error('createMySqlSource: not a mysql source config');
  return new MySqlSource({ config: config.source, tables: config.tables, pipelineId: config.pipelineId, ...(o.log ? { log: o.log } : {}) });
}
