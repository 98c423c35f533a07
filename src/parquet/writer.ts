/**
 * Streaming Parquet data-file writer. Rows are shredded into per-column buffers; when the
 * buffered (uncompressed) size reaches the row-group size the row group is encoded and
 * written to the FileIO stream, so memory is bounded by the row group, not the file.
 */
import { IcetideError, ValidationError } from '../errors.js';
import type { Schema } from '../iceberg/spec/schema.js';
import { compareValues } from '../iceberg/spec/value-serialization.js';
import type { PrimitiveValue } from '../iceberg/spec/values.js';
import type { FileIO, OutputStream } from '../io/file-io.js';
import { ColumnBuffer } from './column-buffer.js';
import { encodeChunk, type EncodedChunk } from './column-writer.js';
import { CODEC_ID, makeCompressor, type Codec, type CompressFn } from './compression.js';
import { OffThreadRowGroup } from './encoder-pool.js';
import { valueAt, type ColumnArray } from './packed-bytes.js';
import { writeFooter, type ColumnChunkMeta, type RowGroupMeta } from './footer.js';
import { boundFor, resolveMetricsModes, type MetricsMode } from './metrics.js';
import { DEFAULTS, validateLevel, type ParquetWriteOptions } from './options.js';
import { toParquetSchema, type LeafColumn, type ParquetSchema } from './parquet-schema.js';
import { buildShredder, required, type Row, type Shredders } from './shred.js';

export type { Row } from './shred.js';

/**
 * Columnar input: one array per top-level field name (values.ts representations, null for
 * null; nested fields as objects/arrays/Maps; strings and binaries may come packed, see
 * packed-bytes.ts), all `length` long. A field left out is null.
 */
export interface ColumnBatch {
  readonly length: number;
  readonly columns: Readonly<Record<string, ColumnArray>>;
  /**
   * Optional null masks per column (1 = the row's value is null, whatever `columns` holds
   * there): lets typed arrays (Int32Array, BigInt64Array, ...) carry nulls.
   */
  readonly nulls?: Readonly<Record<string, Uint8Array | undefined>>;
}

export interface DataFileMetrics {
  recordCount: bigint;
  fileSizeInBytes: bigint;
  columnSizes: Map<number, bigint>;
  valueCounts: Map<number, bigint>;
  nullValueCounts: Map<number, bigint>;
  nanValueCounts: Map<number, bigint>;
  lowerBounds: Map<number, PrimitiveValue>;
  upperBounds: Map<number, PrimitiveValue>;
  splitOffsets: bigint[];
}

const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]); // "PAR1"
export const CREATED_BY = 'icetide version 0.1.0';
/** How often (in rows) write() checks the buffered size against the row-group size. */
const CHECK_EVERY = 512;
/**
 * encodeInWorker: raw bytes buffered before they go to the worker as a slice of the row group,
 * so the worker encodes and compresses pages while this thread fills the rest of the group.
 */
const SLICE_BYTES = 4 * 1024 * 1024;

interface LeafStats {
  size: number;
  values: number;
  nulls: number;
  nans: number;
  min?: PrimitiveValue;
  max?: PrimitiveValue;
}

export class ParquetFileWriter {
  private readonly pq: ParquetSchema;
  private readonly buffers: ColumnBuffer[];
  private readonly shred: Shredders;
  private readonly compress: CompressFn;
  private readonly codecId: number;
  private readonly codec: Codec;
  /** Row group being encoded/written off-thread (worker mode). */
  private inflight: Promise<void> | undefined;
  /** Worker mode: the row group being filled, as far as its slices went to the worker. */
  private rowGroup: OffThreadRowGroup | undefined;
  /** Raw bytes of the row group being filled that already went to the worker. */
  private shippedRaw = 0;
  private readonly modes: MetricsMode[];
  private readonly rowGroupSize: number;
  private readonly pageOpts: { pageSizeBytes: number; pageRowLimit: number };
  private readonly stats: LeafStats[];
  private readonly rowGroups: RowGroupMeta[] = [];
  private bufferedRows = 0;
  private totalRows = 0;
  private pos = MAGIC.length;
  private rawFlushed = 0;
  /** Raw bytes of the row group handed to the worker and not yet written. */
  private rawInflight = 0;
  private state: 'open' | 'failed' | 'closed' = 'open';
  private encodeMs = 0;

