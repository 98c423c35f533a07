/**
 * The MySQL/MariaDB CDC source: an optional full load (snapshot.ts order: P0 first, then
 * chunked table reads) followed by the binlog from P0 (binlog-stream.ts), as ChangeBatches.
 * Positions and their total order: position.ts. Types: type-mapping.ts.
 */
import { createHash } from 'node:crypto';
import { ConfigError } from '../../src/errors.js';
import type { IcebergType } from '../../src/iceberg/spec/types.js';
import { silentLogger, type Logger } from '../../src/logging/logger.js';
import type { MySqlSourceConfig, PipelineConfig, TableConfig } from '../../src/pipeline/config.js';
import { matchTable } from '../../src/pipeline/config.js';
import type { Source, SourceTable } from '../../src/pipeline/source.js';
import type { ChangeBatch, ChangeEvent, SourcePosition } from '../../src/sink/change-event.js';
import { checkNotPurged, streamBinlog, type Transaction } from './binlog-stream.js';
import { connect, type ConnectionSettings } from './connection.js';
import { discoverTables, filterOf, type MySqlTable } from './discovery.js';
import { MySqlSetupError } from './errors.js';
import {
  binlogPosition, compareMySqlPositions, formatBinlog, snapshotPosition, toMySqlPosition, type BinlogPosition, type SnapshotPosition,
} from './position.js';
import { RateLimiter } from './rate-limiter.js';
import { RowDecoder } from './row-decoder.js';
import { binaryLogs, binlogProblems, masterStatus, serverInfo, type ServerInfo } from './server-checks.js';
import { readSnapshot, type SnapshotTablePlan } from './snapshot-reader.js';

export interface MySqlSourceOptions {
  readonly config: MySqlSourceConfig;
  readonly tables: readonly TableConfig[];
  readonly pipelineId: string;
  readonly log?: Logger;
}

/** Where read() starts, once `from` and the configured start are resolved. */
type Plan =
  | { readonly kind: 'snapshot'; readonly resume?: SnapshotPosition }
  | { readonly kind: 'binlog'; readonly at: BinlogPosition | { readonly gtidSet: string }; readonly notBeforeMs?: number };

