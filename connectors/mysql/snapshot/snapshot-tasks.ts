/**
 * The full load's read tasks, in handover order (snapshot positions are ordered by table, then
 * key: a batch position says "everything before it is covered"). A table read in parallel is
 * cut into chunks of `chunkSize` rows by boundary queries that walk the primary key ahead of
 * the readers (`SELECT k ... LIMIT 1 OFFSET chunkSize-1`): every key falls in exactly one range
 * (lo, hi], whatever is written meanwhile. Any other table is one task, read in key order in
 * one view.
 */
import type mysql from 'mysql2/promise';
import { connect, queryRows, type ConnectionSettings } from '../connection.js';
import type { MySqlTable } from '../discovery.js';
import type { KeyPart } from '../position.js';
import type { ReadTask } from './reader-protocol.js';
import { boundarySql, keyPartOf } from './snapshot-sql.js';

export interface TablePlan {
  /** Discovery index (positions name tables by it). */
  readonly index: number;
  readonly table: MySqlTable;
  /** Chunking key (the primary key, or `key-columns`); empty: one unchunked scan. */
  readonly keyColumns: readonly string[];
  /** Resume after this key (a restart inside this table). */
  readonly after?: readonly KeyPart[];
  /** Keyless tables: rows already handed over before a restart. */
  readonly skipRows?: number;
  /** Cut into chunk ranges read by several workers at once. */
  readonly parallel: boolean;
}

export interface PlannedTask extends ReadTask {
  readonly plan: TablePlan;
}

/**
 * Tasks of the plans, in order (`ReadTask.table` is the plan's index in `plans`). Boundary
 * queries run on their own connection, opened only when a table is read in parallel.
 */
export async function* snapshotTasks(plans: readonly TablePlan[], o: { readonly connection: ConnectionSettings; readonly chunkSize: number; readonly where: string }): AsyncGenerator<PlannedTask> {
  let id = 0;
  let splitter: mysql.Connection | undefined;
  try {
    for (let p = 0; p < plans.length; p++) {
      const plan = plans[p]!;
      const base = { table: p, plan };
      if (!plan.parallel || plan.keyColumns.length === 0) {
        yield { id: id++, ...base, ...(plan.after ? { after: plan.after } : {}), ...(plan.skipRows !== undefined ? { skipRows: plan.skipRows } : {}) };
        continue;
      }
      splitter ??= await connect(o.connection, o.where);
      let lo = plan.after;
      for (;;) {
        const hi = await boundary(splitter, plan, lo, o.chunkSize);
        yield { id: id++, ...base, ...(lo ? { after: lo } : {}), ...(hi ? { upTo: hi } : {}) };
        if (!hi) break;
        lo = hi;
      }
    }
  } finally {
    await splitter?.end().catch(() => undefined);
  }
}

async function boundary(c: mysql.Connection, plan: TablePlan, after: readonly KeyPart[] | undefined, rows: number): Promise<KeyPart[] | undefined> {
  const t = { db: plan.table.db, table: plan.table.table, columns: plan.table.mysqlColumns, keyColumns: plan.keyColumns };
  const q = boundarySql(t, after, rows);
  const found = await queryRows<Record<string, unknown>>(c, q.sql, q.params);
  const row = found[0];
  return row ? plan.keyColumns.map((k) => keyPartOf(plan.table, k, row[k])) : undefined;
}
