import { readAvroContainer } from '../avro/index.js';
import { InvalidAvroError } from '../errors.js';
import type { FileIO } from '../io/file-io.js';
import type { DataFile, DataFileContent, EntryStatus, FileFormat, LiveManifestEntry, ManifestEntry } from './spec/manifest.js';
import type { ManifestFile } from './spec/manifest-list.js';
import type { PartitionSpec } from './spec/partition-spec.js';
import type { PrimitiveType } from './spec/types.js';
import { representationOf, type PrimitiveValue } from './spec/values.js';
import { deserializeValue } from './spec/value-serialization.js';
import { RecordReader, type AvroRecordValue } from './avro-record.js';
import { readAvroFile } from './avro-file.js';
import { stripUndefined } from './manifest-list-reader.js';

const STATUS: readonly EntryStatus[] = ['existing', 'added', 'deleted'];
const CONTENT: readonly DataFileContent[] = ['data', 'position-deletes', 'equality-deletes'];

export interface ManifestReadContext {
  /** The manifest list entry that points at this manifest (for inheritance). */
  readonly manifest: ManifestFile;
  /** Partition spec of the manifest, and the result type of each partition field. */
  readonly spec: PartitionSpec;
  readonly partitionTypes: readonly PrimitiveType[];
}

/** Reads every entry of a manifest, deleted ones included, with inheritance applied. */
export async function readManifest(io: FileIO, ctx: ManifestReadContext): Promise<LiveManifestEntry[]> {
  const bytes = await readAvroFile(io, ctx.manifest.manifestPath, 'manifest');
  return decodeManifest(bytes, ctx);
}

export function decodeManifest(bytes: Uint8Array, ctx: ManifestReadContext): LiveManifestEntry[] {
  const location = ctx.manifest.manifestPath;
  const container = readAvroContainer(bytes, location);
  const partitionNames = partitionFieldNames(container.metadataString('avro.schema'), ctx.spec, location);
  const r = new RecordReader(location, 'manifest_entry');
  const out: LiveManifestEntry[] = [];
  for (const value of container.records()) {
    const raw = toEntry(r, r.record(value, 'manifest_entry'), ctx, partitionNames);
    out.push(inherit(raw, ctx.manifest, location));
  }
  return out;
}

/**
 * Spec "Sequence Number Inheritance" and "Snapshot ID Inheritance": a null snapshot id is the
 * manifest's added_snapshot_id; null sequence numbers of ADDED entries are the manifest's
 * sequence number. v1 manifests have sequence number 0 throughout.
 */
export function inherit(e: ManifestEntry, m: ManifestFile, location: string): LiveManifestEntry {
  const snapshotId = e.snapshotId ?? m.addedSnapshotId;
  let seq = e.sequenceNumber;
  let fileSeq = e.fileSequenceNumber;
  if (seq === undefined) {
    if (e.status === 'added' || m.sequenceNumber === 0n) seq = m.sequenceNumber;
    else if (e.status === 'deleted') seq = m.minSequenceNumber; // old writers omitted it on DELETED entries; they are never planned
    else {
      throw new InvalidAvroError(
        `${location}: EXISTING entry for ${e.dataFile.filePath} has no sequence number (only ADDED entries may inherit one)`,
        { file: location },
      );
    }
  }
  if (fileSeq === undefined) fileSeq = e.status === 'added' || m.sequenceNumber === 0n ? m.sequenceNumber : seq;
  return { ...e, snapshotId, sequenceNumber: seq, fileSequenceNumber: fileSeq };
}

