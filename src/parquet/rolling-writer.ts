/**
 * Writes rows into as many Parquet files as needed, starting a new file once the current
 * one's estimated size reaches `write.target-file-size-bytes`.
 */
import type { Schema } from '../iceberg/spec/schema.js';
import type { FileIO } from '../io/file-io.js';
import { DEFAULTS, type ParquetWriteOptions } from './options.js';
import { ParquetFileWriter, type ColumnBatch, type DataFileMetrics, type Row } from './writer.js';

export interface WrittenFile {
  readonly location: string;
  readonly metrics: DataFileMetrics;
}

/** Rows between size checks (a file overshoots its target by at most this many rows). */
const SLICE = 1000;

export class RollingParquetWriter {
  private current: ParquetFileWriter | undefined;
  private readonly done: WrittenFile[] = [];
  private readonly target: number;

  constructor(
    private readonly io: FileIO,
    private readonly schema: Schema,
    /** Called for each new file. */
    private readonly nextLocation: () => string,
    private readonly opts: ParquetWriteOptions = {},
  ) {
    this.target = opts.targetFileSizeBytes ?? DEFAULTS.targetFileSizeBytes;
  }

  async write(rows: readonly Row[]): Promise<void> {
    for (let i = 0; i < rows.length; i += SLICE) {
      this.current ??= await ParquetFileWriter.open(this.io, this.nextLocation(), this.schema, this.opts);
      await this.current.write(i === 0 && rows.length <= SLICE ? rows : rows.slice(i, i + SLICE));
      if (this.current.estimatedSize >= this.target) await this.roll();
    }
  }

  /** Columnar write (see ParquetFileWriter.writeColumns), rolling files at the same slices as write(). */
  async writeColumns(batch: ColumnBatch): Promise<void> {
    for (let i = 0; i < batch.length; i += SLICE) {
      this.current ??= await ParquetFileWriter.open(this.io, this.nextLocation(), this.schema, this.opts);
      await this.current.writeColumns(batch, i, Math.min(batch.length, i + SLICE));
      if (this.current.estimatedSize >= this.target) await this.roll();
    }
  }

  private async roll(): Promise<void> {
    const w = this.current;
    if (!w) return;
    this.current = undefined;
    this.done.push({ location: w.location, metrics: await w.close() });
  }

  /** Closes the open file; returns every file written, in order. */
  async close(): Promise<WrittenFile[]> {
    await this.roll();
    return [...this.done];
  }

  /** Aborts the open file. Files already closed stay: the caller deletes them if needed. */
  async abort(): Promise<WrittenFile[]> {
    const w = this.current;
    this.current = undefined;
    await w?.abort();
    return [...this.done];
  }
}
