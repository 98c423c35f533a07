/**
 * A small typed wrapper over @vlasky/zongji (untyped JS with loose .d.ts): it starts a binlog
 * dump at a file/offset (or a MariaDB/MySQL GTID set), and hands over a closed union of the
 * events the connector needs. zongji decodes rows with `dateStrings` (temporal values as
 * text, TIMESTAMP in UTC), big integers and DECIMAL as exact text, BIT and binary columns as
 * bytes and JSON as its text: the same raw forms the snapshot reads (see type-mapping.ts).
 */
import ZongJi from '@vlasky/zongji';

export type RowImage = Record<string, unknown>;

export type BinlogEvent =
  /** The stream is now in `file` (also sent at dump start, before any other event). */
  | { readonly type: 'rotate'; readonly file: string; readonly pos: number }
  /** Start of an event group: its GTID; `standalone` groups (DDL) end at their query. */
  | { readonly type: 'gtid'; readonly gtid: string; readonly standalone: boolean }
  | { readonly type: 'rows'; readonly op: 'insert' | 'update' | 'delete'; readonly schema: string; readonly table: string; readonly rows: readonly { before?: RowImage; after?: RowImage }[]; readonly timestampMs: number }
  /** A group ends: XID, COMMIT, or a statement outside a transaction (DDL). */
  | { readonly type: 'commit'; readonly nextPos: number; readonly timestampMs: number; readonly query?: string; readonly schema?: string }
  | { readonly type: 'begin' }
  /** Any other event (format description, GTID list, checkpoint...): where the stream now is. */
  | { readonly type: 'other'; readonly nextPos: number };

export interface BinlogClientOptions {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password?: string;
  readonly serverId: number;
  /** Start here (exclusive of nothing: the event at `pos` is the first read). */
  readonly start: { readonly file: string; readonly pos: number } | { readonly gtidSet: string };
  /** Only rows of these tables are decoded (schema -> table names). */
  readonly tables: Readonly<Record<string, readonly string[]>>;
}

/** The slice of zongji's event objects this wrapper reads (checked at runtime where it matters). */
interface RawEvent {
  getEventName(): string;
  timestamp: number;
  nextPosition: number;
  binlogName?: string;
  position?: number;
  gtid?: string;
  standalone?: boolean;
  query?: string;
  schema?: string;
  tableId?: number;
  tableMap?: Record<number, { parentSchema: string; tableName: string }>;
  rows?: Record<string, unknown>[];
}

interface RawZongJi {
  on(event: 'binlog', f: (e: RawEvent) => void): void;
  on(event: 'error', f: (e: Error) => void): void;
  on(event: 'ready' | 'stopped', f: () => void): void;
  start(o: Record<string, unknown>): void;
  stop(): void;
  connection: { pause(): void; resume(): void } | null;
}

type ZongJiCtor = new (dsn: Record<string, unknown>) => RawZongJi;

export class BinlogClient {
  private readonly zj: RawZongJi;
  private paused = false;
  private stopped = false;

  constructor(private readonly o: BinlogClientOptions, onEvent: (e: BinlogEvent) => void, onError: (e: Error) => void) {
    const Ctor = ZongJi as unknown as ZongJiCtor;
    this.zj = new Ctor({
      host: o.host, port: o.port, user: o.user, password: o.password ?? '',
      // The raw forms type-mapping.ts expects; TIMESTAMP decoded in UTC, never the process zone.
      dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, timezone: 'Z', charset: 'utf8mb4',
    });
    this.zj.on('binlog', (e) => {
      if (this.stopped) return;
      const ev = toEvent(e);
      if (ev) onEvent(ev);
    });
    this.zj.on('error', (e) => {
      if (!this.stopped) onError(e);
    });
  }

  start(): void {
    const s = this.o.start;
    this.zj.start({
      serverId: this.o.serverId,
      ...('gtidSet' in s ? { gtidSet: s.gtidSet } : { filename: s.file, position: s.pos }),
      // Every event: those between transactions (format, GTID list, checkpoint) move the
      // stream position, which is how the head of a freshly rotated binlog is recognised.
      includeSchema: Object.fromEntries(Object.entries(this.o.tables).map(([db, t]) => [db, [...t]])),
    });
  }

  /** Backpressure: stop reading the socket until resume(). */
  pause(): void {
    if (this.paused || !this.zj.connection) return;
    this.paused = true;
    this.zj.connection.pause();
  }

  resume(): void {
    if (!this.paused || !this.zj.connection) return;
    this.paused = false;
    this.zj.connection.resume();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    try {
      this.zj.stop();
    } catch {
      // already closed by the server
    }
  }
}

function toEvent(e: RawEvent): BinlogEvent | undefined {
  switch (e.getEventName()) {
    case 'rotate':
      return { type: 'rotate', file: String(e.binlogName), pos: Number(e.position ?? 4) };
    case 'mariadbgtid':
      return { type: 'gtid', gtid: String(e.gtid), standalone: e.standalone === true };
    case 'gtid':
    case 'anonymousgtid':
      return { type: 'gtid', gtid: String(e.gtid ?? ''), standalone: false };
    case 'xid':
      return { type: 'commit', nextPos: e.nextPosition, timestampMs: e.timestamp };
    case 'query': {
      const q = String(e.query ?? '');
      if (/^\s*BEGIN\b/i.test(q)) return { type: 'begin' };
      return { type: 'commit', nextPos: e.nextPosition, timestampMs: e.timestamp, query: q, ...(e.schema ? { schema: e.schema } : {}) };
    }
    case 'writerows':
    case 'updaterows':
    case 'deleterows': {
      const meta = e.tableMap?.[e.tableId ?? -1];
      if (!meta) return undefined;
      const name = e.getEventName();
      const op = name === 'writerows' ? 'insert' : name === 'updaterows' ? 'update' : 'delete';
      // zongji's update rows already are {before, after}: handed over as they are.
      const raw = e.rows ?? [];
      const rows: { before?: RowImage; after?: RowImage }[] = op === 'update' ? (raw as { before: RowImage; after: RowImage }[]) : new Array(raw.length);
      if (op === 'insert') for (let i = 0; i < raw.length; i++) rows[i] = { after: raw[i]! };
      else if (op === 'delete') for (let i = 0; i < raw.length; i++) rows[i] = { before: raw[i]! };
      return { type: 'rows', op, schema: meta.parentSchema, table: meta.tableName, rows, timestampMs: e.timestamp };
    }
    default:
      return { type: 'other', nextPos: e.nextPosition };
  }
}
