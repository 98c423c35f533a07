/**
 * Binlog events as the binlog phase uses them, parsed from the raw bytes of one event (v4
 * format: MySQL "Binary Log" internals, MariaDB "Replication Protocol"). Rows are not decoded
 * here: a rows event keeps its bytes and its table map, and is decoded by the consumer with
 * the table's columns as of that point in the stream (after any DDL before it is applied).
 */
import { EVENT_HEADER_LENGTH, EventType } from './event-types.js';
import { parseTableMap, type TableMap } from './table-map.js';
import { BinlogFormatError } from './wire.js';

export type RowsOp = 'insert' | 'update' | 'delete';

/** The rows of one rows event, still encoded: `buf[start, end)` from the column count on. */
export interface RowsBlock {
  readonly op: RowsOp;
  readonly map: TableMap;
  readonly buf: Buffer;
  readonly start: number;
  readonly end: number;
}

export type BinlogEvent =
  /** The stream is now in `file` (also sent at dump start, before any other event). */
  | { readonly type: 'rotate'; readonly file: string; readonly pos: number }
  /** Start of an event group: its GTID; `standalone` groups (DDL) end at their query. */
  | { readonly type: 'gtid'; readonly gtid: string; readonly standalone: boolean }
  | { readonly type: 'rows'; readonly block: RowsBlock; readonly timestampMs: number }
  /** A group ends: XID, COMMIT, or a statement outside a transaction (DDL). */
  | { readonly type: 'commit'; readonly nextPos: number; readonly timestampMs: number; readonly query?: string; readonly schema?: string }
  | { readonly type: 'begin' }
  /** Any other event (format description, GTID list, checkpoint...): where the stream now is. */
  | { readonly type: 'other'; readonly nextPos: number };

/** What parsing needs to remember between events of one dump. */
export class EventParserState {
  /** Post-header length per event type, from the format description (index: type code). */
  postHeader = new Uint8Array(256).fill(8);
  readonly maps = new Map<number, TableMap>();
  /** The bytes each map was parsed from: an unchanged map (every transaction repeats it) is reused. */
  private readonly mapBytes = new Map<number, Buffer>();

  constructor(
    /** Bytes of CRC32 after every event (`binlog_checksum`): 4 or 0. */
    readonly checksumLength: number,
    /** Rows of these schemas/tables are handed over; others are skipped unparsed. */
    readonly wanted: (schema: string, table: string) => boolean,
  ) {}

  tableMap(buf: Buffer, body: number, end: number): void {
    const idLen = this.postHeader[EventType.TABLE_MAP] === 6 ? 4 : 6;
    const tableId = idLen === 4 ? buf.readUInt32LE(body) : buf.readUIntLE(body, 6);
    const known = this.mapBytes.get(tableId);
    if (known && known.length === end - body && known.equals(buf.subarray(body, end))) return;
    this.maps.set(tableId, parseTableMap(buf, body, end, idLen + 2));
    this.mapBytes.set(tableId, Buffer.from(buf.subarray(body, end)));
  }
}

/**
 * One event: `buf[start, end)` is the event from its header to its end (the dump packet's OK
 * byte already skipped). Returns undefined for rows of tables the pipeline does not read.
 */
