/**
 * Row images of a rows event straight to Iceberg values (src/iceberg/spec/values.ts), column by
 * column from the table map's wire types (byte layout) and the columns found at discovery
 * (names, signedness, charsets, ENUM/SET labels, target types).
 *
 * Row image layout (MySQL `Rows_log_event`, `log_event.cc` / `rows_event.h`): a length-encoded
 * column count, a bitmap of the columns present (two for updates: before, after), then per row a
 * NULL bitmap over the present columns followed by each present non-NULL value in its packed
 * form (`Field::pack`).
 *
 * Values go straight to the Iceberg value of the column's default type (type-mapping.ts). A
 * column declared with another type (`tables[].columns`) gets the value in MySQL's text form
 * and type-mapping.ts's converter, exactly as the full load's text would be converted.
 */
import { TextDecoder } from 'node:util';
import { typesEqual, type IcebergType } from '../../../src/iceberg/spec/types.js';
import type { RowValues } from '../../../src/sink/change-event.js';
import type { MySqlTable } from '../discovery.js';
import { MySqlValueError } from '../errors.js';
import { BINARY_TYPES, converterFor, copyBytes, icebergTypeOf, isUnsigned, mysqlDateDays, type Converter, type MySqlColumn, type RawValue } from '../type-mapping.js';
import type { RowsBlock } from './binlog-event.js';
import { ColumnType as T } from './event-types.js';
import { mysqlJsonDecoder } from './mysql-json.js';
import { formatDate, formatDateTime, formatDecimal, formatEpochMicros, formatTime, fspOf } from './mysql-text.js';
import type { TableMap } from './table-map.js';
import { readPackedInt } from './wire.js';

interface ColumnPlan {
  readonly column: MySqlColumn;
  readonly wire: number;
  readonly meta: number;
  readonly unsigned: boolean;
  /** The target is the column's default Iceberg type: values are made directly. */
  readonly direct: boolean;
  readonly targetKind: IcebergType['kind'];
  /** Non-direct targets: MySQL text form -> target (type-mapping.ts). */
  readonly convert: Converter;
  /** Text columns in a charset other than UTF-8/ASCII. */
  readonly text: { decode(bytes: Uint8Array): string } | undefined;
  /** Byte strings (BINARY/VARBINARY/BLOB): bytes, not text. */
  readonly binary: boolean;
  /** BINARY(n): the server strips trailing zero bytes in the binlog; the column has n. */
  readonly padTo: number;
  readonly labels: readonly string[];
  /** Declared fractional digits of temporal columns (text forms). */
  readonly fsp: number;
  /** Scale of a decimal target (a widened column's rows before the widening have the binlog's own scale). */
  readonly targetScale: number;
  /** NEWDECIMAL: [bytes, digits, ...] per group, most significant first. */
  readonly groups: readonly number[];
  readonly where: () => string;
}

const UTF8_CHARSETS = new Set(['utf8', 'utf8mb3', 'utf8mb4', 'ascii', 'binary', '']);

/** MySQL charset names -> WHATWG encoding labels (TextDecoder); MySQL's latin1 is cp1252. */
const CHARSET_ENCODINGS: Readonly<Record<string, string>> = {
  latin1: 'windows-1252', latin2: 'iso-8859-2', latin5: 'iso-8859-9', latin7: 'iso-8859-13', greek: 'iso-8859-7', hebrew: 'iso-8859-8',
  cp1250: 'windows-1250', cp1251: 'windows-1251', cp1256: 'windows-1256', cp1257: 'windows-1257', cp866: 'ibm866', koi8r: 'koi8-r', koi8u: 'koi8-u',
  tis620: 'windows-874', gbk: 'gbk', gb2312: 'gbk', gb18030: 'gb18030', big5: 'big5', sjis: 'shift_jis', cp932: 'shift_jis', ujis: 'euc-jp', eucjpms: 'euc-jp', euckr: 'euc-kr',
  utf16: 'utf-16be', ucs2: 'utf-16be', utf16le: 'utf-16le',
};

/**
 * MySQL's latin1 is Windows-1252. Node 20's TextDecoder decodes 'windows-1252' as ISO-8859-1
 * (0x80..0x9F become C1 controls), so those 32 bytes are mapped here; MySQL maps the five bytes
 * cp1252 leaves undefined to the C1 controls too.
 */
