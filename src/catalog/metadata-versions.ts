import { InvalidMetadataError, UnsupportedFormatVersionError } from '../errors.js';
import type { FileIO } from '../io/file-io.js';
import type { TableMetadata } from '../iceberg/spec/table-metadata.js';
import { metadataFileVersion, readMetadataFile } from './metadata-file.js';

export interface MetadataVersion {
  readonly version: number;
  readonly location: string;
}

/** A version read and parsed: its metadata, or why it cannot be read. */
export type ReadableVersion = MetadataVersion & { readonly readable: true; readonly metadata: TableMetadata };
export type UnreadableVersion = MetadataVersion & { readonly readable: false; readonly problem: string };
export type CheckedVersion = ReadableVersion | UnreadableVersion;

/** The Hadoop-layout versions (`vN.metadata.json`) in a metadata directory, newest first. */
export async function listMetadataVersions(io: FileIO, metadataDir: string): Promise<MetadataVersion[]> {
  const out: MetadataVersion[] = [];
  for await (const f of io.list(metadataDir)) {
    const v = metadataFileVersion(f.location);
    if (v?.layout === 'hadoop') out.push({ version: v.version, location: f.location });
  }
  return out.sort((a, b) => b.version - a.version);
}

/**
 * A read failure that condemns the file: bytes that do not decode, JSON that does not parse or
 * does not follow the spec. A newer format version is not damage, and a storage failure
 * (permissions, a network error) is no verdict on the file.
 */
export function isCorruptMetadata(err: unknown): err is InvalidMetadataError {
  return err instanceof InvalidMetadataError && !(err instanceof UnsupportedFormatVersionError);
}

/** Parse-checks one version; throws what `isCorruptMetadata` does not condemn. */
export async function checkMetadataVersion(io: FileIO, v: MetadataVersion): Promise<CheckedVersion> {
  try {
    return { ...v, readable: true, metadata: await readMetadataFile(io, v.location) };
  } catch (err) {
    if (isCorruptMetadata(err)) return { ...v, readable: false, problem: err.message };
    throw err;
  }
}

/**
 * Walks versions newest first until one parses: the unreadable ones passed on the way, and
 * the first readable one (undefined when none is).
 */
export async function newestReadableVersion(io: FileIO, newestFirst: readonly MetadataVersion[]): Promise<{ unreadable: UnreadableVersion[]; readable: ReadableVersion | undefined }> {
  const unreadable: UnreadableVersion[] = [];
  for (const v of newestFirst) {
    const c = await checkMetadataVersion(io, v);
    if (c.readable) return { unreadable, readable: c };
    unreadable.push(c);
  }
  return { unreadable, readable: undefined };
}
