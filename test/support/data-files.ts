import type { DataFile } from '../../src/iceberg/spec/manifest.js';
import type { PartitionValues } from '../../src/iceberg/spec/values.js';

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
