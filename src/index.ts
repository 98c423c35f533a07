/**
 * icetide's library surface. The CLI is a thin layer over these, so every CLI feature is
 * also a library call.
 */
export * from './errors.js';
export type { FileIO, FileInfo, OutputStream } from './io/file-io.js';
export { LocalFileIO } from './io/local-file-io.js';
export { PrefixMappedFileIO } from './io/prefix-mapped-file-io.js';
export { S3FileIO } from './io/s3-file-io.js';
export { WebHdfsFileIO } from './io/webhdfs-file-io.js';
export { fileIOFor } from './io/file-io-registry.js';
export type { StorageConfig, S3StorageConfig, HdfsStorageConfig } from './io/storage-config.js';
export type { Catalog, CreateTableOptions, TableIdentifier } from './catalog/catalog.js';
export { parseTableIdentifier, formatTableIdentifier } from './catalog/catalog.js';
export { FilesystemCatalog } from './catalog/filesystem-catalog.js';
export { SqlCatalog, DEFAULT_SQL_CATALOG_NAME, type SqlCatalogOptions } from './catalog/sql-catalog.js';
export type { SqlDriver, SqlDialect } from './catalog/sql-driver.js';
export { openCatalog, type CatalogSpec } from './catalog/open-catalog.js';
export { migrateToSqlCatalog, type TableMigration } from './catalog/migrate-to-sql-catalog.js';
export { openTable } from './catalog/open-table.js';
export { CorruptMetadataError } from './catalog/corrupt-metadata.js';
export { planMetadataRestore, applyMetadataRestore, type MetadataRestorePlan, type MetadataRestoreResult } from './catalog/metadata-restore.js';
export { Table } from './iceberg/table.js';
export type { TableOperations, TableState } from './iceberg/table-operations.js';
export { planScan, type FileScanTask, type PlannedFile } from './iceberg/scan-planner.js';
export { verifyPlannedFiles, type FileProblem } from './iceberg/file-verification.js';
export type { PendingUpdate, RetryPolicy } from './iceberg/commit/commit-loop.js';
export type { ExpireResult, UnreachableFiles } from './iceberg/commit/expire-snapshots.js';
export * from './iceberg/spec/types.js';
export type { PrimitiveValue, PartitionValues } from './iceberg/spec/values.js';
export { Schema } from './iceberg/spec/schema.js';
export type { PartitionSpec, PartitionField } from './iceberg/spec/partition-spec.js';
export type { SortOrder, SortField } from './iceberg/spec/sort-order.js';
export type { Snapshot, SnapshotSummary, SnapshotRef, SnapshotOperation } from './iceberg/spec/snapshot.js';
export type { TableMetadata, FormatVersion } from './iceberg/spec/table-metadata.js';
export type { DataFile, DataFileContent, ManifestEntry, LiveManifestEntry } from './iceberg/spec/manifest.js';
export type { ManifestFile, ManifestContent } from './iceberg/spec/manifest-list.js';
export { parseTableMetadata, serializeTableMetadata } from './iceberg/spec/table-metadata-parser.js';
export { parseTransform, transformToString, applyTransform, transformFunction, transformResultType } from './iceberg/spec/transforms.js';
export { serializeValue, deserializeValue, compareValues } from './iceberg/spec/value-serialization.js';
export { TableWriter, type TableWriterOptions, type CommitStats } from './sink/table-writer.js';
export type { ChangeEvent, ChangeBatch, SourcePosition } from './sink/change-event.js';
export type { Source, SourceTable, SourceColumn } from './pipeline/source.js';
export { buildPipeline } from './pipeline/pipeline-builder.js';
export { loadPipelineConfig, parsePipelineConfig } from './pipeline/config-loader.js';
export { tableReadiness, partitionReadiness, tableWatermark } from './pipeline/readiness.js';
export { scanTable, countRows } from './iceberg/read/table-scan.js';
export { parsePredicate } from './iceberg/read/predicate.js';
