import { deleteFiles } from '../../src/io/delete-files.js';
import type { DeleteFailure, FileIO } from '../../src/io/file-io.js';

/**
 * A FileIO view that reads each registered small file with one whole-file read and serves
 * the Parquet reader's length/footer/column-chunk range reads from those bytes. Compaction
 * inputs are mostly tiny files where one open per column chunk costs more than the bytes.
 * Memory: the bytes of the files read and not yet released (the prefetch window).
 */
export class WholeFileReads implements FileIO {
  private readonly sizes = new Map<string, number>();
  private readonly cache = new Map<string, Promise<Uint8Array>>();

  constructor(private readonly inner: FileIO) {}

  /** Marks a file (its size from the manifest) as read whole. */
  register(location: string, size: number): void {
    this.sizes.set(location, size);
  }

  /** Drops a file's bytes once its rows are decoded. */
  release(location: string): void {
    this.cache.delete(location);
  }

  private whole(location: string): Promise<Uint8Array> | undefined {
    if (!this.sizes.has(location)) return undefined;
    let p = this.cache.get(location);
    if (!p) {
      p = this.inner.read(location);
      this.cache.set(location, p);
    }
    return p;
  }

  read(location: string): Promise<Uint8Array> {
    return this.whole(location) ?? this.inner.read(location);
  }
  async readRange(location: string, offset: number, length: number): Promise<Uint8Array> {
    const w = this.whole(location);
    if (!w) return this.inner.readRange(location, offset, length);
    return (await w).subarray(offset, offset + length);
  }
  async length(location: string): Promise<number> {
    const w = this.whole(location);
    return w ? (await w).length : this.inner.length(location);
  }
  exists(location: string): Promise<boolean> {
    return this.inner.exists(location);
  }
  write(location: string, data: Uint8Array): Promise<void> {
    return this.inner.write(location, data);
  }
  writeIfAbsent(location: string, data: Uint8Array): Promise<boolean> {
    return this.inner.writeIfAbsent(location, data);
  }
  create(location: string): ReturnType<FileIO['create']> {
    return this.inner.create(location);
  }
  list(prefix: string): ReturnType<FileIO['list']> {
    return this.inner.list(prefix);
  }
  delete(location: string): Promise<void> {
    return this.inner.delete(location);
  }
  deleteMany(locations: readonly string[]): Promise<DeleteFailure[]> {
    return deleteFiles(this.inner, locations);
  }
}
