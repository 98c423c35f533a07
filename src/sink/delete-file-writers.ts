import { randomUUID } from 'node:crypto';
import { ParquetFileWriter, type ParquetWriteOptions } from '../parquet/index.js';
import { equalityDeleteSchema, POSITION_DELETE_SCHEMA, sortPositionDeletes } from '../parquet/deletes.js';
import type { FileIO } from '../io/file-io.js';
import { dataFileFromMetrics } from '../iceberg/data-file-builder.js';
import type { DataFile } from '../iceberg/spec/manifest.js';
import type { Schema } from '../iceberg/spec/schema.js';
import type { PartitionValues } from '../iceberg/spec/values.js';
import type { RowValues } from './change-event.js';

interface Target {
  readonly io: FileIO;
  readonly opts: ParquetWriteOptions;
  readonly newLocation: (fileName: string, partitionPath: string) => string;
}

/**
 * Writes one equality delete file per partition holding only the key columns (spec
 * "Equality Delete Files"); rows are already de-duplicated by the caller.
 */
export async function writeEqualityDeletes(
  t: Target,
  tableSchema: Schema,
  equalityIds: readonly number[],
  partitions: Iterable<{ readonly specId: number; readonly values: PartitionValues; readonly path: string; readonly rows: Iterable<RowValues> }>,
): Promise<DataFile[]> {
  const out: DataFile[] = [];
  let schema: Schema | undefined;
  for (const p of partitions) {
    const rows = [...p.rows];
    if (rows.length === 0) continue;
    schema ??= equalityDeleteSchema(tableSchema, equalityIds);
    const location = t.newLocation(`eq-del-${randomUUID()}.parquet`, p.path);
    const w = await ParquetFileWriter.open(t.io, location, schema, t.opts);
    try {
      await w.write(rows.map((r) => Object.fromEntries(schema!.fields.map((f) => [f.name, r[f.name] ?? null]))));
    } catch (err) {
      await w.abort();
      throw err;
    }
    const metrics = await w.close();
    out.push(dataFileFromMetrics({ content: 'equality-deletes', location, metrics, specId: p.specId, partition: p.values, schema, equalityIds }));
  }
  return out;
}

/**
 * Writes position deletes (file_path, pos) sorted as the spec requires, one file per
 * partition of the data files they point at (a position delete must share its data file's
 * partition to be applied).
 */
export async function writePositionDeletes(
  t: Target,
  partitions: Iterable<{ readonly specId: number; readonly values: PartitionValues; readonly path: string; readonly deletes: readonly { file_path: string; pos: bigint }[] }>,
): Promise<DataFile[]> {
  const out: DataFile[] = [];
  for (const p of partitions) {
    if (p.deletes.length === 0) continue;
    const sorted = sortPositionDeletes(p.deletes);
    const location = t.newLocation(`pos-del-${randomUUID()}.parquet`, p.path);
    const w = await ParquetFileWriter.open(t.io, location, POSITION_DELETE_SCHEMA, t.opts);
    try {
      await w.write(sorted.map((d) => ({ file_path: d.file_path, pos: d.pos })));
    } catch (err) {
      await w.abort();
      throw err;
    }
    const metrics = await w.close();
    const referenced = new Set(sorted.map((d) => d.file_path));
    out.push(
      dataFileFromMetrics({
        content: 'position-deletes',
        location,
        metrics,
        specId: p.specId,
        partition: p.values,
        schema: POSITION_DELETE_SCHEMA,
        ...(referenced.size === 1 ? { referencedDataFile: [...referenced][0]! } : {}),
      }),
    );
  }
  return out;
}
