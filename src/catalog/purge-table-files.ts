import { mapBounded } from '../concurrency/map-bounded.js';
import { readManifestEntries, snapshotManifests } from '../iceberg/snapshot-files.js';
import type { Table } from '../iceberg/table.js';

/**
 * Deletes every file the table's metadata reaches: data and delete files, manifests, manifest
 * lists, and the metadata files of its log (the `DROP TABLE ... PURGE` of Iceberg Java's
 * CatalogUtil.dropTableData). Unreadable manifests are skipped: a purge removes what it can.
 */
export async function purgeTableFiles(table: Table): Promise<void> {
  const md = table.metadata;
  const files = new Set<string>();
  for (const s of md.snapshots) {
    if (s.manifestList) files.add(s.manifestList);
    const manifests = await snapshotManifests(table.io, md, s).catch(() => []);
    for (const m of manifests) files.add(m.manifestPath);
    for (const e of await readManifestEntries(table.io, md, manifests).catch(() => [])) files.add(e.dataFile.filePath);
  }
  for (const entry of md.metadataLog) files.add(entry.metadataFile);
  if (table.metadataLocation) files.add(table.metadataLocation);
  await mapBounded([...files], 16, (f) => table.io.delete(f));
}