const CP1252_HIGH = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

class Cp1252Decoder {
  decode(bytes: Uint8Array): string {
    const latin = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    // Most text has no byte in 0x80..0x9F: one test, no copy.
    return /[\u0080-\u009f]/.test(latin) ? latin.replace(/[\u0080-\u009f]/g, (ch) => CP1252_HIGH[ch.charCodeAt(0) - 0x80]!) : latin;
  }
}

/** `enum('a','b''c')` -> ['a', "b'c"] (INFORMATION_SCHEMA doubles quotes inside labels). */
export function labelsOf(columnType: string): string[] {
  const open = columnType.indexOf('(');
  const out: string[] = [];
  let i = open + 1;
  while (i > 0 && i < columnType.length && columnType[i] === "'") {
    let label = '';
    i++;
    for (; i < columnType.length; i++) {
      if (columnType[i] === "'") {
        if (columnType[i + 1] === "'") {
          label += "'";
          i++;
          continue;
        }
        break;
      }
      label += columnType[i];
    }
    out.push(label);
    i += 2; // closing quote and the comma
  }
  return out;
}

/** A wire type's kind of value: a column's binlog layout comes from the table map, its meaning from discovery. */
function wireFamily(wire: number): string {
  switch (wire) {
    case T.TINY: case T.SHORT: case T.INT24: case T.LONG: case T.LONGLONG: return 'integer';
    case T.FLOAT: case T.DOUBLE: return 'float';
    case T.NEWDECIMAL: return 'decimal';
    case T.DATE: return 'date';
    case T.DATETIME: case T.DATETIME2: return 'datetime';
    case T.TIMESTAMP: case T.TIMESTAMP2: return 'timestamp';
    case T.TIME: case T.TIME2: return 'time';
    case T.YEAR: return 'year';
    case T.BIT: return 'bit';
    case T.ENUM: return 'enum';
    case T.SET: return 'set';
    case T.JSON: return 'json';
    default: return 'bytes'; // CHAR/VARCHAR/TEXT/BINARY/BLOB kinds
  }
}

function dataFamily(dataType: string): string {
  switch (dataType) {
    case 'tinyint': case 'bool': case 'boolean': case 'smallint': case 'mediumint': case 'int': case 'integer': case 'bigint': return 'integer';
    case 'float': case 'double': case 'real': return 'float';
    case 'decimal': case 'numeric': return 'decimal';
    case 'date': case 'datetime': case 'timestamp': case 'time': case 'year': case 'bit': case 'enum': case 'set': return dataType;
    default: return 'bytes';
  }
}

/**
 * Whether a discovered column can arrive as a wire type. Families, not exact types: discovery
 * reads the server's current definition, which may already hold a widening (INT -> BIGINT,
 * FLOAT -> DOUBLE, longer VARCHAR, wider DECIMAL) the binlog reaches only later; rows before it
 * are decoded by their own layout. MySQL's binary JSON is a JSON column; MariaDB's JSON is text.
 */
function wireFits(dataType: string, wire: number): boolean {
  const w = wireFamily(wire);
  return w === dataFamily(dataType) || (w === 'json' && dataType === 'json');
}


/** One function per table that builds a row object with one shape (see row-decoder.ts). */
function compileBuilder(names: readonly string[]): (v: readonly unknown[]) => RowValues {
  const props = names.map((n, i) => `${JSON.stringify(n)}: v[${i}]`).join(',\n');
  return new Function('v', `return {\n${props}\n};`) as (v: readonly unknown[]) => RowValues;
}

const DIG2BYTES = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];
const POW10 = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000];

/**
 * Per column of a table map, the index of the discovered column it carries (-1: none, a column
 * dropped since it was logged): by the logged names when the binlog has them
 * (`binlog_row_metadata=FULL`), so a row logged before an ADD/DROP COLUMN that discovery already
 * sees is matched right; by position otherwise, which is right while columns are only added at
 * the end.
 */