  private constructor(
    readonly location: string,
    readonly schema: Schema,
    private readonly out: OutputStream,
    private readonly opts: ParquetWriteOptions,
  ) {
    this.pq = toParquetSchema(schema);
    this.buffers = this.pq.leaves.map((l) => new ColumnBuffer(l));
    this.shred = buildShredder(schema, this.buffers);
    const codec = opts.codec ?? DEFAULTS.codec;
    validateLevel(codec, opts.compressionLevel);
    this.compress = makeCompressor(codec, opts.compressionLevel);
    this.codecId = CODEC_ID[codec];
    this.codec = codec;
    this.modes = resolveMetricsModes(schema, this.pq.leaves, opts.metrics);
    this.rowGroupSize = opts.rowGroupSizeBytes ?? DEFAULTS.rowGroupSizeBytes;
    this.pageOpts = { pageSizeBytes: opts.pageSizeBytes ?? DEFAULTS.pageSizeBytes, pageRowLimit: opts.pageRowLimit ?? DEFAULTS.pageRowLimit };
    this.stats = this.pq.leaves.map(() => ({ size: 0, values: 0, nulls: 0, nans: 0 }));
  }

  static async open(io: FileIO, location: string, schema: Schema, opts: ParquetWriteOptions = {}): Promise<ParquetFileWriter> {
    const out = await io.create(location);
    let w: ParquetFileWriter;
    try {
      w = new ParquetFileWriter(location, schema, out, opts);
      await out.write(MAGIC);
    } catch (err) {
      await out.abort().catch(() => undefined);
      throw err;
    }
    return w;
  }

  /** Leaf columns in file order (for tools and tests). */
  get leaves(): readonly LeafColumn[] {
    return this.pq.leaves;
  }

  /** Bytes already written to the stream (complete row groups). */
  get bytesWritten(): number {
    return this.pos;
  }

  /** Rows written so far, buffered ones included. */
  get rowCount(): number {
    return this.totalRows;
  }

  private bufferedBytes(): number {
    let n = 0;
    for (const b of this.buffers) n += b.bytes;
    return n;
  }

  /** Raw bytes of the row group being filled (buffered here or sent to the worker). */
  private rowGroupBytes(): number {
    return this.bufferedBytes() + this.shippedRaw;
  }

  /** Raw bytes of the row group being buffered (what a flush would encode). */
  get bufferedSize(): number {
    return this.rowGroupBytes();
  }

  /** Flushes a full row group, or (worker mode) hands a big enough slice to the worker. */
  private async checkSize(): Promise<void> {
    const buffered = this.bufferedBytes();
    if (buffered + this.shippedRaw >= this.rowGroupSize) await this.flushRowGroup();
    else if (this.opts.encodeInWorker && buffered >= SLICE_BYTES) this.ship();
  }

  /** Sends the buffered rows to the worker as the next slice of the row group. */
  private ship(): void {
    const raw = this.bufferedBytes();
    if (raw === 0 && this.rowGroup) return;
    this.rowGroup ??= new OffThreadRowGroup({ codec: this.codec, level: this.opts.compressionLevel, pageOpts: this.pageOpts, leaves: [...this.pq.leaves] });
    this.shippedRaw += raw;
    this.rowGroup.append(this.buffers.map((b) => b.take()));
  }

  /**
   * Ends the current row group now. A caller holding many open files (one per partition)
   * uses this to bound its total memory; row positions are unaffected.
   */
  async flushBuffered(): Promise<void> {
    if (this.state !== 'open') return;
    await this.flushRowGroup();
  }

  /** Written bytes plus the buffered row group scaled by the compression seen so far. */
  get estimatedSize(): number {
    const ratio = this.rawFlushed > 0 ? (this.pos - MAGIC.length) / this.rawFlushed : 1;
    return this.pos + (this.rowGroupBytes() + this.rawInflight) * Math.min(1, ratio);
  }

  private check(): void {
    if (this.state !== 'open') {
      throw new ValidationError(`parquet writer for ${this.location} is ${this.state === 'failed' ? 'failed (abort it)' : 'closed'}`, { location: this.location });
    }
  }

