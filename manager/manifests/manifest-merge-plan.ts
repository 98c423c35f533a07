import type { ManifestFile } from '../../src/iceberg/spec/manifest-list.js';

/** Iceberg `commit.manifest.target-size-bytes` default (8 MB). */
export const DEFAULT_MANIFEST_TARGET_SIZE = 8 * 1024 * 1024;

export interface ManifestMergePlan {
  /** Manifests carried over as they are (already large, or alone in their group). */
  readonly keep: ManifestFile[];
  /** Each bin becomes one or more new manifests of about the target size. */
  readonly bins: ManifestFile[][];
}

/**
 * Which manifests to merge, as a pure function (Iceberg Java RewriteManifests /
 * MergingSnapshotProducer): manifests are grouped by partition spec and content, since a
 * manifest holds entries of one spec and one content (spec "Manifests"); within a group, the
 * manifests smaller than the target are packed in order into bins of at most the target size.
 * A bin of one manifest would only be copied, so it is kept instead.
 */
export function planManifestMerge(manifests: readonly ManifestFile[], targetSizeBytes: number = DEFAULT_MANIFEST_TARGET_SIZE): ManifestMergePlan {
  const keep: ManifestFile[] = [];
  const bins: ManifestFile[][] = [];
  const groups = new Map<string, ManifestFile[]>();
  for (const m of manifests) {
    if (Number(m.manifestLength) >= targetSizeBytes) {
      keep.push(m);
      continue;
    }
    const key = `${m.content}:${m.partitionSpecId}`;
    const g = groups.get(key) ?? [];
    g.push(m);
    groups.set(key, g);
  }
  for (const group of groups.values()) {
    let bin: ManifestFile[] = [];
    let size = 0;
    const close = () => {
      if (bin.length > 1) bins.push(bin);
      else keep.push(...bin);
      bin = [];
      size = 0;
    };
    for (const m of group) {
      const len = Number(m.manifestLength);
      if (bin.length > 0 && size + len > targetSizeBytes) close();
      bin.push(m);
      size += len;
    }
    close();
  }
  return { keep, bins };
}

export function manifestTargetSize(properties: Readonly<Record<string, string>>): number {
  const v = properties['commit.manifest.target-size-bytes'];
  return v !== undefined && /^\d+$/.test(v) && Number(v) > 0 ? Number(v) : DEFAULT_MANIFEST_TARGET_SIZE;
}
