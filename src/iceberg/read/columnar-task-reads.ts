import { UnsupportedError } from '../../errors.js';
import { readParquetColumns, type MaskedColumns } from '../../parquet/index.js';
import type { FileIO } from '../../io/file-io.js';
import type { FileScanTask } from '../scan-planner.js';
import type { Schema } from '../spec/schema.js';
import type { Table } from '../table.js';
import type { DeleteLoader } from './delete-loader.js';

/** One row group of a data file with its keep-mask (1 = live row) and live-row count. */
export type MaskedBatch = MaskedColumns;

/** The task's position-deleted row positions, sorted (a file never nears 2^53 rows). */
export async function deletedPositions(task: FileScanTask, positions: DeleteLoader): Promise<Float64Array> {
  const posDeletes = task.deletes.filter((d) => d.file.content === 'position-deletes');
  if (posDeletes.length === 0) return new Float64Array(0);
  return Float64Array.from(await positions.positionsFor(task.file.filePath, posDeletes), Number).sort();
}

/**
 * Spec "Column Projection": a column missing from the file that is the source of an
 * identity partition field takes the partition value.
 */
export function identityConstants(table: Table, task: FileScanTask, schema: Schema): Map<number, unknown> {
  const constants = new Map<number, unknown>();
  table.specs().get(task.file.specId)?.fields.forEach((pf, i) => {
    if (pf.transform.kind === 'identity' && schema.fields.some((f) => f.id === pf.sourceId)) constants.set(pf.sourceId, task.file.partition[i] ?? null);
  });
  return constants;
}

/** Keep-masks for a file's consecutive batches from its sorted deleted positions. */
class PositionMasks {
  private pos = 0;
  private d = 0;

  constructor(private readonly deleted: Float64Array) {}

  /** The mask of the next `n` rows. */
  next(n: number): { mask: Uint8Array; kept: number } {
    const mask = new Uint8Array(n).fill(1);
    let kept = n;
    const deleted = this.deleted;
    for (; this.d < deleted.length && deleted[this.d]! < this.pos + n; this.d++) {
      const p = deleted[this.d]! - this.pos;
      if (p >= 0 && mask[p]) {
        mask[p] = 0;
        kept--;
      }
    }
    this.pos += n;
    return { mask, kept };
  }
}

/**
 * The rows of one planned data file as columnar row groups, `schema` projected (flat), with
 * the task's position deletes applied as a keep-mask; `packed`: strings and binaries as
 * stored (see readParquetColumns), for a caller that writes them on. Equality deletes are the caller's: the
 * scan applies the task's sets, compaction applies them bucket by bucket.
 */
export async function* readTaskColumns(table: Table, task: FileScanTask, schema: Schema, positions: DeleteLoader, o: { packed?: boolean } = {}): AsyncIterable<MaskedBatch> {
  checkParquet(task);
  yield* maskedBatches(table.io, task.file.filePath, schema, await deletedPositions(task, positions), identityConstants(table, task, schema), o.packed === true);
}

/**
 * A Parquet file's batches with keep-masks (its sorted deleted positions cleared), `constants`
 * standing in for columns missing from the file.
 */
export async function* maskedBatches(io: FileIO, location: string, schema: Schema, deleted: Float64Array, constants: ReadonlyMap<number, unknown>, packed: boolean): AsyncIterable<MaskedBatch> {
  const masks = new PositionMasks(deleted);
  for await (const batch of readParquetColumns(io, location, schema, { constants, ...(packed ? { packed: true } : {}) })) {
    yield { batch, ...masks.next(batch.length) };
  }
}

/** Data files are read only in Parquet. */
export function checkParquet(task: FileScanTask): void {
  if (task.file.fileFormat !== 'PARQUET') throw new UnsupportedError(`data file ${task.file.filePath} is ${task.file.fileFormat}; only Parquet is read`);
}
