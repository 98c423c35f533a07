import { AvroContainerWriter, parseAvroSchema, type AvroRecord, type AvroValue } from '../avro/index.js';
import type { FileIO } from '../io/file-io.js';
import { decimalRequiredBytes } from './avro-type-mapping.js';
import { manifestEntryAvroSchema } from './manifest-avro-schema.js';
import { partitionStructType } from './partition-type.js';
import type { DataFile, DataFileContent, LiveManifestEntry } from './spec/manifest.js';
import type { FieldSummary, ManifestContent, ManifestFile } from './spec/manifest-list.js';
import type { PartitionSpec } from './spec/partition-spec.js';
import type { Schema } from './spec/schema.js';
import { partitionFieldsToJson, schemaToJson } from './spec/schema-json.js';
import { stringifyJson } from './spec/lossless-json.js';
import type { FormatVersion } from './spec/table-metadata.js';
import type { PrimitiveType } from './spec/types.js';
import type { PrimitiveValue } from './spec/values.js';
import { compareValues, serializeValue } from './spec/value-serialization.js';

/** Java's UNASSIGNED_SEQ: the manifest list writer fills it with the new snapshot's number. */
export const UNASSIGNED_SEQ = -1n;
const STATUS_CODE = { existing: 0, added: 1, deleted: 2 } as const;
const CONTENT_CODE: Record<DataFileContent, number> = { data: 0, 'position-deletes': 1, 'equality-deletes': 2 };
/** v1 requires block_size_in_bytes; Iceberg Java writes this constant. */
const V1_BLOCK_SIZE = 64n * 1024n * 1024n;

export interface ManifestWriterOptions {
  readonly formatVersion: FormatVersion;
  readonly spec: PartitionSpec;
  /** Current schema, written into the manifest's metadata; all schemas resolve partition types. */
  readonly schema: Schema;
  readonly schemas: readonly Schema[];
  readonly content: ManifestContent;
  /** The snapshot this manifest is written for. */
  readonly snapshotId: bigint;
  readonly location: string;
}

interface PendingEntry {
  readonly status: 'existing' | 'added' | 'deleted';
  readonly snapshotId: bigint;
  readonly sequenceNumber?: bigint;
  readonly fileSequenceNumber?: bigint;
  readonly dataFile: DataFile;
}

/**
 * Writes one manifest (spec "Manifests"). ADDED entries leave their sequence numbers null so
 * they inherit the snapshot's number at commit time (a retried commit need not rewrite them),
 * unless the caller pins a data sequence number (rewrites keep the original one).
 */
export class ManifestWriter {
  private readonly entries: PendingEntry[] = [];
  private readonly partitionTypes: PrimitiveType[];

  constructor(private readonly opts: ManifestWriterOptions) {
    this.partitionTypes = partitionStructType(opts.spec, opts.schemas).fields.map((f) => f.type as PrimitiveType);
  }

  get size(): number {
    return this.entries.length;
  }

  add(file: DataFile, dataSequenceNumber?: bigint): void {
    this.entries.push({
      status: 'added',
      snapshotId: this.opts.snapshotId,
      ...(dataSequenceNumber === undefined ? {} : { sequenceNumber: dataSequenceNumber }),
      dataFile: file,
    });
  }

  existing(e: LiveManifestEntry): void {
    this.entries.push({ status: 'existing', snapshotId: e.snapshotId, sequenceNumber: e.sequenceNumber, fileSequenceNumber: e.fileSequenceNumber, dataFile: e.dataFile });
  }

  delete(e: LiveManifestEntry): void {
    this.entries.push({ status: 'deleted', snapshotId: this.opts.snapshotId, sequenceNumber: e.sequenceNumber, fileSequenceNumber: e.fileSequenceNumber, dataFile: e.dataFile });
  }

  async write(io: FileIO): Promise<ManifestFile> {
    const { formatVersion: v, spec, schema, schemas, content } = this.opts;
    const partitionType = partitionStructType(spec, schemas);
    const avroSchema = parseAvroSchema(manifestEntryAvroSchema(v, partitionType));
    const writer = new AvroContainerWriter(avroSchema, {
      codec: 'deflate',
      metadata: {
        schema: stringifyJson(schemaToJson(schema)),
        'schema-id': String(schema.schemaId),
        'partition-spec': stringifyJson(partitionFieldsToJson(spec)),
        'partition-spec-id': String(spec.specId),
        'format-version': String(v),
        ...(v >= 2 ? { content } : {}),
      },
    });
    let added = 0, existing = 0, deleted = 0;
    let addedRows = 0n, existingRows = 0n, deletedRows = 0n;
    let minSeq: bigint | undefined;
    const summaries = new PartitionSummaryBuilder(this.partitionTypes);
    for (const e of this.entries) {
      writer.append(this.toAvro(e));
      const rows = e.dataFile.recordCount;
      if (e.status === 'added') {
        added++;
        addedRows += rows;
      } else if (e.status === 'existing') {
        existing++;
        existingRows += rows;
      } else {
        deleted++;
        deletedRows += rows;
      }
      if (e.status !== 'deleted') {
        summaries.add(e.dataFile.partition);
        const seq = e.sequenceNumber ?? UNASSIGNED_SEQ;
        if (minSeq === undefined || (seq !== UNASSIGNED_SEQ && (minSeq === UNASSIGNED_SEQ || seq < minSeq))) minSeq = seq;
      }
    }
    const bytes = writer.finish();
    await io.write(this.opts.location, bytes);
    return {
      manifestPath: this.opts.location,
      manifestLength: BigInt(bytes.length),
      partitionSpecId: spec.specId,
      content,
      sequenceNumber: UNASSIGNED_SEQ,
      minSequenceNumber: minSeq ?? UNASSIGNED_SEQ,
      addedSnapshotId: this.opts.snapshotId,
      addedFilesCount: added,
      existingFilesCount: existing,
      deletedFilesCount: deleted,
      addedRowsCount: addedRows,
      existingRowsCount: existingRows,
      deletedRowsCount: deletedRows,
      partitions: summaries.build(),
    };
  }