export function loggedColumnSlots(table: MySqlTable, map: TableMap): Int32Array {
  const cols = table.mysqlColumns;
  const n = map.types.length;
  const slots = new Int32Array(n).fill(-1);
  if (map.columnNames) {
    const byName = new Map(cols.map((c, j) => [c.name.toLowerCase(), j]));
    map.columnNames.forEach((name, i) => (slots[i] = byName.get(name.toLowerCase()) ?? -1));
    return slots;
  }
  if (n > cols.length) {
    throw new MySqlValueError(
      `${table.name} has ${n} columns in this binlog row but ${cols.length} at discovery (a column was dropped after the row was logged), and the binlog does not log column names to match them by. ` +
        `A restart meets the same row: a new snapshot is needed (drop the pipeline's target tables or use a new pipeline-id); ` +
        `set binlog_row_metadata=FULL on the server (MariaDB >= 10.5, MySQL >= 8.0.1) so rows logged from then on carry their column names`,
      { table: table.name },
    );
  }
  for (let i = 0; i < n; i++) slots[i] = i;
  return slots;
}

export class RowImageDecoder {
  /** Per wire column (table map order): how to decode it, or undefined to skip its bytes (a column dropped since). */
  private readonly plans: (ColumnPlan | undefined)[];
  /** Per wire column: its index among the discovered columns (-1: skipped). */
  private readonly slots: Int32Array;
  /** Discovered columns no wire column carries (added after the row was logged): always null. */
  private readonly absent: readonly number[];
  private readonly build: (v: readonly unknown[]) => RowValues;
  private readonly values: unknown[];
  private p = 0;
  /** The event being decoded, for error messages. */
  private origin = '';

  /** Decodes rows of `map` into `table`'s columns, matched by loggedColumnSlots. */
  constructor(readonly table: MySqlTable, readonly map: TableMap) {
    const cols = table.mysqlColumns;
    this.slots = loggedColumnSlots(table, map);
    const targets = new Map(table.columns.map((col) => [col.name, col.type]));
    this.plans = Array.from(this.slots, (j, i) => (j < 0 ? undefined : this.plan(cols[j]!, targets.get(cols[j]!.name)!, map.types[i]!, map.meta[i]!)));
    const covered = new Set(this.slots);
    this.absent = cols.map((_c, j) => j).filter((j) => !covered.has(j));
    this.build = compileBuilder(cols.map((c) => c.name));
    this.values = new Array<unknown>(cols.length).fill(null);
  }

  private plan(c: MySqlColumn, target: IcebergType, wire: number, meta: number): ColumnPlan {
    const table = this.table;
    if (!wireFits(c.dataType, wire)) {
      throw new MySqlValueError(
        `${table.name}.${c.name} is ${c.columnType} at discovery but arrives in the binlog as wire type ${wire} (${wireFamily(wire)}): its type changed between this row and discovery in a way icetide cannot decode. ` +
          `If the change is after the position the pipeline resumes from, a restart meets the same row: a new snapshot is needed (drop the pipeline's target tables or use a new pipeline-id)`,
        { table: table.name, column: c.name },
      );
    }
    const charset = (c.charset ?? '').toLowerCase();
    const binary = BINARY_TYPES.has(c.dataType);
    let text: ColumnPlan['text'];
    if (!binary && !UTF8_CHARSETS.has(charset)) {
      const enc = CHARSET_ENCODINGS[charset];
      if (!enc) throw new MySqlValueError(`${table.name}.${c.name} is in character set ${charset}, which icetide cannot decode from the binlog: convert the column to utf8mb4 (ALTER TABLE ... CONVERT TO CHARACTER SET utf8mb4) or leave the table out`, { table: table.name, column: c.name });
      text = enc === 'windows-1252' ? new Cp1252Decoder() : new TextDecoder(enc);
    }
    const padMatch = c.dataType === 'binary' ? /\((\d+)\)/.exec(c.columnType) : null;
    return {
      column: c,
      wire,
      meta,
      unsigned: isUnsigned(c),
      direct: typesEqual(target, icebergTypeOf(c, table.name)),
      targetKind: target.kind,
      targetScale: target.kind === 'decimal' ? target.scale : -1,
      convert: converterFor(c, target),
      text,
      binary,
      padTo: padMatch ? Number(padMatch[1]) : 0,
      labels: c.dataType === 'enum' || c.dataType === 'set' ? labelsOf(c.columnType) : [],
      fsp: fspOf(c.columnType),
      groups: wire === T.NEWDECIMAL ? decimalGroups((meta >> 8) - (meta & 255), meta & 255) : [],
      where: () => `${this.origin}: ${table.name}.${c.name}`,
    };
  }

