import { UnsupportedError } from '../../errors.js';
import { readParquetColumns, type ColumnarBatch } from '../../parquet/index.js';
import type { FileScanTask } from '../scan-planner.js';
import type { Schema } from '../spec/schema.js';
import type { Table } from '../table.js';
import type { DeleteLoader } from './delete-loader.js';

/** One row group of a data file with its keep-mask (1 = live row) and live-row count. */
export interface MaskedBatch {
  readonly batch: ColumnarBatch;
  readonly mask: Uint8Array;
  readonly kept: number;
}

/**
 * The rows of one planned data file as columnar row groups, `schema` projected (flat), with
 * the task's position deletes applied as a keep-mask; `packed`: strings and binaries as
 * stored (see readParquetColumns), for a caller that writes them on. Equality deletes are the caller's: the
 * scan applies the task's sets, compaction applies them bucket by bucket.
 */
export async function* readTaskColumns(table: Table, task: FileScanTask, schema: Schema, positions: DeleteLoader, o: { packed?: boolean } = {}): AsyncIterable<MaskedBatch> {
  if (task.file.fileFormat !== 'PARQUET') throw new UnsupportedError(`data file ${task.file.filePath} is ${task.file.fileFormat}; only Parquet is read`);
  const posDeletes = task.deletes.filter((d) => d.file.content === 'position-deletes');
  // Row positions as sorted numbers: a file never nears 2^53 rows.
  const deleted = posDeletes.length === 0 ? new Float64Array(0) : Float64Array.from(await positions.positionsFor(task.file.filePath, posDeletes), Number).sort();
  // Spec "Column Projection": a column missing from the file that is the source of an
  // identity partition field takes the partition value.
  const constants = new Map<number, unknown>();
  table.specs().get(task.file.specId)?.fields.forEach((pf, i) => {
    if (pf.transform.kind === 'identity' && schema.fields.some((f) => f.id === pf.sourceId)) constants.set(pf.sourceId, task.file.partition[i] ?? null);
  });
  let pos = 0;
  let d = 0;
  for await (const batch of readParquetColumns(table.io, task.file.filePath, schema, { constants, ...(o.packed ? { packed: true } : {}) })) {
    const n = batch.length;
    const mask = new Uint8Array(n).fill(1);
    let kept = n;
    for (; d < deleted.length && deleted[d]! < pos + n; d++) {
      const p = deleted[d]! - pos;
      if (p >= 0 && mask[p]) {
        mask[p] = 0;
        kept--;
      }
    }
    pos += n;
    yield { batch, mask, kept };
  }
}
