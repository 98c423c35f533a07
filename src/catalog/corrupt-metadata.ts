import { InvalidMetadataError } from '../errors.js';
import type { FileIO } from '../io/file-io.js';
import { listMetadataVersions, newestReadableVersion, type MetadataVersion } from './metadata-versions.js';

/**
 * The newest metadata file of a table does not parse (truncated by a crash, garbled by the
 * store): the table cannot be read as it is. Names the table, the file, the newest version
 * that still parses and the command that makes it current again. Built with `of`; the
 * constructor keeps IcetideError's shape so that `IcetideError.wrap` can re-create it.
 */
export class CorruptMetadataError extends InvalidMetadataError {
  static of(table: string, file: string, problem: string, lastReadable: MetadataVersion | undefined, restoreCommand: string): CorruptMetadataError {
    return new CorruptMetadataError(
      `table ${table}: its newest metadata file ${file} is unreadable (${problem}). ` +
        (lastReadable
          ? `The last readable version is v${lastReadable.version} (${lastReadable.location}); make it current again with: ${restoreCommand} --yes (without --yes it shows what it would do)`
          : `No older metadata file is readable either: restore ${file} from a backup`),
      { table, file, lastReadableVersion: lastReadable?.version, lastReadableFile: lastReadable?.location, restoreCommand },
    );
  }

  get file(): string {
    return String(this.context.file);
  }

  get restoreCommand(): string {
    return String(this.context.restoreCommand);
  }

  /** The newest version that parses, if any. */
  get lastReadable(): MetadataVersion | undefined {
    const { lastReadableVersion: version, lastReadableFile: location } = this.context;
    return typeof version === 'number' && typeof location === 'string' ? { version, location } : undefined;
  }
}

/** `icetide table restore-metadata ...` for a table directory, or `ns.table` in a warehouse. */
export function restoreMetadataCommand(target: string, warehouse?: string): string {
  return ['icetide', 'table', 'restore-metadata', shellWord(target), ...(warehouse === undefined ? [] : ['--warehouse', shellWord(warehouse)])].join(' ');
}

/** Quoted for a POSIX shell when it holds anything but plain path characters. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The error for a newest file that failed to parse: scans the older versions, newest first,
 * for the last one that parses.
 */
export async function corruptMetadataError(io: FileIO, o: { table: string; metadataDir: string; file: string; problem: string; restoreCommand: string }): Promise<CorruptMetadataError> {
  const older = (await listMetadataVersions(io, o.metadataDir)).filter((v) => v.location !== o.file);
  const { readable } = await newestReadableVersion(io, older);
  return CorruptMetadataError.of(o.table, o.file, o.problem, readable && { version: readable.version, location: readable.location }, o.restoreCommand);
}
