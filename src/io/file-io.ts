/**
 * FileIO: the one seam between icetide and storage (local disk, S3, WebHDFS). Locations are
 * URIs (`file:/x`, `s3://b/k`) or plain paths; implementations say which schemes they accept.
 */
export interface FileInfo {
  readonly location: string;
  readonly size: number;
  /** Last modification time, ms since epoch. */
  readonly modifiedMs: number;
}

export interface OutputStream {
  write(chunk: Uint8Array): Promise<void>;
  /** Makes the file visible at its location. Nothing is visible before close(). */
  close(): Promise<void>;
  /** Discards what was written; the location is left untouched. */
  abort(): Promise<void>;
  /** Bytes written so far. */
  readonly bytesWritten: number;
}

/** A file `deleteMany` could not delete (the rest were deleted). */
export interface DeleteFailure {
  readonly location: string;
  readonly error: string;
}

export interface FileIO {
  /** Reads the whole file. */
  read(location: string): Promise<Uint8Array>;
  /** Reads `length` bytes at `offset`. */
  readRange(location: string, offset: number, length: number): Promise<Uint8Array>;
  /** File length in bytes; throws NotFoundError when missing. */
  length(location: string): Promise<number>;
  exists(location: string): Promise<boolean>;
  /** Writes a whole file, replacing any existing one atomically. */
  write(location: string, data: Uint8Array): Promise<void>;
  /**
   * Writes a file only if none exists; returns false (and writes nothing) when it does.
   * The filesystem catalog's atomic commit rests on this.
   */
  writeIfAbsent(location: string, data: Uint8Array): Promise<boolean>;
  /** A streaming writer; the file appears at close(). */
  create(location: string): Promise<OutputStream>;
  /** Every file whose location starts with the prefix (recursive). */
  list(prefix: string): AsyncIterable<FileInfo>;
  /** Deletes a file; deleting a missing file is not an error. */
  delete(location: string): Promise<void>;
  /**
   * Deletes many files in as few requests as the store allows (S3: DeleteObjects, 1000 keys
   * a request). Missing files are not failures; other failures are returned, not thrown, so
   * one bad key never stops the rest. Optional: callers fall back to `delete` per file.
   */
  deleteMany?(locations: readonly string[]): Promise<DeleteFailure[]>;
}
