import { AvroContainerWriter, parseAvroSchema, type AvroRecord } from '../avro/index.js';
import type { FileIO } from '../io/file-io.js';
import { manifestFileAvroSchema } from './manifest-avro-schema.js';
import { UNASSIGNED_SEQ } from './manifest-writer.js';
import type { ManifestFile } from './spec/manifest-list.js';
import type { FormatVersion } from './spec/table-metadata.js';

export interface ManifestListWriteOptions {
  readonly formatVersion: FormatVersion;
  readonly snapshotId: bigint;
  readonly parentSnapshotId?: bigint;
  readonly sequenceNumber: bigint;
  readonly location: string;
}

/**
 * Writes a snapshot's manifest list (spec "Manifest Lists"). Manifests written for this
 * snapshot carry UNASSIGNED sequence numbers until here, where the snapshot's number is
 * known; returns the manifests as recorded.
 */
export async function writeManifestList(io: FileIO, manifests: readonly ManifestFile[], o: ManifestListWriteOptions): Promise<ManifestFile[]> {
  const v = o.formatVersion;
  const assigned = manifests.map((m) => ({
    ...m,
    sequenceNumber: m.sequenceNumber === UNASSIGNED_SEQ ? o.sequenceNumber : m.sequenceNumber,
    minSequenceNumber: m.minSequenceNumber === UNASSIGNED_SEQ ? o.sequenceNumber : m.minSequenceNumber,
  }));
  const writer = new AvroContainerWriter(parseAvroSchema(manifestFileAvroSchema(v)), {
    codec: 'deflate',
    metadata: {
      'snapshot-id': String(o.snapshotId),
      'parent-snapshot-id': o.parentSnapshotId === undefined ? 'null' : String(o.parentSnapshotId),
      'sequence-number': String(o.sequenceNumber),
      'format-version': String(v),
    },
  });
  for (const m of assigned) {
    const rec: AvroRecord = {
      manifest_path: m.manifestPath,
      manifest_length: m.manifestLength,
      partition_spec_id: m.partitionSpecId,
      added_snapshot_id: m.addedSnapshotId,
      added_files_count: m.addedFilesCount ?? 0,
      existing_files_count: m.existingFilesCount ?? 0,
      deleted_files_count: m.deletedFilesCount ?? 0,
      added_rows_count: m.addedRowsCount ?? 0n,
      existing_rows_count: m.existingRowsCount ?? 0n,
      deleted_rows_count: m.deletedRowsCount ?? 0n,
      partitions: m.partitions
        ? m.partitions.map((p) => ({
            contains_null: p.containsNull,
            contains_nan: p.containsNaN ?? null,
            lower_bound: p.lowerBound ?? null,
            upper_bound: p.upperBound ?? null,
          }))
        : null,
      key_metadata: m.keyMetadata ?? null,
    };
    if (v >= 2) {
      rec['content'] = m.content === 'deletes' ? 1 : 0;
      rec['sequence_number'] = m.sequenceNumber;
      rec['min_sequence_number'] = m.minSequenceNumber;
    }
    if (v >= 3) rec['first_row_id'] = m.firstRowId ?? null;
    writer.append(rec);
  }
  await io.write(o.location, writer.finish());
  return assigned;
}