  /** The rows of one rows event; updates as before, after, before, after... */
  decode(block: RowsBlock, origin: string): RowValues[] {
    this.origin = origin;
    const buf = block.buf;
    const count = readPackedInt(buf, block.start);
    const n = count.value;
    if (n !== this.plans.length) throw new MySqlValueError(`${origin}: a rows event of ${this.table.name} has ${n} columns, its table map ${this.plans.length}`, { table: this.table.name });
    const bitmapLength = (n + 7) >> 3;
    const present = count.next;
    const presentAfter = block.op === 'update' ? present + bitmapLength : present;
    this.p = presentAfter + bitmapLength;
    const out: RowValues[] = [];
    while (this.p < block.end) {
      out.push(this.image(buf, present, n));
      if (block.op === 'update') out.push(this.image(buf, presentAfter, n));
    }
    if (this.p !== block.end) throw new MySqlValueError(`${origin}: the rows of ${this.table.name} end at byte ${this.p} of an event that ends at ${block.end}: the binlog does not match the table's columns`, { table: this.table.name });
    return out;
  }

  private image(buf: Buffer, present: number, n: number): RowValues {
    let presentCount = 0;
    for (let i = 0; i < n; i++) if (buf[present + (i >> 3)]! & (1 << (i & 7))) presentCount++;
    const nulls = this.p;
    this.p += (presentCount + 7) >> 3;
    const values = this.values;
    let k = 0;
    for (let i = 0; i < n; i++) {
      const slot = this.slots[i]!;
      if (!(buf[present + (i >> 3)]! & (1 << (i & 7)))) {
        if (slot >= 0) values[slot] = null;
        continue;
      }
      const isNull = buf[nulls + (k >> 3)]! & (1 << (k & 7));
      k++;
      const plan = this.plans[i];
      if (plan) values[slot] = isNull ? null : this.value(buf, plan);
      else if (!isNull) this.skip(buf, this.map.types[i]!, this.map.meta[i]!);
    }
    for (const j of this.absent) values[j] = null;
    return this.build(values);
  }

  /** Steps over a value of a column no discovered column matches (dropped since it was logged). */
  private skip(buf: Buffer, wire: number, meta: number): void {
    const p = this.p;
    const frac = (meta + 1) >> 1;
    switch (wire) {
      case T.TINY: case T.YEAR: this.p = p + 1; return;
      case T.SHORT: this.p = p + 2; return;
      case T.INT24: case T.DATE: case T.TIME: this.p = p + 3; return;
      case T.LONG: case T.FLOAT: case T.TIMESTAMP: this.p = p + 4; return;
      case T.LONGLONG: case T.DOUBLE: case T.DATETIME: this.p = p + 8; return;
      case T.TIME2: this.p = p + 3 + frac; return;
      case T.TIMESTAMP2: this.p = p + 4 + frac; return;
      case T.DATETIME2: this.p = p + 5 + frac; return;
      case T.NEWDECIMAL: {
        const groups = decimalGroups((meta >> 8) - (meta & 255), meta & 255);
        let size = 0;
        for (let g = 0; g < groups.length; g += 2) size += groups[g]!;
        this.p = p + size;
        return;
      }
      case T.VARCHAR: case T.VAR_STRING: case T.STRING:
        this.p = meta < 256 ? p + 1 + buf[p]! : p + 2 + buf.readUInt16LE(p);
        return;
      case T.BLOB: case T.TINY_BLOB: case T.MEDIUM_BLOB: case T.LONG_BLOB: case T.JSON: case T.GEOMETRY:
        this.p = p + meta + buf.readUIntLE(p, meta);
        return;
      case T.ENUM: case T.SET: this.p = p + meta; return;
      case T.BIT: this.p = p + ((meta + 7) >> 3); return;
      default:
        throw new MySqlValueError(`${this.origin}: a column of ${this.table.name} no longer in the table arrives as wire type ${wire}, which icetide cannot step over`, { table: this.table.name });
    }
  }