export class MySqlSource implements Source {
  readonly name: string;
  private readonly log: Logger;
  private tables: MySqlTable[] | undefined;
  private decoders = new Map<string, RowDecoder>();
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
      this.decoders = new Map(this.tables.map((t) => [t.name, new RowDecoder(t, new Map(t.columns.map((col) => [col.name, col.type])))]));
      return this.tables;
    } finally {
      await c.end().catch(() => undefined);
    }
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

  async *read(from: SourcePosition | undefined, opts: { readonly signal: AbortSignal; readonly untilDrained: boolean }): AsyncGenerator<ChangeBatch> {
    if (!this.tables) await this.discover();
    const plan = await this.plan(from);
    let binlogStart: Plan & { kind: 'binlog' };
    if (plan.kind === 'snapshot') {
      const p0 = plan.resume?.snapshot ?? (await this.head());
      this.log.info('snapshot starting', { at: formatBinlog(p0), resume: plan.resume !== undefined, tables: this.tables!.length });
      yield* this.snapshot(p0, plan.resume, opts.signal);
      if (opts.signal.aborted) return;
      if (this.o.config.snapshot.mode === 'initial-only') return;
      // The switch: everything of the snapshot is handed over; the binlog continues from P0.
      yield { events: [], position: binlogPosition(p0), phase: 'incremental' };
      binlogStart = { kind: 'binlog', at: p0 };
    } else {
      binlogStart = plan;
    }
    yield* this.binlog(binlogStart, opts);
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
      return p.kind === 'snapshot' ? { kind: 'snapshot', resume: p.at } : { kind: 'binlog', at: p.at };
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

  private async *snapshot(p0: BinlogPosition, resume: SnapshotPosition | undefined, signal: AbortSignal): AsyncGenerator<ChangeBatch> {
    const tables = this.tables!;
    const cfg = this.o.config.snapshot;
    const sourceTsMs = Date.now();
    const plans: SnapshotTablePlan[] = [];
    tables.forEach((table, index) => {
      if (resume && index < resume.table) return;
      const configured = matchTable(this.o.tables, table.name)?.table.keyColumns;
      const keyColumns = configured ?? table.primaryKey;
      if (keyColumns.length === 0) this.log.warn('snapshot: table has no primary key and no key-columns: read in one unchunked scan (append mode)', { table: table.name });
      const here = resume && index === resume.table;
      plans.push({
        index, table, keyColumns,
        ...(here && resume.key.length > 0 ? { after: resume.key } : {}),
        ...(here && resume.row !== undefined ? { skipRows: resume.row } : {}),
      });
    });
    const pages = readSnapshot(plans, {
      connection: this.connection,
      chunkSize: cfg.chunkSize,
      pageSize: Math.min(cfg.chunkSize, this.o.config.batchMaxEvents),
      parallelism: cfg.parallelism,
      limiter: new RateLimiter(cfg.maxRowsPerSecond),
      signal,
      log: this.log,
    });
    for await (const page of pages) {
      const decoder = this.decoders.get(page.plan.table.name)!;
      const events: ChangeEvent[] = page.rows.map((r) => {
        const position = snapshotPosition({ snapshot: p0, table: page.plan.index, key: r.key, ...(r.row !== undefined ? { row: r.row } : {}) });
        const origin = `snapshot ${page.plan.table.name}`;
        return { table: page.plan.table.name, op: 'insert', after: decoder.decode(r.raw, origin), position, sourceTsMs, origin };
      });
      yield { events, position: events[events.length - 1]!.position, phase: 'snapshot' };
    }
  }

  private async *binlog(start: Plan & { kind: 'binlog' }, opts: { readonly signal: AbortSignal; readonly untilDrained: boolean }): AsyncGenerator<ChangeBatch> {
    if (!('gtidSet' in start.at)) await checkNotPurged(this.connection, start.at);
    const byDb: Record<string, string[]> = {};
    for (const t of this.tables!) (byDb[t.db] ??= []).push(t.table);
    let events: ChangeEvent[] = [];
    let last: BinlogPosition | undefined;
    let watermark: number | undefined;
    const flush = (): ChangeBatch => {
      const b: ChangeBatch = { events, position: binlogPosition(last!), phase: 'incremental', ...(watermark !== undefined ? { watermarkMs: watermark } : {}) };
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
        // At the head: every transaction committed before the server's clock read is in.
        watermark = Math.max(watermark ?? 0, item.serverTimeMs);
        yield flush();
        if (opts.untilDrained) return;
        continue;
      }
      const tx = item.tx;
      last = tx.end;
      if (start.notBeforeMs === undefined || tx.timestampMs >= start.notBeforeMs) {
        // A loop, not push(...): one transaction may hold millions of rows.
        for (const e of this.txEvents(tx)) events.push(e);
        if (tx.changes.length > 0) {
          // Binlog times are whole seconds: a later transaction may carry the same second.
          watermark = Math.max(watermark ?? 0, tx.timestampMs - 1);
        }
      }
      if (tx.ddl) this.log.info('binlog: DDL on a pipeline table (new columns need a pipeline restart)', { query: tx.ddl.slice(0, 200), at: formatBinlog(tx.end) });
      if (events.length >= this.o.config.batchMaxEvents || (item.idle && events.length > 0)) yield flush();
      if (opts.signal.aborted) return;
    }
  }

  private txEvents(tx: Transaction): ChangeEvent[] {
    const position = binlogPosition(tx.end);
    const origin = `binlog ${formatBinlog(tx.end)}`;
    const out: ChangeEvent[] = [];
    for (const ch of tx.changes) {
      const decoder = this.decoders.get(ch.table);
      if (!decoder) continue; // a table of the same schema the pipeline does not read
      out.push({
        table: ch.table,
        op: ch.op,
        ...(ch.before ? { before: decoder.decode(ch.before, origin) } : {}),
        ...(ch.after ? { after: decoder.decode(ch.after, origin) } : {}),
        position,
        sourceTsMs: tx.timestampMs,
        origin,
      });
    }
    return out;
  }
}

/** The MySQL source of a pipeline config (`source.type: mysql`). */
export function createMySqlSource(config: PipelineConfig, o: { log?: Logger } = {}): MySqlSource {
  if (config.source.type !== 'mysql') throw new Error('createMySqlSource: not a mysql source config');
  return new MySqlSource({ config: config.source, tables: config.tables, pipelineId: config.pipelineId, ...(o.log ? { log: o.log } : {}) });
}
