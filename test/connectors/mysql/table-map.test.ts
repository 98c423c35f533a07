import { describe, expect, it } from 'vitest';
import { RowImageDecoder } from '../../../connectors/mysql/binlog/row-image-decoder.js';
import { ColumnType as T } from '../../../connectors/mysql/binlog/event-types.js';
import { parseTableMap, type TableMap } from '../../../connectors/mysql/binlog/table-map.js';
import { BinlogFormatError } from '../../../connectors/mysql/binlog/wire.js';
import type { MySqlTable } from '../../../connectors/mysql/discovery.js';
import { MySqlValueError } from '../../../connectors/mysql/errors.js';
import { icebergTypeOf, type MySqlColumn } from '../../../connectors/mysql/type-mapping.js';

/**
 * Table maps built byte by byte (MySQL `Table_map_log_event`: post header, names, column
 * types, type metadata, nullability bitmap, optional metadata as type/length/value), and the
 * decoder's matching of logged columns to discovered ones: by the logged names, or by position.
 */
const names = (...ns: string[]) => Buffer.concat(ns.map((n) => Buffer.concat([Buffer.from([Buffer.byteLength(n)]), Buffer.from(n)])));
const field = (type: number, value: Buffer) => Buffer.concat([Buffer.from([type, value.length]), value]);

/** A table map body of shop.t with id INT, amt DECIMAL(10,2), gone VARCHAR(40); `optional` appended. */
function tableMap(optional: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([
    Buffer.from([7, 0, 0, 0, 0, 0, 1, 0]), // table id 7 (6 bytes), flags
    Buffer.from([4]), Buffer.from('shop\0'), Buffer.from([1]), Buffer.from('t\0'),
    Buffer.from([3, T.LONG, T.NEWDECIMAL, T.VARCHAR]),
    Buffer.from([4, 10, 2, 40, 0]), // metadata: decimal precision, scale; varchar max length (LE)
    Buffer.from([0b110]), // nullability
    optional,
  ]);
}
const parse = (b: Buffer): TableMap => parseTableMap(b, 0, b.length, 8);

const col = (name: string, dataType: string, columnType: string): MySqlColumn => ({ name, dataType, columnType, nullable: name !== 'id', charset: dataType === 'varchar' ? 'utf8mb4' : undefined });
function table(cols: MySqlColumn[]): MySqlTable {
  return { name: 'shop.t', db: 'shop', table: 't', primaryKey: ['id'], mysqlColumns: cols, columns: cols.map((c) => ({ name: c.name, type: icebergTypeOf(c, 'shop.t'), nullable: c.nullable })) };
}

/** A write-rows body of one row (id 42, amt -12.34, gone 'xyz') for the map above. */
function rowsBlock(map: TableMap) {
  // -12.34 as DECIMAL(10,2): 8 integer digits in 4 bytes (00 00 00 0c), 2 fraction digits in 1 (22),
  // sign bit set (80 00 00 0c 22), every byte inverted for a negative number
  const decimal = Buffer.from([0x7f, 0xff, 0xff, 0xf3, 0xdd]);
  const buf = Buffer.concat([Buffer.from([3, 0b111, 0b000]), Buffer.from([42, 0, 0, 0]), decimal, Buffer.from([3]), Buffer.from('xyz')]);
  return { op: 'insert' as const, map, buf, start: 0, end: buf.length };
}

describe('table map optional metadata', () => {
  it('reads the logged column names (binlog_row_metadata=FULL), past other optional fields', () => {
    const m = parse(tableMap(Buffer.concat([field(1, Buffer.from([0x80])), field(4, names('id', 'Amt', 'gone'))])));
    expect(m.schema).toBe('shop');
    expect([...m.types]).toEqual([T.LONG, T.NEWDECIMAL, T.VARCHAR]);
    expect(m.columnNames).toEqual(['id', 'Amt', 'gone']);
  });

  it('has no names with MINIMAL metadata or none at all', () => {
    expect(parse(tableMap()).columnNames).toBeUndefined();
    expect(parse(tableMap(field(1, Buffer.from([0x80])))).columnNames).toBeUndefined();
  });

  it('a truncated optional field or a wrong name count is a BinlogFormatError naming the table', () => {
    const cut = tableMap(field(4, names('id', 'amt', 'gone'))).subarray(0, -3);
    expect(() => parse(cut)).toThrow(BinlogFormatError);
    expect(() => parse(cut)).toThrow(/shop\.t/);
    expect(() => parse(tableMap(field(4, names('id', 'amt'))))).toThrow(/2 column names for 3 columns/);
  });
});

describe('RowImageDecoder column matching', () => {
  const now = [col('id', 'int', 'int(11)'), col('note', 'varchar', 'varchar(10)'), col('amt', 'decimal', 'decimal(12,2)')];

  it('by logged name: a column added since is null, a dropped one is stepped over, a widened one decodes by its logged layout', () => {
    const map = parse(tableMap(field(4, names('id', 'AMT', 'gone'))));
    const rows = new RowImageDecoder(table(now), map).decode(rowsBlock(map), 'test');
    expect(rows).toEqual([{ id: 42, note: null, amt: -1234n }]);
  });

  it('by position without names: columns added at the end are null', () => {
    const map = parse(tableMap());
    const cols = [col('id', 'int', 'int(11)'), col('amt', 'decimal', 'decimal(10,2)'), col('gone', 'varchar', 'varchar(40)'), col('later', 'int', 'int(11)')];
    expect(new RowImageDecoder(table(cols), map).decode(rowsBlock(map), 'test')).toEqual([{ id: 42, amt: -1234n, gone: 'xyz', later: null }]);
  });

  it('without names, more logged columns than discovered stops: a new snapshot, and the server setting for later rows', () => {
    const map = parse(tableMap());
    expect(() => new RowImageDecoder(table(now.slice(0, 2)), map)).toThrow(MySqlValueError);
    expect(() => new RowImageDecoder(table(now.slice(0, 2)), map)).toThrow(/a new snapshot is needed.*binlog_row_metadata=FULL/);
  });

  it('a logged type of another family stops naming the column and what a restart cannot fix', () => {
    const map = parse(tableMap(field(4, names('id', 'note', 'amt'))));
    expect(() => new RowImageDecoder(table(now), map)).toThrow(/shop\.t\.note is varchar\(10\) at discovery but arrives in the binlog as wire type 246 \(decimal\).*new snapshot/);
  });
});