  /**
   * Buffers rows, flushing row groups as they fill. A rejected value (wrong type, null in a
   * required column) fails the writer: abort() it.
   */
  async write(rows: readonly Row[]): Promise<void> {
    this.check();
    try {
      for (let i = 0; i < rows.length; i++) {
        this.shred.row(rows[i]!);
        this.bufferedRows++;
        this.totalRows++;
        if (this.bufferedRows % CHECK_EVERY === 0) await this.checkSize();
      }
      if (this.bufferedRows > 0) await this.checkSize();
    } catch (err) {
      this.state = 'failed';
      if (err instanceof IcetideError) throw IcetideError.wrap(err, `writing ${this.location}`, { location: this.location });
      throw err;
    }
  }

  /** Milliseconds spent encoding and compressing row groups (the rest of write() is shredding). */
  get encodeMillis(): number {
    return this.encodeMs;
  }

  /**
   * Columnar write: the same result as write() with the equivalent rows, without building row
   * objects; rows [start, end) of the batch (default: all). Top-level primitive columns given
   * as typed arrays (Int32Array, BigInt64Array, Float32Array, Float64Array, with `nulls`
   * masks) or packed bytes (PackedStrings, PackedBinary) are copied in bulk. Flushes row
   * groups between slices of the batch.
   */
  async writeColumns(batch: ColumnBatch, start = 0, end = batch.length): Promise<void> {
    this.check();
    try {
      const n = batch.length;
      const fields = this.shred.fields.map((f) => {
        const col = batch.columns[f.key];
        if (col !== undefined && col.length !== n) {
          throw new ValidationError(`column ${f.key}: ${col.length} values, batch length is ${n}`, { column: f.key });
        }
        const nulls = batch.nulls?.[f.key];
        if (nulls !== undefined && nulls.length !== n) {
          throw new ValidationError(`column ${f.key}: null mask of ${nulls.length}, batch length is ${n}`, { column: f.key });
        }
        return { write: f.write, col, nulls, flat: f.flat, required: () => required(f.key, f.flat?.buffer.leaf) };
      });
      // slice at the same row counts write() checks at, so both give identical files
      for (let from = start, to = start; from < end; from = to) {
        to = Math.min(end, from + CHECK_EVERY - (this.bufferedRows % CHECK_EVERY));
        for (const { write, col, nulls, flat, required } of fields) {
          if (col === undefined) for (let i = from; i < to; i++) write(null);
          else if (flat) flat.buffer.appendFlat(col, nulls, from, to, flat.optional, required);
          else if (nulls) for (let i = from; i < to; i++) write(nulls[i] ? null : valueAt(col, i));
          else for (let i = from; i < to; i++) write(valueAt(col, i));
        }
        this.bufferedRows += to - from;
        this.totalRows += to - from;
        await this.checkSize();
      }
    } catch (err) {
      this.state = 'failed';
      if (err instanceof IcetideError) throw IcetideError.wrap(err, `writing ${this.location}`, { location: this.location });
      throw err;
    }
  }

  private async flushRowGroup(): Promise<void> {
    if (this.bufferedRows === 0) return;
    const t0 = performance.now();
    const rows = this.bufferedRows;
    const raw = this.rowGroupBytes();
    this.bufferedRows = 0;
    if (this.opts.encodeInWorker) {
      this.ship();
      const group = this.rowGroup!;
      this.rowGroup = undefined;
      this.shippedRaw = 0;
      const encoded = group.finish();
      const prev = this.inflight;
      this.rawInflight += raw;
      const next = (async () => {
        await prev;
        await this.writeRowGroup(await encoded, rows, raw);
      })();
      next.catch(() => undefined); // surfaced by the next flush/close, not as an unhandled rejection
      this.inflight = next;
      this.encodeMs += performance.now() - t0;
      // Bound memory: one row group encoding while the caller fills the next one.
      await prev;
      return;
    }
    const chunks = this.buffers.map((b) => {
      const c = encodeChunk(b, this.compress, this.pageOpts);
      b.reset();
      return c;
    });
    this.encodeMs += performance.now() - t0;
    await this.writeRowGroup(chunks, rows, raw);
  }