function toEntry(
  r: RecordReader,
  e: AvroRecordValue,
  ctx: ManifestReadContext,
  partitionNames: readonly string[],
): ManifestEntry {
  const statusCode = r.int(e, 'status');
  const status = STATUS[statusCode] ?? r.fail('status', '0, 1 or 2', statusCode);
  const f = r.record(e['data_file'], 'data_file');
  const contentCode = r.optInt(f, 'content') ?? 0;
  const content = CONTENT[contentCode] ?? r.fail('data_file.content', '0, 1 or 2', contentCode);
  const partitionRecord = r.record(f['partition'], 'data_file.partition');
  const partition = ctx.spec.fields.map((pf, i) =>
    toPartitionValue(r, ctx.partitionTypes[i]!, partitionRecord[partitionNames[i]!], pf.name),
  );
  const longOf = (v: unknown): bigint => (typeof v === 'bigint' ? v : typeof v === 'number' ? BigInt(v) : r.fail('map value', 'a long', v));
  const bytesOf = (v: unknown): Uint8Array => (v instanceof Uint8Array ? v : r.fail('map value', 'bytes', v));
  const format = r.string(f, 'file_format').toUpperCase();
  const dataFile: DataFile = stripUndefined({
    content,
    filePath: r.string(f, 'file_path'),
    fileFormat: format as FileFormat,
    specId: ctx.spec.specId,
    partition,
    recordCount: r.long(f, 'record_count'),
    fileSizeInBytes: r.long(f, 'file_size_in_bytes'),
    blockSizeInBytes: r.optLong(f, 'block_size_in_bytes'),
    columnSizes: r.optIntMap(f, 'column_sizes', longOf),
    valueCounts: r.optIntMap(f, 'value_counts', longOf),
    nullValueCounts: r.optIntMap(f, 'null_value_counts', longOf),
    nanValueCounts: r.optIntMap(f, 'nan_value_counts', longOf),
    lowerBounds: r.optIntMap(f, 'lower_bounds', bytesOf),
    upperBounds: r.optIntMap(f, 'upper_bounds', bytesOf),
    keyMetadata: r.optBytes(f, 'key_metadata'),
    splitOffsets: r.optArray(f, 'split_offsets')?.map(longOf),
    equalityIds: r.optArray(f, 'equality_ids')?.map((v) => (typeof v === 'number' ? v : r.fail('equality_ids', 'ints', v))),
    sortOrderId: r.optInt(f, 'sort_order_id'),
    firstRowId: r.optLong(f, 'first_row_id'),
    referencedDataFile: r.optString(f, 'referenced_data_file'),
    contentOffset: r.optLong(f, 'content_offset'),
    contentSizeInBytes: r.optLong(f, 'content_size_in_bytes'),
  });
  return stripUndefined({
    status,
    snapshotId: r.optLong(e, 'snapshot_id'),
    sequenceNumber: r.optLong(e, 'sequence_number'),
    fileSequenceNumber: r.optLong(e, 'file_sequence_number'),
    dataFile,
  });
}

/** Avro partition values -> values.ts form (decimal and uuid arrive as fixed bytes). */
function toPartitionValue(r: RecordReader, type: PrimitiveType, v: unknown, name: string): PrimitiveValue | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) {
    return type.kind === 'binary' || type.kind === 'fixed' ? v : deserializeValue(type, v);
  }
  switch (representationOf(type.kind)) {
    case 'bigint':
      if (typeof v === 'bigint') return v;
      if (typeof v === 'number') return BigInt(v);
      break;
    case 'number':
      if (typeof v === 'number') return v;
      if (typeof v === 'bigint') return Number(v);
      break;
    case 'boolean':
      if (typeof v === 'boolean') return v;
      break;
    case 'string':
      if (typeof v === 'string') return v;
      break;
    default:
      break;
  }
  return r.fail(`data_file.partition.${name}`, type.kind, v);
}

/**
 * The names under which the file's partition record holds each spec field, matched by
 * partition field id from the file's own Avro schema (names may differ after a rename);
 * falls back to the spec's names.
 */
function partitionFieldNames(schemaJson: string | undefined, spec: PartitionSpec, location: string): string[] {
  const byId = new Map<number, string>();
  if (schemaJson) {
    try {
      const schema = JSON.parse(schemaJson) as { fields?: { name: string; type: unknown }[] };
      const dataFile = schema.fields?.find((f) => f.name === 'data_file');
      const partition = (dataFile?.type as { fields?: { name: string; type: unknown }[] })?.fields?.find((f) => f.name === 'partition');
      const fields = (partition?.type as { fields?: { name: string; 'field-id'?: number }[] })?.fields ?? [];
      for (const f of fields) if (typeof f['field-id'] === 'number') byId.set(f['field-id'], f.name);
    } catch {
      throw new InvalidAvroError(`${location}: avro.schema metadata is not valid JSON`, { file: location });
    }
  }
  return spec.fields.map((pf) => byId.get(pf.fieldId) ?? pf.name);
}
