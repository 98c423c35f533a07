/**
 * icetide's own binlog reader: a replica connection (mysql2 for the handshake and
 * authentication) that asks for a binlog dump from a file/offset or a GTID set and parses each
 * event itself (binlog-event.ts). Rows stay encoded until the consumer decodes them
 * (row-image-decoder.ts) straight into Iceberg values: no intermediate JS objects or text per
 * value, which is where a general-purpose decoder spends most of its time.
 */
import mysql from 'mysql2';
import { connectionOptions, type ConnectionSettings } from '../connection.js';
import { parseEvent, EventParserState, type BinlogEvent } from './binlog-event.js';
import { binlogDumpCommand, type DumpRequest } from './dump-command.js';
import { encodeGtidSet } from './gtid-set.js';
import { loadMysqlJsonDecoder } from './mysql-json.js';

export interface BinlogClientOptions extends ConnectionSettings {
  /** Replica server id of this connection (unique among the server's replicas). */
  readonly serverId: number;
  /** Start here (the event at `pos` is the first read), or after a GTID set. */
  readonly start: { readonly file: string; readonly pos: number } | { readonly gtidSet: string };
  /** Only rows of these tables are handed over (schema -> table names). */
  readonly tables: Readonly<Record<string, readonly string[]>>;
  readonly mariadb: boolean;
}

export class BinlogClient {
  private conn: mysql.Connection | undefined;
  private paused = false;
  private stopped = false;

  constructor(private readonly o: BinlogClientOptions, private readonly onEvent: (e: BinlogEvent) => void, private readonly onError: (e: Error) => void) {}

  /** Connects and starts the dump; events and errors arrive through the callbacks. */
  start(): void {
    void this.open().catch((err: unknown) => this.fail(err instanceof Error ? err : new Error(String(err))));
  }

  private async open(): Promise<void> {
    const conn = mysql.createConnection(connectionOptions(this.o));
    this.conn = conn;
    conn.on('error', (err) => this.fail(err));
    const q = conn.promise();
    const [rows] = await q.query('SELECT @@GLOBAL.binlog_checksum AS c');
    const checksum = String((rows as { c: string }[])[0]?.c ?? 'NONE').toUpperCase();
    // Tells the server this replica understands (and will strip) event checksums.
    await q.query('SET @master_binlog_checksum = @@GLOBAL.binlog_checksum');
    let request: DumpRequest;
    const s = this.o.start;
    if (this.o.mariadb) {
      // GTID events instead of BEGIN queries; a GTID start is a session variable, the file is ignored.
      await q.query('SET @mariadb_slave_capability = 4');
      if ('gtidSet' in s) await q.query('SET @slave_connect_state = ?', [s.gtidSet]);
      request = { kind: 'file', serverId: this.o.serverId, file: 'gtidSet' in s ? '' : s.file, pos: 'gtidSet' in s ? 4 : s.pos };
    } else {
      await loadMysqlJsonDecoder();
      request = 'gtidSet' in s ? { kind: 'gtid', serverId: this.o.serverId, gtidSet: encodeGtidSet(s.gtidSet) } : { kind: 'file', serverId: this.o.serverId, file: s.file, pos: s.pos };
    }
    if (this.stopped) return;
    const wanted = new Set(Object.entries(this.o.tables).flatMap(([db, ts]) => ts.map((t) => `${db}.${t}`)));
    const state = new EventParserState(checksum === 'NONE' ? 0 : 4, (schema, table) => wanted.has(`${schema}.${table}`));
    const Dump = binlogDumpCommand();
    const cmd = new Dump(request, (buf, start, end) => {
      if (this.stopped) return;
      let e: BinlogEvent | undefined;
      try {
        e = parseEvent(buf, start, end, state);
      } catch (err) {
        this.fail(err as Error);
        return;
      }
      if (e) this.onEvent(e);
    }, (err) => this.fail(err ?? new Error('the server ended the binlog dump')));
    (conn as unknown as { addCommand(cmd: unknown): void }).addCommand(cmd);
  }

  private fail(err: Error): void {
    if (this.stopped) return;
    this.onError(err);
  }

  /** Backpressure: stop reading the socket until resume(). */
  pause(): void {
    if (this.paused || !this.conn) return;
    this.paused = true;
    this.conn.pause();
  }

  resume(): void {
    if (!this.paused || !this.conn) return;
    this.paused = false;
    this.conn.resume();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    // mysql2's destroy() only ends our half of the socket; a server in a binlog dump never
    // closes its half, and a paused socket never reads the end: destroy the socket itself.
    const conn = this.conn as (mysql.Connection & { stream?: { destroy(): void } }) | undefined;
    conn?.destroy();
    conn?.stream?.destroy();
  }
}