  private async writeRowGroup(chunks: readonly EncodedChunk[], rows: number, raw: number): Promise<void> {
    const start = this.pos;
    const columns: ColumnChunkMeta[] = [];
    let uncompressed = 0;
    for (let i = 0; i < chunks.length; i++) {
      const chunk = chunks[i]!;
      const leaf = this.pq.leaves[i]!;
      const offset = this.pos;
      const data = chunk.parts.length === 1 ? chunk.parts[0]! : Buffer.concat(chunk.parts);
      await this.out.write(data);
      this.pos += data.length;
      uncompressed += chunk.uncompressedSize;
      columns.push({
        physical: leaf.physical, path: leaf.path, codec: this.codecId, numValues: chunk.numValues,
        uncompressedSize: chunk.uncompressedSize, compressedSize: chunk.compressedSize, dataPageOffset: offset + chunk.dataPageOffset,
        ...(chunk.dictionary ? { dictionaryPageOffset: offset } : {}),
        nullCount: chunk.nullCount,
        ...(chunk.minBytes && chunk.maxBytes ? { minBytes: chunk.minBytes, maxBytes: chunk.maxBytes } : {}),
      });
      this.addStats(i, chunk);
    }
    this.rowGroups.push({ columns, numRows: rows, fileOffset: start, totalByteSize: uncompressed, totalCompressedSize: this.pos - start });
    this.rawFlushed += raw;
    if (this.opts.encodeInWorker) this.rawInflight -= raw;
  }

  private addStats(i: number, c: EncodedChunk): void {
    const s = this.stats[i]!;
    const t = this.pq.leaves[i]!.type;
    s.size += c.compressedSize;
    s.values += c.numValues;
    s.nulls += c.nullCount;
    s.nans += c.nanCount;
    if (c.min !== undefined && (s.min === undefined || compareValues(t, c.min, s.min) < 0)) s.min = c.min;
    if (c.max !== undefined && (s.max === undefined || compareValues(t, c.max, s.max) > 0)) s.max = c.max;
  }

  /** Flushes the last row group, writes the footer and makes the file visible. */
  async close(): Promise<DataFileMetrics> {
    this.check();
    try {
      await this.flushRowGroup();
      await this.inflight;
      const footer = writeFooter(this.pq.elements, this.rowGroups, this.totalRows, CREATED_BY, this.opts.keyValueMetadata);
      const tail = new Uint8Array(footer.length + 8);
      tail.set(footer);
      new DataView(tail.buffer).setUint32(footer.length, footer.length, true);
      tail.set(MAGIC, footer.length + 4);
      await this.out.write(tail);
      this.pos += tail.length;
      await this.out.close();
      this.state = 'closed';
    } catch (err) {
      this.state = 'failed';
      throw IcetideError.wrap(err, `writing ${this.location}`, { location: this.location });
    }
    return this.metrics();
  }

  /** Discards the file. Safe to call after a failure. */
  async abort(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.rowGroup?.drop();
    this.rowGroup = undefined;
    await this.inflight?.catch(() => undefined);
    await this.out.abort();
  }

  private metrics(): DataFileMetrics {
    const m: DataFileMetrics = {
      recordCount: BigInt(this.totalRows),
      fileSizeInBytes: BigInt(this.pos),
      columnSizes: new Map(), valueCounts: new Map(), nullValueCounts: new Map(), nanValueCounts: new Map(),
      lowerBounds: new Map(), upperBounds: new Map(),
      splitOffsets: this.rowGroups.map((g) => BigInt(g.fileOffset)),
    };
    this.pq.leaves.forEach((leaf, i) => {
      const mode = this.modes[i]!;
      if (mode.kind === 'none') return;
      const s = this.stats[i]!;
      const id = leaf.fieldId;
      m.columnSizes.set(id, BigInt(s.size));
      m.valueCounts.set(id, BigInt(s.values));
      m.nullValueCounts.set(id, BigInt(s.nulls));
      if (leaf.type.kind === 'float' || leaf.type.kind === 'double') m.nanValueCounts.set(id, BigInt(s.nans));
      if (mode.kind === 'counts' || leaf.repeated) return;
      if (s.min !== undefined) {
        const lo = boundFor(mode, leaf.type.kind, s.min, false);
        if (lo !== undefined) m.lowerBounds.set(id, lo);
      }
      if (s.max !== undefined) {
        const hi = boundFor(mode, leaf.type.kind, s.max, true);
        if (hi !== undefined) m.upperBounds.set(id, hi);
      }
    });
    return m;
  }
}
