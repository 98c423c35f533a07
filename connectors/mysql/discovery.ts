/**
 * Source tables from INFORMATION_SCHEMA: the base tables matched by the pipeline's table
 * entries (exact `db.table` or a regex over the whole name), their columns mapped to Iceberg
 * types (type-mapping.ts) and primary keys in key order.
 */
import type mysql from 'mysql2/promise';
import type { TableConfig } from '../../src/pipeline/config.js';
import type { SourceColumn, SourceTable } from '../../src/pipeline/source.js';
import { queryRows } from './connection.js';
import { icebergTypeOf, type MySqlColumn } from './type-mapping.js';

export interface MySqlTable extends SourceTable {
  readonly db: string;
  readonly table: string;
  readonly mysqlColumns: readonly MySqlColumn[];
}

const SYSTEM_SCHEMAS = ['mysql', 'information_schema', 'performance_schema', 'sys'];

interface ColumnRow {
  TABLE_SCHEMA: string;
  TABLE_NAME: string;
  COLUMN_NAME: string;
  DATA_TYPE: string;
  COLUMN_TYPE: string;
  IS_NULLABLE: string;
  NUMERIC_PRECISION: string | number | null;
  NUMERIC_SCALE: string | number | null;
  COLUMN_COMMENT: string;
  COLUMN_KEY: string;
  CHARACTER_SET_NAME: string | null;
}

export type TableFilter = (name: string) => boolean;

export function filterOf(tables: readonly TableConfig[]): TableFilter {
  return (name) => tables.some((t) => (t.match.kind === 'exact' ? t.match.name === name : t.match.regex.test(name)));
}

/** All base tables whose `db.table` passes `filter`, in name order (the order snapshots read them in). */
export async function discoverTables(c: mysql.Connection, filter: TableFilter): Promise<MySqlTable[]> {
  const cols = await queryRows<ColumnRow>(c,
    `SELECT c.TABLE_SCHEMA, c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE, c.COLUMN_TYPE, c.IS_NULLABLE, c.NUMERIC_PRECISION, c.NUMERIC_SCALE, c.COLUMN_COMMENT, c.COLUMN_KEY, c.CHARACTER_SET_NAME
       FROM INFORMATION_SCHEMA.COLUMNS c JOIN INFORMATION_SCHEMA.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
      WHERE t.TABLE_TYPE = 'BASE TABLE' AND c.TABLE_SCHEMA NOT IN (${SYSTEM_SCHEMAS.map(() => '?').join(', ')})
      ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION`, SYSTEM_SCHEMAS);
  const keys = await queryRows<{ TABLE_SCHEMA: string; TABLE_NAME: string; COLUMN_NAME: string }>(c,
    `SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME FROM INFORMATION_SCHEMA.KEY_COLUMN_USAGE
      WHERE CONSTRAINT_NAME = 'PRIMARY' AND TABLE_SCHEMA NOT IN (${SYSTEM_SCHEMAS.map(() => '?').join(', ')})
      ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`, SYSTEM_SCHEMAS);
  const byTable = new Map<string, ColumnRow[]>();
  for (const r of cols) {
    const name = `${r.TABLE_SCHEMA}.${r.TABLE_NAME}`;
    if (!filter(name)) continue;
    const list = byTable.get(name) ?? [];
    list.push(r);
    byTable.set(name, list);
  }
  const pk = new Map<string, string[]>();
  for (const k of keys) {
    const name = `${k.TABLE_SCHEMA}.${k.TABLE_NAME}`;
    pk.set(name, [...(pk.get(name) ?? []), k.COLUMN_NAME]);
  }
  return [...byTable.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, rows]) => {
    const primaryKey = pk.get(name) ?? [];
    const mysqlColumns: MySqlColumn[] = rows.map((r) => ({
      name: r.COLUMN_NAME,
      dataType: r.DATA_TYPE.toLowerCase(),
      columnType: r.COLUMN_TYPE.toLowerCase(),
      nullable: r.IS_NULLABLE === 'YES',
      ...(r.NUMERIC_PRECISION !== null ? { numericPrecision: Number(r.NUMERIC_PRECISION) } : {}),
      ...(r.NUMERIC_SCALE !== null ? { numericScale: Number(r.NUMERIC_SCALE) } : {}),
      ...(r.COLUMN_COMMENT ? { comment: r.COLUMN_COMMENT } : {}),
      ...(r.CHARACTER_SET_NAME ? { charset: r.CHARACTER_SET_NAME.toLowerCase() } : {}),
    }));
    const columns: SourceColumn[] = mysqlColumns.map((m) => ({
      name: m.name,
      type: icebergTypeOf(m, name),
      nullable: m.nullable && !primaryKey.includes(m.name),
      doc: `${m.columnType}${m.comment ? ` -- ${m.comment}` : ''}`,
    }));
    return { name, db: rows[0]!.TABLE_SCHEMA, table: rows[0]!.TABLE_NAME, columns, primaryKey, mysqlColumns };
  });
}