  private toAvro(e: PendingEntry): AvroRecord {
    const v = this.opts.formatVersion;
    const f = e.dataFile;
    const partition: AvroRecord = {};
    this.opts.spec.fields.forEach((pf, i) => {
      partition[pf.name] = partitionValueToAvro(this.partitionTypes[i]!, f.partition[i] ?? null);
    });
    const intMap = <T extends AvroValue>(m: ReadonlyMap<number, T> | undefined): AvroValue => (m ? [...m].map(([key, value]) => ({ key, value })) : null);
    const dataFile: AvroRecord = {
      file_path: f.filePath,
      file_format: f.fileFormat,
      partition,
      record_count: f.recordCount,
      file_size_in_bytes: f.fileSizeInBytes,
      column_sizes: intMap(f.columnSizes),
      value_counts: intMap(f.valueCounts),
      null_value_counts: intMap(f.nullValueCounts),
      nan_value_counts: intMap(f.nanValueCounts),
      lower_bounds: intMap(f.lowerBounds),
      upper_bounds: intMap(f.upperBounds),
      key_metadata: f.keyMetadata ?? null,
      split_offsets: f.splitOffsets ? [...f.splitOffsets] : null,
      sort_order_id: f.sortOrderId ?? null,
    };
    if (v === 1) dataFile['block_size_in_bytes'] = f.blockSizeInBytes ?? V1_BLOCK_SIZE;
    if (v >= 2) {
      dataFile['content'] = CONTENT_CODE[f.content];
      dataFile['equality_ids'] = f.equalityIds ? [...f.equalityIds] : null;
    }
    if (v >= 3) {
      dataFile['first_row_id'] = f.firstRowId ?? null;
      dataFile['referenced_data_file'] = f.referencedDataFile ?? null;
      dataFile['content_offset'] = f.contentOffset ?? null;
      dataFile['content_size_in_bytes'] = f.contentSizeInBytes ?? null;
    }
    const entry: AvroRecord = { status: STATUS_CODE[e.status], snapshot_id: e.snapshotId, data_file: dataFile };
    if (v >= 2) {
      entry['sequence_number'] = e.sequenceNumber ?? null;
      entry['file_sequence_number'] = e.fileSequenceNumber ?? null;
    }
    return entry;
  }
}

/** values.ts form -> the Avro value of the partition field (decimal as sign-extended fixed). */
export function partitionValueToAvro(type: PrimitiveType, value: PrimitiveValue | null): AvroValue {
  if (value === null) return null;
  if (type.kind === 'decimal') {
    const minimal = serializeValue(type, value);
    const size = decimalRequiredBytes(type.precision);
    const out = new Uint8Array(size).fill(minimal.length > 0 && (minimal[0]! & 0x80) !== 0 ? 0xff : 0);
    out.set(minimal, size - minimal.length);
    return out;
  }
  if (type.kind === 'uuid') return serializeValue(type, value);
  return value;
}

/** Spec "Manifest Lists" field_summary: per partition field, null/NaN flags and bounds. */
export class PartitionSummaryBuilder {
  private readonly containsNull: boolean[];
  private readonly containsNaN: boolean[];
  private readonly lower: (PrimitiveValue | undefined)[];
  private readonly upper: (PrimitiveValue | undefined)[];

  constructor(private readonly types: readonly PrimitiveType[]) {
    this.containsNull = types.map(() => false);
    this.containsNaN = types.map(() => false);
    this.lower = types.map(() => undefined);
    this.upper = types.map(() => undefined);
  }

  add(partition: readonly (PrimitiveValue | null)[]): void {
    this.types.forEach((t, i) => {
      const v = partition[i] ?? null;
      if (v === null) this.containsNull[i] = true;
      else if (typeof v === 'number' && Number.isNaN(v)) this.containsNaN[i] = true;
      else {
        const lo = this.lower[i];
        const hi = this.upper[i];
        if (lo === undefined || compareValues(t, v, lo) < 0) this.lower[i] = v;
        if (hi === undefined || compareValues(t, v, hi) > 0) this.upper[i] = v;
      }
    });
  }

  build(): FieldSummary[] {
    return this.types.map((t, i) => {
      const lo = this.lower[i];
      const hi = this.upper[i];
      return {
        containsNull: this.containsNull[i]!,
        containsNaN: this.containsNaN[i]!,
        ...(lo === undefined ? {} : { lowerBound: serializeValue(t, lo) }),
        ...(hi === undefined ? {} : { upperBound: serializeValue(t, hi) }),
      };
    });
  }
}
