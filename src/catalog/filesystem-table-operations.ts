import { CommitRaceError, NoSuchTableError, UnsupportedError } from '../errors.js';
import type { FileIO } from '../io/file-io.js';
import { joinLocation, normalizeLocation } from '../io/location.js';
import { PrefixMappedFileIO } from '../io/prefix-mapped-file-io.js';
import { withPreviousMetadata } from '../iceberg/metadata-updates.js';
import type { TableMetadata } from '../iceberg/spec/table-metadata.js';
import type { TableOperations, TableState } from '../iceberg/table-operations.js';
import { corruptMetadataError, restoreMetadataCommand } from './corrupt-metadata.js';
import { encodeMetadata, metadataFileVersion, readMetadataFile } from './metadata-file.js';
import { isCorruptMetadata } from './metadata-versions.js';

/**
 * A table in the Hadoop-catalog layout (spec "File System Tables"): the current version is
 * the highest `metadata/vN.metadata.json`; `version-hint.text` is a hint only. A commit
 * creates `v(N+1).metadata.json` exclusively, so of two racing writers exactly one wins.
 * A table recorded at another location (copied or moved) is read through prefix mapping.
 */
export class FilesystemTableOperations implements TableOperations {
  private mappedIo: FileIO;
  private readonlyReason: string | undefined;

  constructor(
    private readonly baseIo: FileIO,
    readonly tableLocation: string,
    readonly name: string,
    /** What a CorruptMetadataError tells the user to run (a catalog names the table its way). */
    private readonly restoreCommand = restoreMetadataCommand(tableLocation),
  ) {
    this.mappedIo = baseIo;
  }

  get io(): FileIO {
    return this.mappedIo;
  }

  private get metadataDir(): string {
    return joinLocation(this.tableLocation, 'metadata');
  }

  /** The newest metadata file, or undefined when there is none (not a table). */
  async currentMetadataLocation(): Promise<string | undefined> {
    const hintLoc = joinLocation(this.metadataDir, 'version-hint.text');
    let version: number | undefined;
    if (await this.baseIo.exists(hintLoc)) {
      const text = new TextDecoder().decode(await this.baseIo.read(hintLoc)).trim();
      const n = Number(text);
      if (Number.isInteger(n) && n >= 0) version = n;
    }
    if (version !== undefined) {
      // The hint is written after the commit, so it may lag: probe upward.
      let loc = this.hadoopLocation(version);
      if (!(await this.baseIo.exists(loc))) version = undefined;
      else {
        while (await this.baseIo.exists(this.hadoopLocation(version + 1))) version++;
        loc = this.hadoopLocation(version);
        this.readonlyReason = undefined;
        return loc;
      }
    }
    let best: { version: number; layout: 'hadoop' | 'numbered'; location: string } | undefined;
    for await (const f of this.baseIo.list(this.metadataDir)) {
      const v = metadataFileVersion(f.location);
      if (v && (!best || v.version > best.version)) best = { ...v, location: f.location };
    }
    if (!best) return undefined;
    this.readonlyReason =
      best.layout === 'numbered'
        ? `${this.name} was written by a catalog (metadata files named NNNNN-<uuid>.metadata.json); commit through that catalog, not the filesystem`
        : undefined;
    return best.location;
  }

  async refresh(): Promise<TableState> {
    const location = await this.currentMetadataLocation();
    if (!location) throw new NoSuchTableError(`no Iceberg table at ${this.tableLocation} (no metadata/*.metadata.json)`, { location: this.tableLocation });
    const metadata = await this.readCurrent(location);
    this.mapIfMoved(metadata);
    return { metadata, metadataLocation: location };
  }

  /** Reads the newest file; one that does not parse is a CorruptMetadataError naming the way back. */
  private async readCurrent(location: string): Promise<TableMetadata> {
    try {
      return await readMetadataFile(this.baseIo, location);
    } catch (err) {
      if (!isCorruptMetadata(err)) throw err;
      const problem = err.message.startsWith(`${location}: `) ? err.message.slice(location.length + 2) : err.message;
      throw await corruptMetadataError(this.baseIo, { table: this.name, metadataDir: this.metadataDir, file: location, problem, restoreCommand: this.restoreCommand });
    }
  }

  async commit(base: TableState, metadata: TableMetadata): Promise<TableState> {
    if (this.readonlyReason) throw new UnsupportedError(this.readonlyReason, { table: this.name });
    const baseVersion = base.metadataLocation === undefined ? 0 : metadataFileVersion(base.metadataLocation)?.version;
    if (baseVersion === undefined) throw new UnsupportedError(`${this.name}: cannot commit on top of ${base.metadataLocation}`);
    const next = this.hadoopLocation(baseVersion + 1);
    const md = base.metadataLocation === undefined ? metadata : withPreviousMetadata(metadata, base.metadataLocation, base.metadata.lastUpdatedMs);
    if (!(await this.baseIo.writeIfAbsent(next, encodeMetadata(md)))) {
      throw new CommitRaceError(this.name, base.metadataLocation ?? '(new table)');
    }
    // Best effort: readers probe past a stale hint.
    await this.baseIo.write(joinLocation(this.metadataDir, 'version-hint.text'), new TextEncoder().encode(String(baseVersion + 1))).catch(() => undefined);
    return { metadata: md, metadataLocation: next };
  }

  newMetadataLocation(fileName: string): string {
    return joinLocation(this.metadataDir, fileName);
  }

  newDataLocation(fileName: string, partitionPath?: string): string {
    const dir = joinLocation(this.tableLocation, 'data');
    return partitionPath ? joinLocation(dir, partitionPath, fileName) : joinLocation(dir, fileName);
  }

  private hadoopLocation(version: number): string {
    return joinLocation(this.metadataDir, `v${version}.metadata.json`);
  }

  private mapIfMoved(md: TableMetadata): void {
    if (normalizeLocation(md.location) !== normalizeLocation(this.tableLocation)) {
      this.mappedIo = new PrefixMappedFileIO(this.baseIo, [md.location], this.tableLocation);
    } else {
      this.mappedIo = this.baseIo;
    }
  }
}

/** A table pinned to one metadata file (opened from a `*.metadata.json` path): read-only. */
export class StaticTableOperations implements TableOperations {
  private mappedIo: FileIO;
  constructor(
    private readonly baseIo: FileIO,
    private readonly metadataLocation: string,
    private readonly tableLocation: string,
    readonly name: string,
  ) {
    this.mappedIo = baseIo;
  }
  get io(): FileIO {
    return this.mappedIo;
  }
  async refresh(): Promise<TableState> {
    const metadata = await readMetadataFile(this.baseIo, this.metadataLocation);
    if (normalizeLocation(metadata.location) !== normalizeLocation(this.tableLocation)) {
      this.mappedIo = new PrefixMappedFileIO(this.baseIo, [metadata.location], this.tableLocation);
    }
    return { metadata, metadataLocation: this.metadataLocation };
  }
  async commit(): Promise<TableState> {
    throw new UnsupportedError(`${this.name} was opened from the metadata file ${this.metadataLocation} and is read-only; open the table directory or its catalog to change it`);
  }
  newMetadataLocation(fileName: string): string {
    return joinLocation(this.tableLocation, 'metadata', fileName);
  }
  newDataLocation(fileName: string): string {
    return joinLocation(this.tableLocation, 'data', fileName);
  }
}
