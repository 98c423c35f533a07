import { deleteFiles } from './delete-files.js';
import type { DeleteFailure, FileInfo, FileIO, OutputStream } from './file-io.js';
import { normalizeLocation } from './location.js';

/**
 * Reads a table that was moved after it was written: every location starting with one of
 * the recorded prefixes is rewritten onto the directory where the table now lives (what
 * DuckDB calls `allow_moved_paths`). Fixture tables record relative or foreign prefixes
 * (`./lineitem_iceberg`, `lineitem_iceberg/`, `file://data/...`), so several spellings of the
 * same prefix are mapped.
 */
export class PrefixMappedFileIO implements FileIO {
  private readonly prefixes: string[];

  constructor(
    private readonly inner: FileIO,
    recordedPrefixes: readonly string[],
    private readonly actual: string,
  ) {
    const variants = new Set<string>();
    for (const p of recordedPrefixes) {
      const n = normalizeLocation(p);
      variants.add(n);
      if (n.startsWith('file://')) variants.add(n.slice('file://'.length));
      if (n.startsWith('file:')) variants.add(n.slice('file:'.length));
      variants.add(`./${n}`);
    }
    // Longest first, so a nested prefix never shadows a longer one.
    this.prefixes = [...variants].filter((v) => v.length > 0).sort((a, b) => b.length - a.length);
  }

  map(location: string): string {
    for (const p of this.prefixes) {
      if (location === p) return this.actual;
      if (location.startsWith(`${p}/`)) return `${this.actual.replace(/\/+$/, '')}${location.slice(p.length)}`;
    }
    return location;
  }

  read(location: string): Promise<Uint8Array> {
    return this.inner.read(this.map(location));
  }
  readRange(location: string, offset: number, length: number): Promise<Uint8Array> {
    return this.inner.readRange(this.map(location), offset, length);
  }
  length(location: string): Promise<number> {
    return this.inner.length(this.map(location));
  }
  exists(location: string): Promise<boolean> {
    return this.inner.exists(this.map(location));
  }
  write(location: string, data: Uint8Array): Promise<void> {
    return this.inner.write(this.map(location), data);
  }
  writeIfAbsent(location: string, data: Uint8Array): Promise<boolean> {
    return this.inner.writeIfAbsent(this.map(location), data);
  }
  create(location: string): Promise<OutputStream> {
    return this.inner.create(this.map(location));
  }
  list(prefix: string): AsyncIterable<FileInfo> {
    return this.inner.list(this.map(prefix));
  }
  delete(location: string): Promise<void> {
    return this.inner.delete(this.map(location));
  }
  /** The inner store's batch delete (or per-file deletes), on mapped locations. */
  async deleteMany(locations: readonly string[]): Promise<DeleteFailure[]> {
    const recorded = new Map(locations.map((l) => [this.map(l), l]));
    const failures = await deleteFiles(this.inner, [...recorded.keys()]);
    return failures.map((f) => ({ ...f, location: recorded.get(f.location) ?? f.location }));
  }
}
