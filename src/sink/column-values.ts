/**
 * Pure operations on column values (change-event.ts ColumnValues): coercing columns to a
 * table's representations, and gathering a subset of rows (one partition's rows of a page).
 */
import type { Schema } from '../iceberg/spec/schema.js';
import { representationOf } from '../iceberg/spec/values.js';
import { PackedBytes, type ColumnArray } from '../parquet/packed-bytes.js';
import { selectRows } from '../parquet/row-selection.js';
import type { ColumnValues } from './change-event.js';

type Column = ColumnArray;

/**
 * Long-represented columns (long, timestamps, decimals...) given as numbers become bigints,
 * as rowCoercer does for rows: an int source column written into a column since widened to
 * long. Returns `v` itself when nothing changes.
 */
export function coerceColumns(schema: Schema, v: ColumnValues): ColumnValues {
  let columns: Record<string, Column> | undefined;
  for (const f of schema.fields) {
    if (representationOf(f.type.kind) !== 'bigint') continue;
    const col = v.columns[f.name];
    if (col === undefined || col instanceof BigInt64Array || col instanceof PackedBytes) continue;
    if (col instanceof Int32Array || col instanceof Float64Array || col instanceof Float32Array) {
      (columns ??= { ...v.columns })[f.name] = BigInt64Array.from(col, (x) => BigInt(Number.isInteger(x) ? x : 0));
      continue;
    }
    let converted: unknown[] | undefined;
    for (let i = 0; i < col.length; i++) {
      const x = col[i];
      if (typeof x === 'number' && Number.isInteger(x)) (converted ??= Array.from(col))[i] = BigInt(x);
    }
    if (converted) (columns ??= { ...v.columns })[f.name] = converted;
  }
  return columns ? { ...v, columns } : v;
}

/** The given rows (indices into `v`, in the order given) as column values of their own. */
export function gatherRows(v: ColumnValues, rows: Int32Array): ColumnValues {
  const columns: Record<string, Column> = {};
  for (const name in v.columns) columns[name] = selectRows(v.columns[name]!, rows);
  let nulls: Record<string, Uint8Array> | undefined;
  for (const name in v.nulls ?? {}) {
    const n = v.nulls![name];
    if (n) (nulls ??= {})[name] = selectRows(n, rows) as Uint8Array;
  }
  return { length: rows.length, columns, ...(nulls ? { nulls } : {}) };
}
