import { metadataFileVersion } from '../../src/catalog/metadata-file.js';
import type { MetadataLogEntry } from '../../src/iceberg/spec/snapshot.js';
import type { TableMetadata } from '../../src/iceberg/spec/table-metadata.js';

const baseName = (loc: string) => loc.slice(loc.lastIndexOf('/') + 1);

/** Iceberg `write.metadata.delete-after-commit.enabled` (default false). */
export function deleteAfterCommitEnabled(md: TableMetadata): boolean {
  return (md.properties['write.metadata.delete-after-commit.enabled'] ?? 'false').toLowerCase() === 'true';
}

/**
 * Old metadata.json files to delete under Iceberg's delete-after-commit rule
 * (CatalogUtil.deleteRemovedMetadataFiles): a commit keeps the current file plus at most
 * `write.metadata.previous-versions-max` entries in the metadata log (the commit trims the
 * log), and the files that fell out of the log are deleted. icetide's commits do not delete
 * at commit time, so this also catches files that fell out earlier: every versioned metadata
 * file in the listing older than the current one and absent from the log. Files are compared
 * by name (they all live in the one metadata directory), so a table read through prefix
 * mapping compares correctly; a version newer than the current one (a concurrent commit) is
 * never chosen.
 */
export function metadataFilesToPrune(listed: readonly string[], currentLocation: string, log: readonly MetadataLogEntry[]): string[] {
  const current = metadataFileVersion(baseName(currentLocation));
  if (!current) return [];
  const inLog = new Set(log.map((e) => baseName(e.metadataFile)));
  return listed.filter((loc) => {
    const name = baseName(loc);
    const v = metadataFileVersion(name);
    return v !== undefined && v.layout === current.layout && v.version < current.version && name !== baseName(currentLocation) && !inLog.has(name);
  });
}
