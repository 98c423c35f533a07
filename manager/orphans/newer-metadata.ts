import { metadataFileVersion } from '../../src/catalog/metadata-file.js';
import type { FileIO } from '../../src/io/file-io.js';
import type { TableState } from '../../src/iceberg/table-operations.js';

const isMetadataFile = (location: string) => /\.metadata\.json$/.test(location);

/**
 * The metadata files that may be newer than `planned`, as a pure function: listed metadata
 * files with a higher version number of the same layout, every file the current version's
 * metadata-log names, and the current file. A version pruned from the log
 * (`write.metadata.previous-versions-max`) is still found by its number; a file whose name
 * carries no comparable number is included, since leaving one out could only lose references.
 */
export function newerMetadataFiles(planned: string | undefined, listed: readonly string[], current: TableState): string[] {
  const pv = planned === undefined ? undefined : metadataFileVersion(planned);
  const newer = listed.filter((l) => {
    if (!isMetadataFile(l) || l === planned) return false;
    const v = metadataFileVersion(l);
    return pv === undefined || v === undefined || v.layout !== pv.layout || v.version > pv.version;
  });
  const out = new Set([...newer, ...current.metadata.metadataLog.map((e) => e.metadataFile)]);
  if (current.metadataLocation !== undefined) out.add(current.metadataLocation);
  out.delete(planned ?? '');
  return [...out];
}

/** The metadata files in the directory of `metadataLocation` (where a catalog writes the next versions). */
export async function listMetadataFiles(io: FileIO, metadataLocation: string): Promise<string[]> {
  const dir = metadataLocation.slice(0, metadataLocation.lastIndexOf('/') + 1);
  const out: string[] = [];
  for await (const f of io.list(dir)) if (isMetadataFile(f.location)) out.push(f.location);
  return out;
}
