import { NotFoundError, UnsupportedError } from '../errors.js';
import type { FileIO, FileInfo, OutputStream } from './file-io.js';

/**
 * A read-only FileIO over files already in memory: a worker thread that was handed a
 * file's bytes reads it through the same readers as any other file.
 */
export class BytesFileIO implements FileIO {
  private readonly files = new Map<string, Uint8Array>();

  put(location: string, bytes: Uint8Array): void {
    this.files.set(location, bytes);
  }

  private get(location: string): Uint8Array {
    const b = this.files.get(location);
    if (!b) throw new NotFoundError(`${location} is not among the files handed to this reader`, { location });
    return b;
  }

  async read(location: string): Promise<Uint8Array> {
    return this.get(location);
  }
  async readRange(location: string, offset: number, length: number): Promise<Uint8Array> {
    return this.get(location).subarray(offset, offset + length);
  }
  async length(location: string): Promise<number> {
    return this.get(location).length;
  }
  async exists(location: string): Promise<boolean> {
    return this.files.has(location);
  }
  write(location: string): Promise<void> {
    return Promise.reject(readOnly(location));
  }
  writeIfAbsent(location: string): Promise<boolean> {
    return Promise.reject(readOnly(location));
  }
  create(location: string): Promise<OutputStream> {
    return Promise.reject(readOnly(location));
  }
  async *list(prefix: string): AsyncIterable<FileInfo> {
    for (const [location, b] of this.files) if (location.startsWith(prefix)) yield { location, size: b.length, modifiedMs: 0 };
  }
  delete(location: string): Promise<void> {
    return Promise.reject(readOnly(location));
  }
}

function readOnly(location: string): UnsupportedError {
  return new UnsupportedError(`cannot write ${location}: in-memory file reads are read-only`, { location });
}
