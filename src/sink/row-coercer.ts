import type { Schema } from '../iceberg/spec/schema.js';
import { representationOf } from '../iceberg/spec/values.js';
import type { RowValues } from './change-event.js';

/**
 * Normalises row values to the table's column types where a widening made them differ from
 * what the connector emits (an int source column read as `number` into a column since widened
 * to long needs a bigint). Keys must compare equal however they arrived, so this runs before
 * anything looks at a row.
 */
export function rowCoercer(schema: Schema): (row: RowValues | undefined) => RowValues | undefined {
  const longColumns = schema.fields.filter((f) => representationOf(f.type.kind) === 'bigint').map((f) => f.name);
  if (longColumns.length === 0) return (row) => row;
  return (row) => {
    if (!row) return row;
    let out: Record<string, unknown> | undefined;
    for (const c of longColumns) {
      const v = row[c];
      if (typeof v === 'number' && Number.isInteger(v)) (out ??= { ...row })[c] = BigInt(v);
    }
    return out ?? row;
  };
}
