/**
 * Consistent read views of the full load: one REPEATABLE READ transaction whose view all of a
 * reader's queries of a table share, and the binlog position that view matches.
 */
import type mysql from 'mysql2/promise';
import { queryRows } from '../connection.js';
import type { BinlogPosition } from '../position.js';
import type { ReadViewMode } from './reader-protocol.js';

/**
 * Opens the view and returns its binlog position:
 * - `status`: MariaDB reports it exactly (`binlog_snapshot_file/position`, set by START
 *   TRANSACTION WITH CONSISTENT SNAPSHOT: view and position are taken under the same commit
 *   lock). Undefined when the server reports none (binlog off: initial-only needs none).
 * - `lock`: as mysqldump --single-transaction --master-data: under FLUSH TABLES WITH READ LOCK
 *   no transaction can commit, so the view opened and the binlog head read there match. The
 *   lock is held for those two statements only (it waits for running writes to finish first;
 *   needs the RELOAD privilege).
 * - `none`: a consistent view without a position.
 */
export async function openReadView(c: mysql.Connection, mode: ReadViewMode): Promise<BinlogPosition | undefined> {
  await c.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  if (mode === 'lock') {
    await c.query('FLUSH TABLES WITH READ LOCK');
    try {
      await c.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
      const rows = await queryRows<{ File: string; Position: string | number }>(c, 'SHOW MASTER STATUS');
      const r = rows[0];
      return r ? { file: r.File, pos: Number(r.Position) } : undefined;
    } finally {
      await c.query('UNLOCK TABLES');
    }
  }
  await c.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
  if (mode === 'none') return undefined;
  const rows = await queryRows<{ Variable_name: string; Value: string }>(c, "SHOW SESSION STATUS LIKE 'binlog_snapshot_%'");
  const v = Object.fromEntries(rows.map((r) => [r.Variable_name.toLowerCase(), String(r.Value)]));
  const file = v.binlog_snapshot_file ?? '';
  const pos = Number(v.binlog_snapshot_position ?? 0);
  return file !== '' && pos > 0 ? { file, pos } : undefined;
}
