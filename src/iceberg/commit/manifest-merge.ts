import type { ManifestFile } from '../spec/manifest-list.js';

/** Table properties of manifest merging on commit, with Iceberg Java's defaults. */
export interface ManifestMergePolicy {
  readonly enabled: boolean;
  readonly minCountToMerge: number;
  readonly targetSizeBytes: number;
}

export function manifestMergePolicy(props: Readonly<Record<string, string>>): ManifestMergePolicy {
  const num = (k: string, d: number) => {
    const v = Number(props[k]);
    return Number.isFinite(v) && v > 0 ? v : d;
  };
  return {
    enabled: (props['commit.manifest-merge.enabled'] ?? 'true') !== 'false',
    minCountToMerge: num('commit.manifest.min-count-to-merge', 100),
    targetSizeBytes: num('commit.manifest.target-size-bytes', 8 * 1024 * 1024),
  };
}

/**
 * Which manifests to merge into which bins (pure; after Iceberg Java's ManifestMergeManager):
 * per (content, partition spec) group, once the group has at least `minCountToMerge`
 * manifests, the manifests smaller than the target size are packed in order into bins of at
 * most the target size. Bins of one manifest stay as they are.
 */
export function planManifestMerge(manifests: readonly ManifestFile[], policy: ManifestMergePolicy): ManifestFile[][] {
  if (!policy.enabled) return [];
  const groups = new Map<string, ManifestFile[]>();
  for (const m of manifests) {
    const key = `${m.content}:${m.partitionSpecId}`;
    const g = groups.get(key) ?? [];
    g.push(m);
    groups.set(key, g);
  }
  const bins: ManifestFile[][] = [];
  for (const group of groups.values()) {
    if (group.length < policy.minCountToMerge) continue;
    let bin: ManifestFile[] = [];
    let size = 0;
    for (const m of group) {
      const len = Number(m.manifestLength);
      if (len >= policy.targetSizeBytes) continue;
      if (size + len > policy.targetSizeBytes && bin.length > 0) {
        bins.push(bin);
        bin = [];
        size = 0;
      }
      bin.push(m);
      size += len;
    }
    bins.push(bin);
  }
  return bins.filter((b) => b.length > 1);
}
