import { deleteFiles } from './delete-files.js';
import type { DeleteFailure, FileInfo, FileIO, OutputStream } from './file-io.js';
import { fileIOFor } from './file-io-registry.js';
import type { StorageConfig } from './storage-config.js';

/**
 * A FileIO that serves every location with the FileIO its scheme calls for (fileIOFor), made
 * once per scheme and authority. For catalogs whose tables may live on different stores (a SQL
 * catalog holding local and s3:// tables; the CLI, which does not know a table's location
 * before it loads it).
 */
export class RoutingFileIO implements FileIO {
  private readonly ios = new Map<string, FileIO>();

  constructor(private readonly storage: StorageConfig = {}) {}

  /** The FileIO for `location` (cached by scheme, and by host for WebHDFS namenodes). */
  ioFor(location: string): FileIO {
    const m = /^([a-z][a-z0-9+.-]*):\/\/([^/]*)/i.exec(location);
    const key = m ? `${m[1]!.toLowerCase()}://${/hdfs$/i.test(m[1]!) ? m[2] : ''}` : 'file:';
    let io = this.ios.get(key);
    if (!io) this.ios.set(key, (io = fileIOFor(location, this.storage)));
    return io;
  }

  read(location: string): Promise<Uint8Array> {
    return this.ioFor(location).read(location);
  }

  readRange(location: string, offset: number, length: number): Promise<Uint8Array> {
    return this.ioFor(location).readRange(location, offset, length);
  }

  length(location: string): Promise<number> {
    return this.ioFor(location).length(location);
  }

  exists(location: string): Promise<boolean> {
    return this.ioFor(location).exists(location);
  }

  write(location: string, data: Uint8Array): Promise<void> {
    return this.ioFor(location).write(location, data);
  }

  writeIfAbsent(location: string, data: Uint8Array): Promise<boolean> {
    return this.ioFor(location).writeIfAbsent(location, data);
  }

  create(location: string): Promise<OutputStream> {
    return this.ioFor(location).create(location);
  }

  list(prefix: string): AsyncIterable<FileInfo> {
    return this.ioFor(prefix).list(prefix);
  }

  delete(location: string): Promise<void> {
    return this.ioFor(location).delete(location);
  }

  /** Each store's share in as few requests as that store allows. */
  async deleteMany(locations: readonly string[]): Promise<DeleteFailure[]> {
    const byIo = new Map<FileIO, string[]>();
    for (const l of locations) {
      const io = this.ioFor(l);
      byIo.set(io, [...(byIo.get(io) ?? []), l]);
    }
    return (await Promise.all([...byIo].map(([io, ls]) => deleteFiles(io, ls)))).flat();
  }

  /** Releases the stores' connections (S3 clients keep sockets open). */
  destroy(): void {
    for (const io of this.ios.values()) (io as { destroy?: () => void }).destroy?.();
    this.ios.clear();
  }
}
