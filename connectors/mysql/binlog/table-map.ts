/**
 * TABLE_MAP_EVENT: which table a following rows event's table id means, with each column's
 * wire type and the per-type metadata that decides its byte layout in row images
 * (MySQL `Table_map_log_event`; the metadata layout per type is in `log_event.cc`
 * `Table_map_log_event::save_field_metadata`). Of the optional metadata that follows
 * (`binlog_row_metadata`), only the column names are read: with them a row is matched to the
 * discovered columns by name, so rows logged before an ADD/DROP COLUMN decode right even when
 * discovery already sees the table after it. Signedness and charsets come from discovery.
 */
import { ColumnType } from './event-types.js';
import { BinlogFormatError, readPackedInt } from './wire.js';

export interface TableMap {
  readonly tableId: number;
  readonly schema: string;
  readonly table: string;
  /**
   * Wire type per column. STRING columns carry their real type in the metadata: ENUM, SET and
   * CHAR/BINARY are resolved here to ENUM, SET or STRING.
   */
  readonly types: Uint8Array;
  /**
   * Per column: VARCHAR max byte length; CHAR max byte length; ENUM/SET stored size in bytes;
   * BLOB/JSON/GEOMETRY length-prefix size; FLOAT/DOUBLE size; NEWDECIMAL precision * 256 +
   * scale; BIT width in bits; TIME2/DATETIME2/TIMESTAMP2 fractional digits; 0 otherwise.
   */
  readonly meta: Int32Array;
  /**
   * Column names as logged (optional metadata COLUMN_NAME: `binlog_row_metadata=FULL`, MariaDB
   * >= 10.5, MySQL >= 8.0.1); absent with MINIMAL/NO_LOG metadata.
   */
  readonly columnNames?: readonly string[];
}

/** Optional metadata field type (MySQL `Table_map_event::Optional_metadata_field_type`). */
const OPTIONAL_COLUMN_NAME = 4;

/** Parses a table map body: `buf[pos, end)` after the common header, checksum excluded. */
export function parseTableMap(buf: Buffer, pos: number, end: number, postHeaderLength: number): TableMap {
  const tableId = postHeaderLength === 6 ? buf.readUInt32LE(pos) : buf.readUIntLE(pos, 6);
  pos += postHeaderLength;
  const schemaLen = buf[pos]!;
  const schema = buf.toString('utf8', pos + 1, pos + 1 + schemaLen);
  pos += schemaLen + 2; // name and its NUL
  const tableLen = buf[pos]!;
  const table = buf.toString('utf8', pos + 1, pos + 1 + tableLen);
  pos += tableLen + 2;
  const count = readPackedInt(buf, pos);
  pos = count.next;
  const n = count.value;
  if (pos + n > end) throw new BinlogFormatError(`table map of ${schema}.${table} is truncated (${n} columns)`);
  const types = new Uint8Array(buf.subarray(pos, pos + n));
  pos += n;
  const metaLen = readPackedInt(buf, pos);
  pos = metaLen.next;
  const metaEnd = pos + metaLen.value;
  const meta = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    switch (types[i]) {
      case ColumnType.FLOAT:
      case ColumnType.DOUBLE:
      case ColumnType.BLOB:
      case ColumnType.TINY_BLOB:
      case ColumnType.MEDIUM_BLOB:
      case ColumnType.LONG_BLOB:
      case ColumnType.JSON:
      case ColumnType.GEOMETRY:
      case ColumnType.TIME2:
      case ColumnType.DATETIME2:
      case ColumnType.TIMESTAMP2:
        meta[i] = buf[pos]!;
        pos += 1;
        break;
      case ColumnType.VARCHAR:
      case ColumnType.VAR_STRING:
        meta[i] = buf.readUInt16LE(pos);
        pos += 2;
        break;
      case ColumnType.BIT:
        // bits % 8, then whole bytes
        meta[i] = buf[pos + 1]! * 8 + buf[pos]!;
        pos += 2;
        break;
      case ColumnType.NEWDECIMAL:
        meta[i] = buf[pos]! * 256 + buf[pos + 1]!;
        pos += 2;
        break;
      case ColumnType.STRING:
      case ColumnType.ENUM:
      case ColumnType.SET: {
        const b0 = buf[pos]!;
        const b1 = buf[pos + 1]!;
        pos += 2;
        // The real type shares its byte with the top bits of lengths over 255 (Field_string::do_save_field_metadata).
        if ((b0 & 0x30) !== 0x30) {
          types[i] = b0 | 0x30;
          meta[i] = (((b0 & 0x30) ^ 0x30) << 4) | b1;
        } else {
          types[i] = b0;
          meta[i] = b1;
        }
        break;
      }
      default:
        break;
    }
  }
  if (pos !== metaEnd) throw new BinlogFormatError(`table map of ${schema}.${table}: column metadata is ${metaLen.value} bytes, the column types account for ${pos - (metaEnd - metaLen.value)}`);
  pos += (n + 7) >> 3; // the columns' nullability bitmap
  const columnNames = optionalColumnNames(buf, pos, end, n, `${schema}.${table}`);
  return columnNames ? { tableId, schema, table, types, meta, columnNames } : { tableId, schema, table, types, meta };
}

/** The COLUMN_NAME field of the optional metadata (type, packed length, value triples), if logged. */
function optionalColumnNames(buf: Buffer, pos: number, end: number, n: number, name: string): string[] | undefined {
  while (pos < end) {
    const type = buf[pos]!;
    const len = readPackedInt(buf, pos + 1);
    const valueEnd = len.next + len.value;
    if (valueEnd > end) throw new BinlogFormatError(`table map of ${name}: optional metadata field ${type} runs past the event`);
    if (type === OPTIONAL_COLUMN_NAME) {
      const names: string[] = [];
      for (let p = len.next; p < valueEnd; ) {
        const l = readPackedInt(buf, p);
        names.push(buf.toString('utf8', l.next, l.next + l.value));
        p = l.next + l.value;
      }
      if (names.length !== n) throw new BinlogFormatError(`table map of ${name}: ${names.length} column names for ${n} columns`);
      return names;
    }
    pos = valueEnd;
  }
  return undefined;
}
