import type { DataFile } from '../../src/iceberg/spec/manifest.js';
import type { PartitionValues } from '../../src/iceberg/spec/values.js';
import type { Table } from '../../src/iceberg/table.js';
import { randomUUID } from 'node:crypto';
import { dataFileFromMetrics } from '../../src/iceberg/data-file-builder.js';
import { ParquetFileWriter, parquetWriteOptionsFromProperties, type ParquetWriteOptions, type Row } from '../../src/parquet/index.js';
import { writePositionDeletes } from '../../src/sink/delete-file-writers.js';

let counter = 0;

/** A DataFile record for planning/commit tests (the file itself need not exist). */
export function dataFile(o: Partial<DataFile> & { partition?: PartitionValues } = {}): DataFile {
  counter++;
  return {
    content: 'data',
    filePath: `/nowhere/data/file-${counter}.parquet`,
    fileFormat: 'PARQUET',
    specId: 0,
    partition: [],
    recordCount: 10n,
    fileSizeInBytes: 1000n,
    ...o,
  };
}

export function positionDeletes(o: Partial<DataFile> = {}): DataFile {
  return dataFile({ content: 'position-deletes', filePath: `/nowhere/data/pos-${++counter}.parquet`, recordCount: 1n, ...o });
}

export function equalityDeletes(equalityIds: number[], o: Partial<DataFile> = {}): DataFile {
  return dataFile({ content: 'equality-deletes', filePath: `/nowhere/data/eq-${++counter}.parquet`, recordCount: 1n, equalityIds, ...o });
}

/** Commits delete files in one row delta (a sink commit of deletes only). */
export async function commitDeletes(t: Table, files: readonly DataFile[]): Promise<void> {
  const delta = t.newRowDelta();
  for (const f of files) delta.addDeletes(f);
  await delta.commit();
}

/** Writes and commits position deletes of the given row positions in each data file (unpartitioned). */
export async function commitPositionDeletes(t: Table, files: readonly DataFile[], positions: readonly number[]): Promise<void> {
  const target = { io: t.io, opts: parquetWriteOptionsFromProperties(t.metadata.properties), newLocation: (name: string) => t.ops.newDataLocation(name) };
  const deletes = files.flatMap((df) => positions.map((p) => ({ file_path: df.filePath, pos: BigInt(p) })));
  await commitDeletes(t, await writePositionDeletes(target, [{ specId: 0, values: [], path: '', deletes }]));
}

/** Writes rows to a new unpartitioned data file of the table (not committed). */
export async function writeDataFile(t: Table, rows: Row[], opts: ParquetWriteOptions = {}): Promise<DataFile> {
  const schema = t.schema();
  const location = t.ops.newDataLocation(`${randomUUID()}.parquet`);
  const w = await ParquetFileWriter.open(t.io, location, schema, { ...parquetWriteOptionsFromProperties(t.metadata.properties), ...opts });
  await w.write(rows);
  return dataFileFromMetrics({ content: 'data', location, metrics: await w.close(), specId: 0, partition: [], schema });
}
