/**
 * The SQL of the full load: select lists, keyset range queries, key-part values as query
 * parameters, and the chunk boundaries of a parallel read.
 */
import type { MySqlTable } from '../discovery.js';
import type { KeyPart } from '../position.js';
import type { MySqlColumn } from '../type-mapping.js';

/** Types whose key parts are exact integers (YEAR included: mysql2 hands it over as a number). */
export const INTEGER_TYPES: ReadonlySet<string> = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'year']);
const BINARY_TYPES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);

export function quoteId(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/**
 * The select list of a table. FLOAT is read as DOUBLE: the text protocol prints FLOAT with 6
 * significant digits (15.3333 for the float32 15.333333...), while the binlog carries its exact
 * bits; `+ 0e0` widens it exactly, so both paths give the same float value.
 */
export function selectList(columns: readonly MySqlColumn[]): string {
  return columns.map((c) => (c.dataType === 'float' ? `(${quoteId(c.name)} + 0e0) AS ${quoteId(c.name)}` : quoteId(c.name))).join(', ');
}

/**
 * A key value as a position stores it, from what mysql2 hands over for the column: integers
 * exact, binary (and BIT) as hex, the rest as text.
 */
export function keyPartOf(table: MySqlTable, column: string, raw: unknown): KeyPart {
  if (raw === null || raw === undefined) return null;
  const type = table.mysqlColumns.find((c) => c.name === column)?.dataType ?? '';
  if (INTEGER_TYPES.has(type) && (typeof raw === 'number' || typeof raw === 'string' || typeof raw === 'bigint')) return BigInt(raw);
  if (raw instanceof Uint8Array) return Buffer.from(raw).toString('hex');
  return String(raw);
}

/**
 * The same from the value's text-protocol bytes (the full load's raw rows): exactly what
 * keyPartOf gives for mysql2's value of those bytes.
 */
export function keyPartFromText(dataType: string, bytes: Buffer, start: number, end: number): KeyPart {
  if (INTEGER_TYPES.has(dataType)) return BigInt(bytes.toString('latin1', start, end));
  if (dataType === 'bit' || BINARY_TYPES.has(dataType)) return bytes.toString('hex', start, end);
  // mysql2 parses FLOAT/DOUBLE into numbers; a position holds that number's text.
  if (dataType === 'float' || dataType === 'double' || dataType === 'real') return String(Number(bytes.toString('latin1', start, end)));
  return bytes.toString('utf8', start, end);
}

/** A position's key part as a query parameter. */
export function keyParam(column: MySqlColumn | undefined, part: KeyPart): unknown {
  if (part === null) return null;
  const type = column?.dataType ?? '';
  if (BINARY_TYPES.has(type) || type === 'bit') return Buffer.from(String(part), 'hex');
  return typeof part === 'bigint' ? part.toString() : part;
}

export interface KeysetTable {
  readonly db: string;
  readonly table: string;
  readonly columns: readonly MySqlColumn[];
  readonly keyColumns: readonly string[];
}

function keyCondition(t: KeysetTable, op: '>' | '<=', key: readonly KeyPart[]): { sql: string; params: unknown[] } {
  const keys = t.keyColumns.map(quoteId);
  const params = key.map((p, i) => keyParam(t.columns.find((c) => c.name === t.keyColumns[i]), p));
  // A single key column uses a plain range; a composite one the row comparison, which both
  // MySQL and MariaDB turn into an index range scan.
  const sql = keys.length === 1 ? `${keys[0]} ${op} ?` : `(${keys.join(', ')}) ${op} (${keys.map(() => '?').join(', ')})`;
  return { sql, params };
}

function from(t: KeysetTable): string {
  return `${quoteId(t.db)}.${quoteId(t.table)}`;
}

/** Rows with keys in (after, upTo] in key order, at most `limit` of them. */
export function keysetSql(t: KeysetTable, after: readonly KeyPart[] | undefined, upTo: readonly KeyPart[] | undefined, limit: number): { sql: string; params: unknown[] } {
  const conds = [...(after ? [keyCondition(t, '>', after)] : []), ...(upTo ? [keyCondition(t, '<=', upTo)] : [])];
  const where = conds.length > 0 ? ` WHERE ${conds.map((c) => c.sql).join(' AND ')}` : '';
  return { sql: `SELECT ${selectList(t.columns)} FROM ${from(t)}${where} ORDER BY ${t.keyColumns.map(quoteId).join(', ')} LIMIT ${limit}`, params: conds.flatMap((c) => c.params) };
}

/** A keyless table's rows, in one scan. */
export function scanSql(t: KeysetTable): string {
  return `SELECT ${selectList(t.columns)} FROM ${from(t)}`;
}

/**
 * The key of the `rows`-th row after `after` (a chunk's inclusive upper bound), or nothing
 * when fewer rows are left: the last chunk is open-ended. It walks the primary key only.
 */
export function boundarySql(t: KeysetTable, after: readonly KeyPart[] | undefined, rows: number): { sql: string; params: unknown[] } {
  const cond = after ? keyCondition(t, '>', after) : undefined;
  const keys = t.keyColumns.map(quoteId).join(', ');
  const select = selectList(t.keyColumns.map((k) => t.columns.find((c) => c.name === k)!));
  return { sql: `SELECT ${select} FROM ${from(t)}${cond ? ` WHERE ${cond.sql}` : ''} ORDER BY ${keys} LIMIT 1 OFFSET ${rows - 1}`, params: cond?.params ?? [] };
}
