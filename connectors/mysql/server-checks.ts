/**
 * Binlog settings a CDC pipeline needs, checked before reading: each problem names the exact
 * server setting to change. Used by the source (fails fast) and by `icetide init` (reports).
 */
import type mysql from 'mysql2/promise';
import { queryRows } from './connection.js';
import type { BinlogPosition } from './position.js';

export interface ServerInfo {
  readonly version: string;
  readonly mariadb: boolean;
  readonly variables: Readonly<Record<string, string>>;
}

export async function serverInfo(c: mysql.Connection): Promise<ServerInfo> {
  const rows = await queryRows<{ Variable_name: string; Value: string }>(c,
    "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('version', 'log_bin', 'binlog_format', 'binlog_row_image', 'binlog_row_metadata', 'gtid_mode', 'server_id', 'time_zone', 'system_time_zone')");
  const variables = Object.fromEntries(rows.map((r) => [r.Variable_name.toLowerCase(), String(r.Value)]));
  const version = variables.version ?? '';
  return { version, mariadb: /mariadb/i.test(version), variables };
}

/** Problems that stop CDC, each with its fix (empty: fine). */
export function binlogProblems(info: ServerInfo): string[] {
  const v = info.variables;
  const cnf = info.mariadb ? 'in the [mariadbd] section of the server config (e.g. /etc/mysql/mariadb.conf.d/50-server.cnf)' : 'in the [mysqld] section of my.cnf';
  const out: string[] = [];
  if ((v.log_bin ?? 'OFF').toUpperCase() !== 'ON' && v.log_bin !== '1') {
    out.push(`the binary log is off (log_bin=${v.log_bin ?? 'OFF'}): set log_bin=mysql-bin and server_id=1 ${cnf}, and restart the server`);
  }
  if (v.binlog_format !== undefined && v.binlog_format.toUpperCase() !== 'ROW') {
    out.push(`binlog_format is ${v.binlog_format}, CDC needs row events: SET GLOBAL binlog_format = 'ROW' (and binlog_format=ROW ${cnf} to keep it)`);
  }
  if (v.binlog_row_image !== undefined && v.binlog_row_image.toUpperCase() !== 'FULL') {
    out.push(`binlog_row_image is ${v.binlog_row_image}, CDC needs whole rows: SET GLOBAL binlog_row_image = 'FULL' (and binlog_row_image=FULL ${cnf})`);
  }
  // Column names in the table map match rows to columns across DDL (row-image-decoder.ts).
  // Servers without the variable (MySQL 5.7, MariaDB < 10.5) match by position.
  if (v.binlog_row_metadata !== undefined && v.binlog_row_metadata.toUpperCase() !== 'FULL') {
    out.push(`binlog_row_metadata is ${v.binlog_row_metadata}: SET GLOBAL binlog_row_metadata = 'FULL' (and binlog_row_metadata=FULL ${cnf}) so binlog rows carry column names, which match rows logged before an ALTER TABLE to the right columns (MariaDB >= 10.5, MySQL >= 8.0.1)`);
  }
  return out;
}

export interface BinaryLog {
  readonly name: string;
  readonly size: number;
}

export async function binaryLogs(c: mysql.Connection): Promise<BinaryLog[]> {
  const rows = await queryRows<{ Log_name: string; File_size: string | number }>(c, 'SHOW BINARY LOGS');
  return rows.map((r) => ({ name: r.Log_name, size: Number(r.File_size) }));
}

/** The binlog head: where the next transaction will be written, with the server's GTID position. */
/** The server's clock, ms since epoch (watermarks are source times, not this host's). */
export async function serverNowMs(c: mysql.Connection): Promise<number> {
  const rows = await queryRows<{ t: string | number }>(c, 'SELECT UNIX_TIMESTAMP(NOW(3)) * 1000 AS t');
  return Math.floor(Number(rows[0]!.t));
}

export async function masterStatus(c: mysql.Connection, mariadb: boolean): Promise<BinlogPosition> {
  const rows = await queryRows<{ File: string; Position: string | number }>(c, 'SHOW MASTER STATUS');
  const r = rows[0];
  if (!r) throw new Error('SHOW MASTER STATUS returned nothing: the binary log is off');
  let gtid: string | undefined;
  try {
    const g = await queryRows<{ g: string | null }>(c, mariadb ? 'SELECT @@GLOBAL.gtid_binlog_pos AS g' : 'SELECT @@GLOBAL.gtid_executed AS g');
    gtid = g[0]?.g ? String(g[0].g).replace(/\s/g, '') : undefined;
  } catch {
    gtid = undefined;
  }
  return { file: r.File, pos: Number(r.Position), ...(gtid ? { gtid } : {}) };
}