  private value(buf: Buffer, c: ColumnPlan): unknown {
    const p = this.p;
    switch (c.wire) {
      case T.TINY:
        this.p = p + 1;
        return this.integer(c, c.unsigned ? buf[p]! : (buf[p]! << 24) >> 24);
      case T.SHORT:
        this.p = p + 2;
        return this.integer(c, c.unsigned ? buf.readUInt16LE(p) : buf.readInt16LE(p));
      case T.INT24:
        this.p = p + 3;
        return this.integer(c, c.unsigned ? buf.readUIntLE(p, 3) : buf.readIntLE(p, 3));
      case T.LONG:
        this.p = p + 4;
        return this.integer(c, c.unsigned ? buf.readUInt32LE(p) : buf.readInt32LE(p));
      case T.LONGLONG:
        this.p = p + 8;
        return this.integer(c, c.unsigned ? buf.readBigUInt64LE(p) : buf.readBigInt64LE(p));
      case T.YEAR: {
        this.p = p + 1;
        const y = buf[p]!;
        return this.integer(c, y === 0 ? 0 : 1900 + y);
      }
      case T.FLOAT:
        this.p = p + 4;
        return this.finish(c, buf.readFloatLE(p));
      case T.DOUBLE:
        this.p = p + 8;
        return this.finish(c, buf.readDoubleLE(p));
      case T.NEWDECIMAL:
        return this.decimal(buf, c);
      case T.DATE: {
        this.p = p + 3;
        const v = buf.readUIntLE(p, 3);
        return this.date(c, v >>> 9, (v >>> 5) & 15, v & 31);
      }
      case T.DATETIME2: {
        // 40 bits big-endian, offset 2^39: year*13+month (17 bits), day (5), hour (5), minute (6), second (6)
        const packed = buf.readUIntBE(p, 5) - 0x8000000000;
        this.p = p + 5;
        const micros = this.fraction(buf, c.meta);
        const ymd = Math.floor(packed / 131072);
        const hms = packed % 131072;
        const ym = ymd >>> 5;
        return this.dateTime(c, Math.floor(ym / 13), ym % 13, ymd & 31, hms >>> 12, (hms >>> 6) & 63, hms & 63, micros);
      }
      case T.TIMESTAMP2: {
        const seconds = buf.readUInt32BE(p);
        this.p = p + 4;
        const micros = this.fraction(buf, c.meta);
        return this.timestamp(c, seconds, micros);
      }
      case T.TIME2:
        return this.time2(buf, c);
      case T.TIMESTAMP: {
        this.p = p + 4;
        return this.timestamp(c, buf.readUInt32LE(p), 0);
      }
      case T.DATETIME: {
        // Pre-5.6 format: YYYYMMDDhhmmss as a decimal number in 8 bytes.
        this.p = p + 8;
        const v = Number(buf.readBigUInt64LE(p));
        const d = Math.floor(v / 1_000_000);
        const t = v % 1_000_000;
        return this.dateTime(c, Math.floor(d / 10_000), Math.floor(d / 100) % 100, d % 100, Math.floor(t / 10_000), Math.floor(t / 100) % 100, t % 100, 0);
      }
      case T.TIME: {
        // Pre-5.6 format: [-]HHMMSS as a decimal number in 3 bytes.
        this.p = p + 3;
        const v = buf.readIntLE(p, 3);
        const a = Math.abs(v);
        return this.time(c, v < 0, Math.floor(a / 10_000), Math.floor(a / 100) % 100, a % 100, 0);
      }
      case T.VARCHAR:
      case T.VAR_STRING: {
        const len = c.meta < 256 ? buf[p]! : buf.readUInt16LE(p);
        const at = p + (c.meta < 256 ? 1 : 2);
        this.p = at + len;
        return this.string(buf, c, at, len);
      }
      case T.STRING: {
        const len = c.meta < 256 ? buf[p]! : buf.readUInt16LE(p);
        const at = p + (c.meta < 256 ? 1 : 2);
        this.p = at + len;
        return this.string(buf, c, at, len);
      }
      case T.BLOB:
      case T.TINY_BLOB:
      case T.MEDIUM_BLOB:
      case T.LONG_BLOB: {
        const len = buf.readUIntLE(p, c.meta);
        const at = p + c.meta;
        this.p = at + len;
        return this.string(buf, c, at, len);
      }
      case T.JSON: {
        const len = buf.readUIntLE(p, c.meta);
        const at = p + c.meta;
        this.p = at + len;
        return this.finish(c, len === 0 ? null : mysqlJsonDecoder()(buf.subarray(at, at + len)));
      }
      case T.ENUM: {
        const size = c.meta;
        this.p = p + size;
        const index = size === 1 ? buf[p]! : buf.readUInt16LE(p);
        // Index 0 is the empty string MySQL stores for an invalid value.
        return this.finish(c, index === 0 ? '' : (c.labels[index - 1] ?? ''));
      }
      case T.SET: {
        const size = c.meta;
        this.p = p + size;
        let text = '';
        for (let i = 0; i < c.labels.length; i++) {
          if (buf[p + (i >> 3)]! & (1 << (i & 7))) text = text === '' ? c.labels[i]! : `${text},${c.labels[i]!}`;
        }
        return this.finish(c, text);
      }
      case T.BIT: {
        const size = (c.meta + 7) >> 3;
        this.p = p + size;
        if (c.direct) {
          let v = 0n;
          for (let i = 0; i < size; i++) v = (v << 8n) | BigInt(buf[p + i]!);
          return BigInt.asIntN(64, v);
        }
        return c.convert(buf.subarray(p, p + size), c.where);
      }
      default:
        throw new MySqlValueError(`${this.origin}: ${this.table.name}.${c.column.name} arrives in the binlog as wire type ${c.wire}, which icetide cannot decode`, { table: this.table.name, column: c.column.name });
    }
  }

