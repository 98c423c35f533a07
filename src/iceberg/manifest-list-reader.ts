import { readAvroContainer } from '../avro/index.js';
import type { FileIO } from '../io/file-io.js';
import type { FieldSummary, ManifestFile } from './spec/manifest-list.js';
import { RecordReader, type AvroRecordValue } from './avro-record.js';
import { readAvroFile } from './avro-file.js';

/**
 * Reads a manifest list (spec "Manifest Lists"). v1 lists have no content or sequence
 * numbers: content is data and sequence numbers are 0 (spec "Sequence Numbers").
 */
export async function readManifestList(io: FileIO, location: string): Promise<ManifestFile[]> {
  const bytes = await readAvroFile(io, location, 'manifest list');
  return decodeManifestList(bytes, location);
}

export function decodeManifestList(bytes: Uint8Array, location: string): ManifestFile[] {
  const container = readAvroContainer(bytes, location);
  const r = new RecordReader(location, 'manifest_file');
  const out: ManifestFile[] = [];
  for (const value of container.records()) {
    out.push(toManifestFile(r, r.record(value, 'manifest_file')));
  }
  return out;
}

function toManifestFile(r: RecordReader, m: AvroRecordValue): ManifestFile {
  const content = r.optInt(m, 'content') ?? 0;
  if (content !== 0 && content !== 1) r.fail('content', '0 (data) or 1 (deletes)', content);
  const partitions = r.optArray(m, 'partitions')?.map((p): FieldSummary => {
    const s = r.record(p, 'partitions');
    const lower = r.optBytes(s, 'lower_bound');
    const upper = r.optBytes(s, 'upper_bound');
    const nan = r.optBool(s, 'contains_nan');
    return {
      containsNull: r.bool(s, 'contains_null'),
      ...(nan === undefined ? {} : { containsNaN: nan }),
      ...(lower ? { lowerBound: lower } : {}),
      ...(upper ? { upperBound: upper } : {}),
    };
  });
  // v1 writers used `added_data_files_count` etc. before the fields were renamed.
  const count = (name: string, legacy: string) => r.optInt(m, name) ?? r.optInt(m, legacy);
  return stripUndefined({
    manifestPath: r.string(m, 'manifest_path'),
    manifestLength: r.long(m, 'manifest_length'),
    partitionSpecId: r.int(m, 'partition_spec_id'),
    content: content === 1 ? 'deletes' : 'data',
    sequenceNumber: r.optLong(m, 'sequence_number') ?? 0n,
    minSequenceNumber: r.optLong(m, 'min_sequence_number') ?? 0n,
    addedSnapshotId: r.long(m, 'added_snapshot_id'),
    addedFilesCount: count('added_files_count', 'added_data_files_count'),
    existingFilesCount: count('existing_files_count', 'existing_data_files_count'),
    deletedFilesCount: count('deleted_files_count', 'deleted_data_files_count'),
    addedRowsCount: r.optLong(m, 'added_rows_count'),
    existingRowsCount: r.optLong(m, 'existing_rows_count'),
    deletedRowsCount: r.optLong(m, 'deleted_rows_count'),
    partitions,
    keyMetadata: r.optBytes(m, 'key_metadata'),
    firstRowId: r.optLong(m, 'first_row_id'),
  }) as ManifestFile;
}

/** Drops keys whose value is undefined, so optional spec fields are absent, not undefined. */
export function stripUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
