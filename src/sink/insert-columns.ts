/**
 * Row views of columnar inserts (change-event.ts InsertColumns): for the paths that take rows
 * (changelog tables, upserts outside the snapshot phase, tools and tests), and the pieces the
 * runner needs to route and skip them.
 */
import { valueAt, type ColumnArray } from '../parquet/packed-bytes.js';
import type { ChangeBatch, ChangeEvent, ColumnValues, InsertColumns, RowValues, SourcePosition } from './change-event.js';

/** Row i of column values as a row object (nulls as null, typed-array values as they read, packed ones made). */
export function rowAt(v: ColumnValues, i: number): RowValues {
  const row: Record<string, unknown> = {};
  for (const name in v.columns) row[name] = v.nulls?.[name]?.[i] ? null : valueAt(v.columns[name]!, i);
  return row;
}

/** Rows [start, end) as insert events. */
export function insertEvents(ins: InsertColumns, start = 0, end = ins.length): ChangeEvent[] {
  const out: ChangeEvent[] = new Array(Math.max(0, end - start));
  for (let i = start; i < end; i++) {
    out[i - start] = { table: ins.table, op: 'insert', after: rowAt(ins, i), position: ins.positionOf(i), sourceTsMs: ins.sourceTsMs, origin: ins.origin };
  }
  return out;
}

/** The first row whose position is after `committed` (positions increase): rows before it are already committed. */
export function firstUncommitted(ins: InsertColumns, committed: SourcePosition, compare: (a: SourcePosition, b: SourcePosition) => number): number {
  const after = (i: number): boolean => compare(ins.positionOf(i), committed) > 0;
  if (ins.length === 0 || after(0)) return 0;
  let lo = 0;
  let hi = ins.length; // after(lo) is false; after(hi) counts as true
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (after(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The inserts with constant columns added (e.g. the source db/table of merged shards). */
export function withConstantColumns(ins: InsertColumns, constants: Readonly<Record<string, unknown>>): InsertColumns {
  const columns: Record<string, ColumnArray> = { ...ins.columns };
  for (const [name, value] of Object.entries(constants)) columns[name] = new Array<unknown>(ins.length).fill(value);
  return { ...ins, columns, positionOf: (i) => ins.positionOf(i) };
}

/** Every change of a batch as events: its events, then its columnar inserts as insert events. */
export function batchEvents(b: ChangeBatch): ChangeEvent[] {
  return b.inserts ? [...b.events, ...insertEvents(b.inserts)] : [...b.events];
}
