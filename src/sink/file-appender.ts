import { randomUUID } from 'node:crypto';
import { ParquetFileWriter, type DataFileMetrics, type ParquetWriteOptions, type Row } from '../parquet/index.js';
import type { ColumnValues } from './change-event.js';
import type { FileIO } from '../io/file-io.js';
import type { Schema } from '../iceberg/spec/schema.js';

export interface RowLocation {
  readonly path: string;
  readonly pos: bigint;
}

export interface ClosedFile {
  readonly location: string;
  readonly metrics: DataFileMetrics;
}

/** Rows buffered before a write() to the Parquet writer: amortises its per-call cost. */
const FLUSH_ROWS = 1024;
/** Rows of a column-wise append written between checks of the file's size (rolling). */
const COLUMN_SLICE_ROWS = 8192;

/**
 * Appends rows to data files of one partition, rolling at the target size, and tells the
 * caller the file and row position of every row it takes: upserts need them for position
 * deletes against rows written earlier in the same commit.
 */
export class FileAppender {
  private writer: ParquetFileWriter | undefined;
  private pending: Row[] = [];
  private rowsInFile = 0n;
  private readonly closed: ClosedFile[] = [];
  private currentLocation: string | undefined;

  constructor(
    private readonly io: FileIO,
    private readonly schema: Schema,
    private readonly newLocation: (fileName: string) => string,
    private readonly opts: ParquetWriteOptions,
    private readonly targetFileSizeBytes: number,
  ) {}

  /**
   * Takes a row without waiting (the per-row hot path: no promise per row) and says where it
   * will be; the caller calls flush() when `full` says the pending rows are due.
   */
  add(row: Row): RowLocation {
    if (!this.currentLocation) {
      this.currentLocation = this.newLocation(`${randomUUID()}.parquet`);
      this.rowsInFile = 0n;
    }
    const loc = { path: this.currentLocation, pos: this.rowsInFile++ };
    this.pending.push(row);
    return loc;
  }

  /**
   * Appends rows [start, end) of column values after the rows added so far, rolling to a new
   * file at the target size between slices. `placed` hears where each slice went (the key
   * index records it): rows [from, to) at positions firstPos... of `path`.
   */
  async addColumns(v: ColumnValues, start: number, end: number, placed?: (path: string, firstPos: bigint, from: number, to: number) => void): Promise<void> {
    await this.flush();
    for (let from = start; from < end;) {
      if (!this.currentLocation) {
        this.currentLocation = this.newLocation(`${randomUUID()}.parquet`);
        this.rowsInFile = 0n;
      }
      this.writer ??= await ParquetFileWriter.open(this.io, this.currentLocation, this.schema, this.opts);
      const to = Math.min(end, from + COLUMN_SLICE_ROWS);
      await this.writer.writeColumns(v, from, to);
      placed?.(this.currentLocation, this.rowsInFile, from, to);
      this.rowsInFile += BigInt(to - from);
      from = to;
      if (this.writer.estimatedSize >= this.targetFileSizeBytes) await this.roll();
    }
  }

  /** Enough rows are pending for a write() to the Parquet writer. */
  get full(): boolean {
    return this.pending.length >= FLUSH_ROWS;
  }

  /** Hands the pending rows to the Parquet writer (rolling the file at the target size). */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    this.writer ??= await ParquetFileWriter.open(this.io, this.currentLocation!, this.schema, this.opts);
    const rows = this.pending;
    this.pending = [];
    await this.writer.write(rows);
    if (this.writer.estimatedSize >= this.targetFileSizeBytes) await this.roll();
  }

  private async roll(): Promise<void> {
    const w = this.writer;
    this.writer = undefined;
    this.currentLocation = undefined;
    if (w) this.closed.push({ location: w.location, metrics: await w.close() });
  }

  /** Rows and row-group bytes held in memory. */
  get bufferedBytes(): number {
    return (this.writer?.bufferedSize ?? 0) + this.pending.length * 64;
  }

  /** Writes out what is buffered (pending rows and the open row group). */
  async flushBuffered(): Promise<void> {
    await this.flush();
    await this.writer?.flushBuffered();
  }

  /** Closes the open file; returns every file written. */
  async close(): Promise<ClosedFile[]> {
    await this.flush();
    await this.roll();
    return [...this.closed];
  }

  /** Discards everything this appender wrote. */
  async abort(): Promise<void> {
    this.pending = [];
    await this.writer?.abort().catch(() => undefined);
    this.writer = undefined;
    await Promise.all(this.closed.map((f) => this.io.delete(f.location).catch(() => undefined)));
    this.closed.length = 0;
  }
}
