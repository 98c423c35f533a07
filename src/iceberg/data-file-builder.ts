import type { DataFileMetrics } from '../parquet/index.js';
import type { DataFile, DataFileContent } from './spec/manifest.js';
import type { Schema } from './spec/schema.js';
import { isPrimitive } from './spec/types.js';
import type { PartitionValues, PrimitiveValue } from './spec/values.js';
import { serializeValue } from './spec/value-serialization.js';

export interface DataFileDescription {
  readonly content: DataFileContent;
  readonly location: string;
  readonly metrics: DataFileMetrics;
  readonly specId: number;
  readonly partition: PartitionValues;
  /** Schema the file was written with: bound types come from it. */
  readonly schema: Schema;
  readonly equalityIds?: readonly number[];
  readonly sortOrderId?: number;
  readonly referencedDataFile?: string;
}

/** A written Parquet file as a manifest `data_file`: bounds in the spec's binary form (Appendix D). */
export function dataFileFromMetrics(d: DataFileDescription): DataFile {
  const m = d.metrics;
  const encode = (bounds: ReadonlyMap<number, PrimitiveValue>): Map<number, Uint8Array> => {
    const out = new Map<number, Uint8Array>();
    for (const [id, v] of bounds) {
      const f = d.schema.findField(id);
      if (f && isPrimitive(f.type)) out.set(id, serializeValue(f.type, v));
    }
    return out;
  };
  return {
    content: d.content,
    filePath: d.location,
    fileFormat: 'PARQUET',
    specId: d.specId,
    partition: d.partition,
    recordCount: m.recordCount,
    fileSizeInBytes: m.fileSizeInBytes,
    columnSizes: m.columnSizes,
    valueCounts: m.valueCounts,
    nullValueCounts: m.nullValueCounts,
    nanValueCounts: m.nanValueCounts,
    lowerBounds: encode(m.lowerBounds),
    upperBounds: encode(m.upperBounds),
    splitOffsets: m.splitOffsets,
    ...(d.equalityIds ? { equalityIds: d.equalityIds } : {}),
    ...(d.sortOrderId !== undefined ? { sortOrderId: d.sortOrderId } : {}),
    ...(d.referencedDataFile !== undefined ? { referencedDataFile: d.referencedDataFile } : {}),
  };
}