export function parseEvent(buf: Buffer, start: number, end: number, s: EventParserState): BinlogEvent | undefined {
  if (end - start < EVENT_HEADER_LENGTH) throw new BinlogFormatError(`binlog event of ${end - start} bytes is shorter than its header`);
  const timestampMs = buf.readUInt32LE(start) * 1000;
  const type = buf[start + 4]!;
  const nextPos = buf.readUInt32LE(start + 13);
  const body = start + EVENT_HEADER_LENGTH;
  // The format description carries its own checksum-algorithm byte; the length given is the server's setting.
  const bodyEnd = end - s.checksumLength;
  switch (type) {
    case EventType.ROTATE: {
      const pos = Number(buf.readBigUInt64LE(body));
      return { type: 'rotate', file: buf.toString('utf8', body + 8, bodyEnd), pos };
    }
    case EventType.FORMAT_DESCRIPTION: {
      // binlog version (2), server version (50), create time (4), header length (1), then one
      // post-header length per event type starting at type 1.
      const lengths = body + 57;
      for (let t = 1; lengths + t - 1 < bodyEnd - 1 && t < 256; t++) s.postHeader[t] = buf[lengths + t - 1]!;
      return { type: 'other', nextPos };
    }
    case EventType.TABLE_MAP:
      s.tableMap(buf, body, bodyEnd);
      return { type: 'other', nextPos };
    case EventType.WRITE_ROWS_V1:
    case EventType.UPDATE_ROWS_V1:
    case EventType.DELETE_ROWS_V1:
    case EventType.WRITE_ROWS_V2:
    case EventType.UPDATE_ROWS_V2:
    case EventType.DELETE_ROWS_V2: {
      const v2 = type >= EventType.WRITE_ROWS_V2;
      const idLen = s.postHeader[type] === 6 ? 4 : 6;
      const tableId = idLen === 4 ? buf.readUInt32LE(body) : buf.readUIntLE(body, 6);
      const map = s.maps.get(tableId);
      // No map: a rows event of a transaction the dump started inside of; not a pipeline row.
      if (!map || !s.wanted(map.schema, map.table)) return undefined;
      let pos = body + idLen + 2;
      if (v2) pos += buf.readUInt16LE(pos); // extra data, its length counting itself
      const kind = v2 ? type - EventType.WRITE_ROWS_V2 : type - EventType.WRITE_ROWS_V1;
      const op: RowsOp = kind === 0 ? 'insert' : kind === 1 ? 'update' : 'delete';
      return { type: 'rows', block: { op, map, buf, start: pos, end: bodyEnd }, timestampMs };
    }
    case EventType.XID:
      return { type: 'commit', nextPos, timestampMs };
    case EventType.QUERY: {
      // thread id (4), exec time (4), schema length (1), error code (2), status vars length (2)
      const schemaLen = buf[body + 8]!;
      const statusLen = buf.readUInt16LE(body + 11);
      const schemaAt = body + 13 + statusLen;
      const schema = buf.toString('utf8', schemaAt, schemaAt + schemaLen);
      const query = buf.toString('utf8', schemaAt + schemaLen + 1, bodyEnd);
      if (/^\s*BEGIN\b/i.test(query)) return { type: 'begin' };
      return { type: 'commit', nextPos, timestampMs, query, ...(schema ? { schema } : {}) };
    }
    case EventType.MARIADB_GTID: {
      // sequence number (8), domain id (4), flags (1); the server id is the header's
      const seq = buf.readBigUInt64LE(body);
      const domain = buf.readUInt32LE(body + 8);
      const serverId = buf.readUInt32LE(start + 5);
      return { type: 'gtid', gtid: `${domain}-${serverId}-${seq}`, standalone: (buf[body + 12]! & 1) !== 0 };
    }
    case EventType.GTID:
    case EventType.ANONYMOUS_GTID: {
      if (type === EventType.ANONYMOUS_GTID) return { type: 'gtid', gtid: '', standalone: false };
      // flags (1), source uuid (16), transaction number (8)
      const hex = buf.toString('hex', body + 1, body + 17);
      const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
      return { type: 'gtid', gtid: `${uuid}:${buf.readBigInt64LE(body + 17)}`, standalone: false };
    }
    case EventType.PARTIAL_UPDATE_ROWS:
      throw new BinlogFormatError('the binlog holds partial JSON updates (binlog_row_value_options=PARTIAL_JSON), which carry no full row: SET GLOBAL binlog_row_value_options = \'\' so changes are logged as full rows');
    case EventType.TRANSACTION_PAYLOAD:
      throw new BinlogFormatError('the binlog holds compressed transactions (binlog_transaction_compression=ON), which icetide cannot read yet: SET GLOBAL binlog_transaction_compression = OFF');
    default:
      if (type >= EventType.MARIADB_QUERY_COMPRESSED && type <= EventType.MARIADB_DELETE_ROWS_COMPRESSED) {
        throw new BinlogFormatError('the binlog holds compressed events (log_bin_compress=ON), which icetide cannot read yet: SET GLOBAL log_bin_compress = OFF');
      }
      return { type: 'other', nextPos };
  }
}