  /** A direct value, or the text/number form through the column's converter. */
  private finish(c: ColumnPlan, v: RawValue): unknown {
    return c.direct ? v : c.convert(v, c.where);
  }

  private integer(c: ColumnPlan, v: number | bigint): unknown {
    if (!c.direct) return c.convert(v, c.where);
    // int -> number; long (INT UNSIGNED) and decimal(20,0) (BIGINT UNSIGNED) -> bigint
    if (c.targetKind === 'int') return v;
    return typeof v === 'bigint' ? v : BigInt(v);
  }

  private string(buf: Buffer, c: ColumnPlan, at: number, len: number): unknown {
    if (c.binary) {
      let bytes: Uint8Array = buf.subarray(at, at + len);
      if (c.padTo > len) {
        const padded = new Uint8Array(c.padTo);
        padded.set(bytes);
        bytes = padded;
      }
      return c.direct ? copyBytes(bytes) : c.convert(bytes, c.where);
    }
    const text = c.text ? c.text.decode(buf.subarray(at, at + len)) : buf.toString('utf8', at, at + len);
    return this.finish(c, text);
  }

  /** Fractional seconds of TIME2/DATETIME2/TIMESTAMP2: (fsp+1)/2 big-endian bytes, in µs. */
  private fraction(buf: Buffer, fsp: number): number {
    const p = this.p;
    switch (fsp) {
      case 1:
      case 2:
        this.p = p + 1;
        return buf[p]! * 10_000;
      case 3:
      case 4:
        this.p = p + 2;
        return buf.readUInt16BE(p) * 100;
      case 5:
      case 6:
        this.p = p + 3;
        return buf.readUIntBE(p, 3);
      default:
        return 0;
    }
  }

  private date(c: ColumnPlan, y: number, m: number, d: number): unknown {
    if (!c.direct) return c.convert(formatDate(y, m, d), c.where);
    return mysqlDateDays(y, m, d);
  }

  private dateTime(c: ColumnPlan, y: number, mo: number, d: number, h: number, mi: number, s: number, micros: number): unknown {
    if (!c.direct) return c.convert(formatDateTime(y, mo, d, h, mi, s, micros, c.fsp), c.where);
    // Zero and invalid dates (`0000-00-00`, ALLOW_INVALID_DATES) are null, as in the full load.
    const days = mysqlDateDays(y, mo, d);
    if (days === null) return null;
    const seconds = days * 86_400 + h * 3_600 + mi * 60 + s;
    const v = seconds * 1_000_000 + micros;
    return Number.isSafeInteger(v) ? BigInt(v) : BigInt(seconds) * 1_000_000n + BigInt(micros);
  }

  private timestamp(c: ColumnPlan, seconds: number, micros: number): unknown {
    if (seconds === 0 && micros === 0) {
      // The zero TIMESTAMP ('0000-00-00 00:00:00'): null, or its text for a declared type.
      return c.direct ? null : c.convert(formatDateTime(0, 0, 0, 0, 0, 0, 0, c.fsp), c.where);
    }
    const v = BigInt(seconds * 1_000_000 + micros);
    return c.direct ? v : c.convert(formatEpochMicros(v, c.fsp), c.where);
  }

