import { readAvroContainer } from '../avro/index.js';
import { mapBounded } from '../concurrency/map-bounded.js';
import { ValidationError } from '../errors.js';
import type { FileIO } from '../io/file-io.js';
import { readAvroFile } from './avro-file.js';
import { readManifestList } from './manifest-list-reader.js';
import { readManifest } from './manifest-reader.js';
import { partitionStructType } from './partition-type.js';
import type { LiveManifestEntry } from './spec/manifest.js';
import type { ManifestFile } from './spec/manifest-list.js';
import type { PartitionSpec } from './spec/partition-spec.js';
import type { Snapshot } from './spec/snapshot.js';
import type { TableMetadata } from './spec/table-metadata.js';
import type { PrimitiveType } from './spec/types.js';

/** How many manifest files are read at once. */
export const MANIFEST_READ_CONCURRENCY = 8;

/**
 * The manifests of a snapshot: from its manifest list, or, for legacy v1 snapshots that embed
 * a `manifests` list, by reading each manifest's own metadata (spec "Snapshots": manifests
 * field, deprecated).
 */
export async function snapshotManifests(io: FileIO, md: TableMetadata, snapshot: Snapshot): Promise<ManifestFile[]> {
  if (snapshot.manifestList !== undefined) return readManifestList(io, snapshot.manifestList);
  const paths = snapshot.manifests ?? [];
  return mapBounded(paths, MANIFEST_READ_CONCURRENCY, async (path): Promise<ManifestFile> => {
    const bytes = await readAvroFile(io, path, 'manifest');
    const container = readAvroContainer(bytes, path);
    const specId = Number(container.metadataString('partition-spec-id') ?? md.defaultSpecId);
    return {
      manifestPath: path,
      manifestLength: BigInt(bytes.length),
      partitionSpecId: specId,
      content: 'data',
      sequenceNumber: 0n,
      minSequenceNumber: 0n,
      addedSnapshotId: snapshot.snapshotId,
    };
  });
}

export function specIndex(md: TableMetadata): Map<number, PartitionSpec> {
  return new Map(md.partitionSpecs.map((s) => [s.specId, s]));
}

/** Every entry of the given manifests (deleted ones included), with inheritance applied. */
export async function readManifestEntries(io: FileIO, md: TableMetadata, manifests: readonly ManifestFile[]): Promise<LiveManifestEntry[]> {
  const specs = specIndex(md);
  const typesBySpec = new Map<number, PrimitiveType[]>();
  const partitionTypes = (spec: PartitionSpec): PrimitiveType[] => {
    let t = typesBySpec.get(spec.specId);
    if (!t) typesBySpec.set(spec.specId, (t = partitionStructType(spec, md.schemas).fields.map((f) => f.type as PrimitiveType)));
    return t;
  };
  const perManifest = await mapBounded(manifests, MANIFEST_READ_CONCURRENCY, (m) => {
    const spec = specs.get(m.partitionSpecId);
    if (!spec) {
      throw new ValidationError(`manifest ${m.manifestPath} uses partition spec ${m.partitionSpecId}, which the table metadata does not define`, {
        file: m.manifestPath,
        specId: m.partitionSpecId,
      });
    }
    return readManifest(io, { manifest: m, spec, partitionTypes: partitionTypes(spec) });
  });
  return perManifest.flat();
}
