import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pageInserts } from '../../../connectors/mysql/snapshot/page-inserts.js';
import { TextRowDecoder } from '../../../connectors/mysql/snapshot/text-row-decoder.js';
import { parseSmallDecimal } from '../../../connectors/mysql/snapshot/text-values.js';
import { keyPartFromText, keyPartOf } from '../../../connectors/mysql/snapshot/snapshot-sql.js';
import type { MySqlTable } from '../../../connectors/mysql/discovery.js';
import { converterFor, icebergTypeOf, type MySqlColumn } from '../../../connectors/mysql/type-mapping.js';
import type { IcebergType } from '../../../src/iceberg/spec/types.js';
import { primitive } from '../../../src/iceberg/spec/types.js';
import { PackedStrings } from '../../../src/parquet/packed-bytes.js';
import { rowAt } from '../../../src/sink/insert-columns.js';
import { MySqlValueError } from '../../../connectors/mysql/errors.js';
import { errorOf } from '../../support/error-of.js';

/** One text-protocol row packet payload: each value a length-encoded string, NULL as 0xFB. */
function rowPacket(values: readonly (Buffer | null)[]): Buffer {
  const parts: Buffer[] = [];
  for (const v of values) {
    if (v === null) {
      parts.push(Buffer.from([0xfb]));
      continue;
    }
    const n = v.length;
    if (n < 0xfb) parts.push(Buffer.from([n]));
    else if (n < 1 << 16) parts.push(Buffer.from([0xfc, n & 0xff, n >> 8]));
    else parts.push(Buffer.from([0xfd, n & 0xff, (n >> 8) & 0xff, n >> 16]));
    parts.push(v);
  }
  return Buffer.concat(parts);
}

const col = (name: string, dataType: string, columnType = dataType): MySqlColumn => ({ name, dataType, columnType, nullable: true });

/** What mysql2 hands the row converters for this text (connection.ts settings). */
function mysql2Raw(c: MySqlColumn, text: Buffer | null): unknown {
  if (text === null) return null;
  if (c.dataType === 'bit' || /binary|blob/.test(c.dataType)) return text;
  if (c.dataType === 'float' || c.dataType === 'double') return Number(text.toString('latin1'));
  return text.toString('utf8');
}

/**
 * Decodes rows through the full load's path (decoder -> page -> inserts) and through the row
 * converters; both must give the same value or the same error, row by row.
 */
function compare(columns: readonly MySqlColumn[], targets: readonly IcebergType[], rows: readonly (Buffer | null)[][]): void {
  const where = () => 'test';
  const convert = columns.map((c, i) => converterFor(c, targets[i]!));
  const table: MySqlTable = { name: 'db.t', db: 'db', table: 't', mysqlColumns: columns, columns: columns.map((c, i) => ({ name: c.name, type: targets[i]!, nullable: true })), primaryKey: [] };
  for (const row of rows) {
    let expected: Record<string, unknown> | Error;
    try {
      expected = Object.fromEntries(columns.map((c, i) => [c.name, convert[i]!(mysql2Raw(c, row[i]!) as never, where)]));
    } catch (err) {
      expected = err as Error;
    }
    const decoder = new TextRowDecoder('db.t', columns, targets, [], 4);
    const packet = rowPacket(row);
    if (expected instanceof Error) {
      expect(errorOf(() => decoder.decode(packet, 0, packet.length), MySqlValueError).message).toContain(expected.message.split('(value')[0]!.replace('test: ', ''));
      continue;
    }
    decoder.decode(packet, 0, packet.length);
    const page = decoder.finish();
    const ins = pageInserts({ type: 'page', task: 0, last: true, ...page }, { plan: { index: 0, table, keyColumns: [], parallel: false }, snapshot: { file: 'f', pos: 4 }, views: [], sourceTsMs: 0, rowsBefore: 0 });
    const got = rowAt(ins, 0);
    for (const c of columns) expect({ column: c.name, text: row[columns.indexOf(c)]?.toString('latin1'), v: got[c.name] }).toEqual({ column: c.name, text: row[columns.indexOf(c)]?.toString('latin1'), v: expected[c.name] });
  }
}

const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');
const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));
const pad = (n: number, w: number) => String(n).padStart(w, '0');

