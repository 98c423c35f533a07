/**
 * The scan's columnar steps after a row group is decoded (columnar-task-reads.ts): equality
 * deletes and the filter clear bits of the keep-mask, then row objects are made for the rows
 * left, a batch at a time, so a large row group never exists as row objects all at once.
 */
import type { ColumnarBatch, Row } from '../../parquet/index.js';
import { columnValue, PackedBytes } from '../../parquet/index.js';
import { isDeletedKey, type EqualityDeleteSet } from './delete-loader.js';
import { batchKeys } from './equality-keys.js';
import { evaluate, type Predicate } from './predicate.js';

/**
 * Clears mask[i] for rows whose key is deleted by one of the sets (the planner already chose
 * the delete files that apply to the task, spec "Scan Planning") or that fail the filter.
 * `nameOf` maps a field id to its column in the batch. Returns the rows left.
 */
export function maskDeletedAndFiltered(
  batch: ColumnarBatch, mask: Uint8Array, kept: number, sets: readonly EqualityDeleteSet[], filter: Predicate | undefined, nameOf: (id: number) => string,
): number {
  for (const s of sets) {
    const key = batchKeys(batch, s.fields.map((f) => nameOf(f.id)));
    for (let i = 0; i < batch.length; i++) {
      if (mask[i] && isDeletedKey(s, key(i))) {
        mask[i] = 0;
        kept--;
      }
    }
  }
  if (filter) {
    for (let i = 0; i < batch.length; i++) {
      if (mask[i] && !evaluate(filter, (id) => columnValue(batch, nameOf(id), i))) {
        mask[i] = 0;
        kept--;
      }
    }
  }
  return kept;
}

/** Row objects (the named columns, in order) of the rows whose mask bit is set, up to `batchSize` a batch. */
export function* maskedRows(batch: ColumnarBatch, mask: Uint8Array, names: readonly string[], batchSize: number): Iterable<Row[]> {
  const cols = names.map((name) => {
    const data = batch.columns[name]!;
    return { name, packed: data instanceof PackedBytes ? data : undefined, data: data as ArrayLike<unknown>, nulls: batch.nulls[name] };
  });
  let out: Row[] = [];
  for (let i = 0; i < batch.length; i++) {
    if (!mask[i]) continue;
    const row: Row = {};
    for (const c of cols) row[c.name] = c.nulls?.[i] ? null : c.packed ? c.packed.get(i) : c.data[i];
    out.push(row);
    if (out.length >= batchSize) {
      yield out;
      out = [];
    }
  }
  if (out.length) yield out;
}
