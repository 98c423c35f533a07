/** Parquet layer: data/delete file writers and the field-id based reader. */
export { ParquetFileWriter, CREATED_BY, type ColumnBatch, type DataFileMetrics, type Row } from './writer.js';
export { PackedBinary, PackedBytes, PackedStrings, valueAt, type ColumnArray } from './packed-bytes.js';
export { selectRows } from './row-selection.js';
export { RollingParquetWriter, type WrittenFile } from './rolling-writer.js';
export { parquetWriteOptionsFromProperties, DEFAULTS as PARQUET_WRITE_DEFAULTS, type ParquetWriteOptions } from './options.js';
export type { Codec } from './compression.js';
export {
  DEFAULT_METRICS_MODE, parseMetricsMode, truncateBinaryLower, truncateBinaryUpper, truncateStringLower, truncateStringUpper,
  type MetricsConfig, type MetricsMode,
} from './metrics.js';
export {
  DELETE_FILE_PATH_ID, DELETE_POS_ID, DELETE_ROW_ID, FILE_PATH_FIELD, POS_FIELD, POSITION_DELETE_SCHEMA,
  checkPositionDeletesSorted, equalityDeleteSchema, sortPositionDeletes, type PositionDelete,
} from './deletes.js';
export {
  columnRepr, columnValue, gatherColumns, isFlatProjection, readParquetColumns, type ColumnarBatch, type ColumnData,
} from './column-reader.js';
export { readParquetMetadata, readParquetRows, type ParquetFileMetadata, type ReadOptions } from './reader.js';
export { toParquetSchema, type LeafColumn } from './parquet-schema.js';
export { packBatches, unpackBatches, type MaskedColumns, type PackedBatches } from './batch-transfer.js';