describe('full-load row decoder = the row converters (type-mapping.ts)', () => {
  it('integers: int (signed/unsigned small types, YEAR) and long (BIGINT, INT UNSIGNED), any digit count', () => {
    const ints = [col('ti', 'tinyint'), col('iu', 'int', 'int unsigned'), col('bi', 'bigint'), col('yr', 'year'), col('i', 'int')];
    const targets = ints.map((c) => icebergTypeOf(c, 't'));
    fc.assert(fc.property(fc.array(fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.integer({ min: -3e9, max: 3e9 }).map(BigInt)), { minLength: 5, maxLength: 5 }), (vs) => {
      compare(ints, targets, [vs.map((v) => ascii(v.toString()))]);
    }), { numRuns: 300 });
  });

  it('decimals of every precision and scale, signs, zeros and trailing zeros; too many fraction digits is the same error', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 38 }), fc.integer({ min: 0, max: 10 }), fc.boolean(), digits(0, 30), digits(0, 12), (precision, rawScale, neg, int, frac) => {
      const scale = Math.min(rawScale, precision);
      const c = col('d', 'decimal', `decimal(${precision},${scale})`);
      // The server never sends more integer digits than the precision leaves.
      const whole = int.replace(/^0+/, '').slice(0, precision - scale);
      const text = `${neg ? '-' : ''}${whole || '0'}${frac ? `.${frac}` : ''}`;
      compare([c], [icebergTypeOf(c, 't')], [[ascii(text)]]);
    }), { numRuns: 600 });
  });

  it('the small-decimal fast path declines what it cannot do exactly', () => {
    expect(parseSmallDecimal(ascii('1234567890123456'), 0, 16, 0)).toBeUndefined(); // 16 digits
    expect(parseSmallDecimal(ascii('5.'), 0, 2, 2)).toBeUndefined();
    expect(parseSmallDecimal(ascii('1.25'), 0, 4, 1)).toBeUndefined(); // more fraction digits than the scale
    expect(parseSmallDecimal(ascii('-0.00'), 0, 5, 2)).toBe(0);
    expect(parseSmallDecimal(ascii('12.500'), 0, 6, 2)).toBe(1250);
  });

  it('DATE, DATETIME(0-6) and TIMESTAMP(0-6): valid, zero and invalid dates, every fraction length, beyond 2^53 µs', () => {
    const cols = [col('d', 'date'), col('dt', 'datetime', 'datetime(6)'), col('ts', 'timestamp', 'timestamp(3)')];
    const targets = cols.map((c) => icebergTypeOf(c, 't'));
    fc.assert(fc.property(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), digits(0, 6), (y, m, d, hh, mm, frac) => {
      const date = `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
      const dt = `${date} ${pad(hh, 2)}:${pad(mm, 2)}:${pad(mm, 2)}${frac ? `.${frac}` : ''}`;
      compare(cols, targets, [[ascii(date), ascii(dt), ascii(dt.replace(' ', 'T'))]]);
    }), { numRuns: 600 });
    compare(cols, targets, [[ascii('0000-00-00'), ascii('0000-00-00 00:00:00'), ascii('2024-02-30 00:00:00.000')]]);
  });

  it('floats, doubles, text, binary, ENUM/SET, JSON, BIT, TIME and NULLs', () => {
    const cols = [col('f', 'float'), col('db', 'double'), col('s', 'varchar', 'varchar(20)'), col('b', 'varbinary', 'varbinary(8)'), col('e', 'enum', "enum('a','b')"), col('j', 'longtext'), col('bt', 'bit', 'bit(12)'), col('tm', 'time', 'time(6)'), col('bu', 'bigint', 'bigint unsigned')];
    const targets = cols.map((c) => icebergTypeOf(c, 't'));
    fc.assert(fc.property(fc.double({ noNaN: true }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.uint8Array({ maxLength: 8 }), fc.integer({ min: 0, max: 4095 }), fc.integer({ min: 0, max: 23 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (x, s, bytes, bits, h, big) => {
      const text = Number.isFinite(x) ? String(x) : '1e308';
      compare(cols, targets, [
        [ascii(String(Math.fround(x))), ascii(text), Buffer.from(s, 'utf8'), Buffer.from(bytes), ascii('b'), Buffer.from(JSON.stringify({ s }), 'utf8'), Buffer.from([bits >> 8, bits & 0xff]), ascii(`${pad(h, 2)}:00:01.5`), ascii(big.toString())],
        cols.map(() => null),
      ]);
    }), { numRuns: 300 });
  });

  it('text stays packed UTF-8; text that is not well-formed UTF-8 reads as the converter\'s U+FFFD string', () => {
    const cols = [col('s', 'varchar', 'varchar(20)'), col('j', 'longtext')];
    const targets = cols.map((c) => icebergTypeOf(c, 't'));
    compare(cols, targets, [[Buffer.from([0x61, 0xff, 0x62]), Buffer.from([0xc3])], [Buffer.from([0xa9]), Buffer.from([0xed, 0xa0, 0x80])], [Buffer.from('é😀', 'utf8'), null]]);
    const table: MySqlTable = { name: 'db.t', db: 'db', table: 't', mysqlColumns: cols, columns: cols.map((c, i) => ({ name: c.name, type: targets[i]!, nullable: true })), primaryKey: [] };
    const inserts = (rows: (Buffer | null)[][]) => {
      const d = new TextRowDecoder('db.t', cols, targets, [], 4);
      for (const r of rows) {
        const p = rowPacket(r);
        d.decode(p, 0, p.length);
      }
      return pageInserts({ type: 'page', task: 0, last: true, ...d.finish() }, { plan: { index: 0, table, keyColumns: [], parallel: false }, snapshot: { file: 'f', pos: 4 }, views: [], sourceTsMs: 0, rowsBefore: 0 });
    };
    const good = inserts([[ascii('a'), null], [Buffer.from('é', 'utf8'), Buffer.from('😀', 'utf8')]]);
    expect(good.columns.s).toBeInstanceOf(PackedStrings);
    expect([rowAt(good, 0), rowAt(good, 1)]).toEqual([{ s: 'a', j: null }, { s: 'é', j: '😀' }]);
    // the bytes of 'é' split over two rows: each value alone is not UTF-8
    const bad = inserts([[Buffer.from([0xc3]), null], [Buffer.from([0xa9]), ascii('x')]]);
    expect(bad.columns.s).toEqual(['\uFFFD', '\uFFFD']);
    expect(bad.columns.j).toBeInstanceOf(PackedStrings);
  });

  it('declared target types (TIME as string, BINARY as hex string, BIT as string) go through the converters', () => {
    const cols = [col('tm', 'time'), col('b', 'binary', 'binary(2)'), col('bt', 'bit', 'bit(8)'), col('i', 'int')];
    compare(cols, [primitive('string'), primitive('string'), primitive('string'), primitive('long')], [[ascii('-838:59:59'), Buffer.from([0xab, 0x01]), Buffer.from([0x81]), ascii('-7')]]);
  });

  it('values outside the target type are the converter\'s error, naming table and column', () => {
    const c = col('d', 'decimal', 'decimal(5,2)');
    const d = new TextRowDecoder('db.t', [c], [icebergTypeOf(c, 't')], [], 4);
    const packet = rowPacket([ascii('1.234')]);
    expect(errorOf(() => d.decode(packet, 0, packet.length), MySqlValueError).message).toMatch(/snapshot db\.t: db\.t\.d: more than 2 fraction digits/);
  });

  it('a row packet that ends inside a value is a protocol error, not a bad row', () => {
    const d = new TextRowDecoder('db.t', [col('s', 'varchar')], [primitive('string')], [], 4);
    const packet = Buffer.from([10, 65, 66]);
    expect(errorOf(() => d.decode(packet, 0, packet.length), MySqlValueError).message).toMatch(/ends inside column 1/);
  });

  it('pages fill to capacity, carry null masks, and start empty after finish()', () => {
    const d = new TextRowDecoder('db.t', [col('id', 'bigint'), col('s', 'varchar')], [primitive('long'), primitive('string')], ['id'], 3);
    for (const [id, s] of [['1', 'a'], ['2', null], ['3', 'ccc']] as const) {
      const p = rowPacket([ascii(id), s === null ? null : ascii(s)]);
      d.decode(p, 0, p.length);
    }
    expect(d.full).toBe(true);
    const page = d.finish();
    expect(page.rows).toBe(3);
    expect(page.columns[0]).toMatchObject({ kind: 'i64', values: new BigInt64Array([1n, 2n, 3n]) });
    expect(page.columns[1]).toMatchObject({ kind: 'utf8', nulls: new Uint8Array([0, 1, 0]) });
    expect(d.rows).toBe(0);
  });
});

describe('snapshot key parts from text = from mysql2 values', () => {
  it('integers, decimals, text, binary, BIT and doubles give the same position key parts', () => {
    const cols = [col('i', 'int'), col('bi', 'bigint'), col('d', 'decimal', 'decimal(10,2)'), col('s', 'varchar'), col('b', 'varbinary'), col('bt', 'bit'), col('x', 'double'), col('dt', 'datetime')];
    const table = { mysqlColumns: cols } as unknown as MySqlTable;
    const texts = [ascii('-42'), ascii('9223372036854775807'), ascii('-12.50'), Buffer.from('héllo', 'utf8'), Buffer.from([0, 255]), Buffer.from([5]), ascii('0.1'), ascii('2024-01-01 00:00:00')];
    cols.forEach((c, i) => {
      const text = texts[i]!;
      expect(keyPartFromText(c.dataType, text, 0, text.length)).toEqual(keyPartOf(table, c.name, mysql2Raw(c, text)));
    });
  });
});