  /** TIME2: 24 bits (offset 2^23) of sign, hours (10 bits), minutes (6), seconds (6), then the fraction (`my_time_packed_from_binary`). */
  private time2(buf: Buffer, c: ColumnPlan): unknown {
    const p = this.p;
    let packed: number; // (whole << 24) + micros, signed
    switch (c.meta) {
      case 1:
      case 2:
      case 3:
      case 4: {
        // 1 or 2 fraction bytes, in hundredths or ten-thousandths; a negative value borrows from the whole seconds.
        const fracBytes = c.meta <= 2 ? 1 : 2;
        let whole = buf.readUIntBE(p, 3) - 0x800000;
        let frac = buf.readUIntBE(p + 3, fracBytes);
        if (whole < 0 && frac !== 0) {
          whole++;
          frac -= fracBytes === 1 ? 0x100 : 0x10000;
        }
        packed = whole * 16_777_216 + frac * (fracBytes === 1 ? 10_000 : 100);
        this.p = p + 3 + fracBytes;
        break;
      }
      case 5:
      case 6:
        packed = buf.readUIntBE(p, 6) - 0x800000000000;
        this.p = p + 6;
        break;
      default:
        packed = (buf.readUIntBE(p, 3) - 0x800000) * 16_777_216;
        this.p = p + 3;
    }
    const negative = packed < 0;
    const abs = Math.abs(packed);
    const hms = Math.floor(abs / 16_777_216);
    const micros = abs % 16_777_216;
    return this.time(c, negative, (hms >>> 12) & 1023, (hms >>> 6) & 63, hms & 63, micros);
  }

  private time(c: ColumnPlan, negative: boolean, h: number, mi: number, s: number, micros: number): unknown {
    if (!c.direct) return c.convert(formatTime(negative, h, mi, s, micros, c.fsp), c.where);
    const v = ((h * 60 + mi) * 60 + s) * 1_000_000 + micros;
    // Outside 00:00..24:00: the converter's error, which names the fix.
    if ((negative && v !== 0) || v >= 86_400_000_000) return c.convert(formatTime(negative, h, mi, s, micros, c.fsp), c.where);
    return BigInt(v);
  }

  /** NEWDECIMAL: big-endian groups of 9 digits in 4 bytes, partial groups in fewer; sign in the top bit, negatives inverted (`decimal2bin`). */
  private decimal(buf: Buffer, c: ColumnPlan): unknown {
    const precision = c.meta >> 8;
    const scale = c.meta & 255;
    const groups = c.groups;
    const p = this.p;
    const mask = buf[p]! & 0x80 ? 0 : 0xff;
    let at = p;
    // Up to 15 digits fit a double exactly; beyond, bigint.
    const small = precision <= 15;
    let num = 0;
    let big = 0n;
    for (let g = 0; g < groups.length; g += 2) {
      let v = 0;
      for (let i = 0; i < groups[g]!; i++, at++) v = v * 256 + ((at === p ? buf[at]! ^ 0x80 : buf[at]!) ^ mask);
      if (small) num = num * POW10[groups[g + 1]!]! + v;
      else big = big * BigInt(POW10[groups[g + 1]!]!) + BigInt(v);
    }
    this.p = at;
    const magnitude = small ? BigInt(num) : big;
    const unscaled = mask ? -magnitude : magnitude;
    if (c.direct && c.targetScale === scale) return unscaled;
    return c.convert(formatDecimal(unscaled, scale), c.where);
  }
}

/** [bytes, digits, bytes, digits, ...] of a decimal's groups: leading partial, whole groups of 9 digits, trailing partial. */
function decimalGroups(intg: number, scale: number): number[] {
  const out: number[] = [];
  if (intg % 9 > 0) out.push(DIG2BYTES[intg % 9]!, intg % 9);
  for (let i = 0; i < Math.floor(intg / 9) + Math.floor(scale / 9); i++) out.push(4, 9);
  if (scale % 9 > 0) out.push(DIG2BYTES[scale % 9]!, scale % 9);
  return out;
}
