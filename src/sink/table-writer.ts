import { CommitConflictError, CommitStateUnknownError, ValidationError, IcetideError } from '../errors.js';
import { PackedBytes, parquetWriteOptionsFromProperties, valueAt, type ColumnArray, type ParquetWriteOptions, type Row } from '../parquet/index.js';
import { RowDelta } from '../iceberg/commit/row-delta.js';
import { dataFileFromMetrics } from '../iceberg/data-file-builder.js';
import { equalityKey } from '../iceberg/read/delete-loader.js';
import { stringifyJson } from '../iceberg/spec/lossless-json.js';
import type { DataFile } from '../iceberg/spec/manifest.js';
import type { Schema } from '../iceberg/spec/schema.js';
import type { Snapshot } from '../iceberg/spec/snapshot.js';
import type { Table } from '../iceberg/table.js';
import { silentLogger, type Logger } from '../logging/logger.js';
import type { ChangeEvent, ColumnValues, EventRejection, InsertColumns, Phase, RowValues, SourcePosition } from './change-event.js';
import { coerceColumns, gatherRows } from './column-values.js';
import { insertEvents, rowAt } from './insert-columns.js';
import { writeEqualityDeletes, writePositionDeletes } from './delete-file-writers.js';
import { FileAppender, type RowLocation } from './file-appender.js';
import { InflightMarker } from './inflight-marker.js';
import { KeyFilterStore, type Clock, type KeyFilterConfig } from './key-filter-store.js';
import { KeyIndexStore, type IndexedFile, type KeyIndexConfig } from './key-index-store.js';
import { openDeleteScope, type DeleteScope } from './delete-scope.js';
import { Partitioner, type PartitionOf } from './partitioner.js';
import { PendingKeys } from './pending-keys.js';
import { rowCoercer } from './row-coercer.js';
import { currentWatermark, findResumeState, SUMMARY, type ResumeState } from './resume-state.js';
import { EventRejectedError } from './event-rejected-error.js';

export type WriteMode = 'append' | 'upsert';
/** What an append table does with updates and deletes (never silently lost). */
export type ChangelogMode = 'error' | 'drop-update-before' | 'append-all';

export interface TableWriterOptions {
  readonly pipelineId: string;
  readonly mode: WriteMode;
  readonly changelogMode?: ChangelogMode;
  /** Key filter settings, or false to write an equality delete for every upserted key. */
  readonly keyFilter?: KeyFilterConfig | false;
  /**
   * Primary-key index settings (upsert tables; off when absent or false). With the index, a
   * key's old row is removed by a position delete where it lives and the key filter is not
   * used: the index is exact. It assumes this writer is the only one upserting the table.
   */
  readonly keyIndex?: KeyIndexConfig | false;
  readonly log?: Logger;
  /** Milliseconds since the epoch, for the key filter's checkpoint interval (tests inject a fake). */
  readonly clock?: Clock;
}

export interface CommitInfo {
  readonly position: SourcePosition;
  readonly phase: Phase;
  readonly watermarkMs?: number;
  /** Commit even with no rows (position or watermark moved on). */
  readonly force?: boolean;
  readonly summary?: Readonly<Record<string, string>>;
  /**
   * A clean stop: checkpoint the key filter now if it changed since its last checkpoint, so
   * that the next start loads it instead of re-reading data files (commits even with no rows).
   */
  readonly finalCheckpoint?: boolean;
}

export interface CommitStats {
  readonly snapshot: Snapshot;
  readonly dataFiles: number;
  readonly deleteFiles: number;
  readonly rows: number;
  readonly equalityDeletes: number;
  readonly positionDeletes: number;
  readonly skippedDeletes: number;
}

const DEFAULT_TARGET_FILE_SIZE = 512 * 1024 * 1024;
/** Bound on row-group bytes buffered across all open files of one table (many partitions). */
const DEFAULT_MAX_BUFFERED_BYTES = 256 * 1024 * 1024;
const BUFFER_CHECK_ROWS = 4096;

/**
 * Turns change events into Iceberg commits for one table (DESIGN.md "Writing"). Events are
 * written to data files as they arrive (bounded memory); `commit()` closes the files, writes
 * the delete files and commits them as one snapshot carrying the source position.
 *
 * Upsert rules: a key written before this commit gets an equality delete unless the key
 * filter proves it was never written (equality deletes only reach rows of lower sequence
 * numbers, spec "Scan Planning"); a key written earlier in this same commit is removed with a
 * position delete on that row. An equality delete goes to the key's partition only when the
 * key alone decides it; otherwise it is global (delete-scope.ts): before-images are used for
 * their key only, since real streams send them key-only or default-filled.
 */
export class TableWriter {
  private readonly parquetOpts: ParquetWriteOptions;
  /**
   * Column-wise appends (a full load) encode their row groups on the encoder thread while this
   * thread takes the next rows: the load's throughput is this thread's, not the encoding's.
   */
  private readonly bulkParquetOpts: ParquetWriteOptions;
  private readonly targetFileSize: number;
  private readonly maxBufferedBytes: number;
  private readonly partitioner: Partitioner;
  private readonly keyColumns: readonly string[];
  private readonly keyIds: readonly number[];
  private state: CommitState;
  private readonly singleLongKey: boolean;
  private readonly coerce: ReturnType<typeof rowCoercer>;
  private watermark: number | undefined;
  private failed: Error | undefined;
  /** Present while this writer has files out that no commit references yet (orphan removal keeps them). */
  private marker: InflightMarker | undefined;
  /** Where this table's data is complete up to: the last commit's position and phase. */
  private committedAt: { position: SourcePosition; phase: Phase } | undefined;

  private constructor(
    readonly table: Table,
    private readonly o: TableWriterOptions,
    private readonly filter: KeyFilterStore | undefined,
    readonly resume: ResumeState | undefined,
    private readonly deleteScope: DeleteScope | undefined,
    private readonly index: KeyIndexStore | undefined,
  ) {
    const schema = table.schema();
    this.parquetOpts = parquetWriteOptionsFromProperties(table.metadata.properties);
    this.bulkParquetOpts = { ...this.parquetOpts, encodeInWorker: true };
    this.targetFileSize = Number(table.metadata.properties['write.target-file-size-bytes'] ?? DEFAULT_TARGET_FILE_SIZE);
    this.maxBufferedBytes = Number(table.metadata.properties['write.icetide.max-buffered-bytes'] ?? DEFAULT_MAX_BUFFERED_BYTES);
    this.partitioner = new Partitioner(table.spec(), schema);
    this.keyIds = schema.identifierFieldIds;
    this.keyColumns = schema.identifierFieldNames();
    this.watermark = currentWatermark(table.metadata);
    this.coerce = rowCoercer(schema);
    this.singleLongKey = isSingleLongKey(schema);
    this.state = new CommitState(this.singleLongKey);
    this.committedAt = resume && { position: resume.position, phase: resume.phase };
  }

  static async open(table: Table, o: TableWriterOptions): Promise<TableWriter> {
    const log = o.log ?? silentLogger;
    if (o.mode === 'upsert') {
      if (table.metadata.formatVersion < 2) throw new ValidationError(`table ${table.name} is format v1: upsert needs format v2 (equality deletes)`, { table: table.name });
      if (table.schema().identifierFieldIds.length === 0) {
        throw new ValidationError(`table ${table.name} has no identifier fields: upsert needs key columns (set key-columns, or use mode: append)`, { table: table.name });
      }
    }
    const schema = table.schema();
    const index =
      o.mode === 'upsert' && o.keyIndex !== false && o.keyIndex !== undefined
        ? await KeyIndexStore.open(table, isSingleLongKey(schema), o.keyIndex, log, o.clock)
        : undefined;
    const filter =
      o.mode === 'upsert' && !index && o.keyFilter !== false && o.keyFilter !== undefined
        ? await KeyFilterStore.open(table, schema.identifierFieldNames(), o.keyFilter, log, o.clock)
        : undefined;
    const partitioner = new Partitioner(table.spec(), schema);
    const scope = o.mode === 'upsert' ? await openDeleteScope(table, partitioner.sourceColumns, schema.identifierFieldNames()) : undefined;
    return new TableWriter(table, o, filter, findResumeState(table.metadata, o.pipelineId), scope, index);
  }

  get pendingRows(): number {
    return this.state.rows;
  }

  get keyFilter(): KeyFilterStore | undefined {
    return this.filter;
  }

  get keyIndex(): KeyIndexStore | undefined {
    return this.index;
  }

  /**
   * Applies events in order. An event this table cannot apply is an EventRejectedError: given
   * `onReject`, it is handed there and the rest are written; without, it is thrown. Any other
   * failure leaves the in-flight commit unusable: call abort().
   */
  async write(events: readonly ChangeEvent[], phase: Phase, onReject?: (r: EventRejection) => Promise<void>): Promise<void> {
    if (this.failed) throw this.failed;
    const append = this.o.mode === 'append' || phase === 'snapshot';
    try {
      if (this.index) await this.syncIndex();
      for (let i = 0; i < events.length; i++) {
        const ev = this.coerced(events[i]!);
        let flushing: Promise<unknown> | undefined;
        try {
          // Most rows only join a pending batch: no promise per row, await only a flush.
          flushing = append ? this.writeAppend(ev, phase) : this.writeUpsert(ev);
        } catch (err) {
          // Rejections are thrown before the event changed anything (checks come first).
          if (!(err instanceof EventRejectedError) || !onReject) throw err;
          await onReject(err.rejection);
          continue;
        }
        if (flushing !== undefined) await flushing;
      }
    } catch (err) {
      this.failed = err instanceof Error ? err : new Error(String(err));
      throw err;
    }
  }

  /**
   * Rows [start, end) of columnar inserts, the same as their insert events: written
   * column-wise when they are appends (append mode, or any table's snapshot phase), as events
   * otherwise (upserts need each row's key and location).
   */
  async writeInserts(ins: InsertColumns, start: number, end: number, phase: Phase): Promise<void> {
    if (this.failed) throw this.failed;
    if (this.o.mode !== 'append' && phase !== 'snapshot') return this.write(insertEvents(ins, start, end), phase);
    try {
      if (this.index) await this.syncIndex();
      const v = coerceColumns(this.table.schema(), ins);
      const tracksKeys = this.o.mode === 'upsert' && (this.filter !== undefined || this.index !== undefined);
      if (tracksKeys) {
        const keys = this.keyColumns.map((k) => v.columns[k]);
        for (let k = 0; k < keys.length; k++) {
          const col = keys[k];
          const nulls = v.nulls?.[this.keyColumns[k]!];
          for (let i = start; i < end; i++) {
            if (col === undefined || nulls?.[i] || (!(col instanceof PackedBytes) && (col[i] === null || col[i] === undefined))) {
              throw this.eventError({ table: ins.table, op: 'insert', after: rowAt(v, i), position: ins.positionOf(i), sourceTsMs: ins.sourceTsMs, origin: ins.origin }, `key column ${this.keyColumns[k]} is missing or null`);
            }
          }
        }
        if (this.filter) this.state.newKeys.pushColumns(keys as ColumnArray[], start, end);
      }
      for (const { partition, rows } of this.partitionRows(v, start, end)) {
        const part = rows ? gatherRows(v, rows) : v;
        const [from, to] = rows ? [0, rows.length] : [start, end];
        let a = this.state.appenders.get(partition.key);
        if (!a) {
          await this.markInflight();
          const appender = new FileAppender(this.table.io, this.table.schema(), (f) => this.table.ops.newDataLocation(f, partition.path || undefined), this.bulkParquetOpts, this.targetFileSize);
          this.state.appenders.set(partition.key, (a = { appender, partition }));
        }
        const index = tracksKeys ? this.index : undefined;
        const placed = index && ((path: string, firstPos: bigint, i: number, j: number) => index.putColumns(this.keyColumns.map((k) => part.columns[k]!), i, j, path, partition, Number(firstPos)));
        try {
          await a.appender.addColumns(part, from, to, placed || undefined);
        } catch (err) {
          throw IcetideError.wrap(err, `${ins.origin}: writing rows of ${ins.table} to ${this.table.name}`, { origin: ins.origin });
        }
        this.state.rows += to - from;
      }
      if (this.state.appenders.size > 1) await this.boundBufferedBytes();
    } catch (err) {
      this.failed = err instanceof Error ? err : new Error(String(err));
      throw err;
    }
  }

  /** Rows [start, end) by partition: one group without `rows` when they all share one. */
  private partitionRows(v: ColumnValues, start: number, end: number): { partition: PartitionOf; rows?: Int32Array }[] {
    if (this.partitioner.sourceColumns.length === 0) return [{ partition: this.partitioner.partition({}) }];
    const sources = this.partitioner.sourceColumns;
    const groups = new Map<string, { partition: PartitionOf; rows: number[] }>();
    const row: Record<string, unknown> = {};
    for (let i = start; i < end; i++) {
      for (const c of sources) {
        const col = v.columns[c];
        row[c] = col === undefined || v.nulls?.[c]?.[i] ? null : valueAt(col, i) ?? null;
      }
      const p = this.partitioner.partition(row);
      let g = groups.get(p.key);
      if (!g) groups.set(p.key, (g = { partition: p, rows: [] }));
      g.rows.push(i);
    }
    if (groups.size === 1) return [{ partition: [...groups.values()][0]!.partition }];
    return [...groups.values()].map((g) => ({ partition: g.partition, rows: Int32Array.from(g.rows) }));
  }

  /** The event with its rows coerced; the event itself (no copy) when nothing changed. */
  private coerced(raw: ChangeEvent): ChangeEvent {
    const before = raw.before && this.coerce(raw.before);
    const after = raw.after && this.coerce(raw.after);
    if (before === raw.before && after === raw.after) return raw;
    return { ...raw, ...(before ? { before } : {}), ...(after ? { after } : {}) };
  }

  /** Returns a promise only when the row made a flush (or a new file) necessary. */
  private writeAppend(ev: ChangeEvent, phase: Phase): Promise<unknown> | undefined {
    const mode = this.o.changelogMode ?? 'error';
    let row: RowValues | undefined;
    if (ev.op === 'insert') row = ev.after;
    else if (phase === 'snapshot') throw this.eventError(ev, `${ev.op} event during the snapshot phase (only inserts are expected)`);
    else if (mode === 'append-all') row = ev.op === 'update' ? ev.after : ev.before;
    else if (mode === 'drop-update-before' && ev.op === 'update') row = ev.after;
    else {
      throw this.eventError(ev, `${ev.op} event for append table ${this.table.name} (changelog-mode: ${mode}); use mode: upsert, or changelog-mode: ${ev.op === 'update' ? 'drop-update-before or ' : ''}append-all`);
    }
    if (!row) throw this.rejection(ev, `${ev.op} event has no ${ev.op === 'delete' ? 'before' : 'after'} image`);
    if (this.o.mode !== 'upsert' || (!this.filter && !this.index)) {
      const loc = this.appendRow(row, ev);
      return loc instanceof Promise ? loc : undefined;
    }
    const key = this.keyOf(row, ev);
    if (this.filter) this.state.newKeys.push(key);
    const partition = this.partitioner.partition(row);
    const loc = this.appendRow(row, ev, partition);
    if (!this.index) return loc instanceof Promise ? loc : undefined;
    return this.placeKey(key, partition, loc);
  }

  private writeUpsert(ev: ChangeEvent): Promise<unknown> | undefined {
    if (ev.op === 'delete') {
      const before = ev.before ?? this.reject(ev, `delete event has no before image: ${KEYS_IN_BEFORE_IMAGES}`);
      const key = this.keyOf(before, ev, 'before');
      if (this.index) this.dropIndexed(key, true);
      else this.deleteKey(key, equalityKey(key));
      return undefined;
    }
    if (this.index) return this.upsertIndexed(ev);
    const after = ev.after ?? this.reject(ev, `${ev.op} event has no after image`);
    const key = this.keyOf(after, ev, 'after');
    const ks = equalityKey(key);
    if (ev.before) {
      // A primary-key change is a delete of the old key plus an insert of the new one. Only
      // the before-image's key is read: its other columns may be defaults.
      const beforeKey = this.keyOf(ev.before, ev, 'before');
      // Most updates keep their key: equal primitives (bigint, number, string) need no
      // equalityKey string; anything else (bytes) compares by it.
      const beforeKs = samePrimitives(beforeKey, key) ? ks : equalityKey(beforeKey);
      if (beforeKs !== ks) this.deleteKey(beforeKey, beforeKs);
    }
    this.deleteKey(key, ks);
    if (this.filter) this.state.newKeys.push(key);
    const afterPartition = this.partitioner.partition(after);
    const loc = this.appendRow(after, ev, afterPartition);
    if (loc instanceof Promise) return loc.then((l) => this.state.written.set(ks, { path: l.path, pos: l.pos, partition: afterPartition }));
    this.state.written.set(ks, { path: loc.path, pos: loc.pos, partition: afterPartition });
    return undefined;
  }

  /** The index as of the table's current snapshot: rebuilt after a failure, other commits (compaction) replayed. */
  private async syncIndex(): Promise<void> {
    const index = this.index!;
    if (!index.isValid) await index.ensureValid();
    else if (index.behind) await index.catchUp();
  }

  /** An insert or update with the key index: the old row (if any) goes by position, the new one is indexed. */
  private upsertIndexed(ev: ChangeEvent): Promise<unknown> | undefined {
    const after = ev.after ?? this.reject(ev, `${ev.op} event has no after image`);
    const key = this.keyOf(after, ev, 'after');
    if (ev.before) {
      // Only the before-image's key is read: its other columns may be defaults.
      const beforeKey = this.keyOf(ev.before, ev, 'before');
      if (!samePrimitives(beforeKey, key) && equalityKey(beforeKey) !== equalityKey(key)) this.dropIndexed(beforeKey, true);
    }
    this.dropIndexed(key, false); // the put below replaces the entry
    const partition = this.partitioner.partition(after);
    return this.placeKey(key, partition, this.appendRow(after, ev, partition));
  }

  /** Indexes a key at its new row once the row has a location. */
  private placeKey(key: readonly unknown[], partition: PartitionOf, loc: RowLocation | Promise<RowLocation>): Promise<unknown> | undefined {
    const index = this.index!;
    if (loc instanceof Promise) return loc.then((l) => index.put(key, l.path, partition, l.pos));
    index.put(key, loc.path, partition, loc.pos);
    return undefined;
  }

  /**
   * Removes the live row of `key` that the index knows: by position in its file (this
   * commit's or a committed one), or by an equality delete when a rewrite moved the row
   * somewhere the index has not learnt. A key the index does not hold has no row.
   */
  private dropIndexed(key: readonly unknown[], removeEntry: boolean): void {
    const hit = this.index!.find(key);
    if (!hit) {
      this.state.skippedDeletes++;
      return;
    }
    if (removeEntry) this.index!.remove(key);
    if (hit.file.dataSeq === undefined) this.state.deletes.addPositionDelete({ path: hit.file.path, pos: hit.pos, partition: hit.file.partition });
    else this.state.indexedDeletes.push({ file: hit.file, pos: hit.pos, key });
  }

  /** The equality delete of `key`, in the partition that reaches every row it may have (delete-scope.ts). */
  private addEqualityDelete(set: DeleteSet, key: readonly unknown[], ks: string): void {
    const keyRow: Record<string, unknown> = {};
    for (let i = 0; i < this.keyColumns.length; i++) keyRow[this.keyColumns[i]!] = key[i];
    const scope = this.deleteScope;
    set.addEqualityDelete(scope?.kind === 'global' ? scope.partition : this.partitioner.partition(keyRow), ks, keyRow);
  }

  /**
   * Removes the current row of a key (`ks`: its equalityKey): a position delete if this
   * commit wrote it, and an equality delete, reaching every partition that may hold the key
   * (delete-scope.ts), if an older commit may have.
   */
  private deleteKey(key: readonly unknown[], ks: string): void {
    const prev = this.state.written.get(ks);
    if (prev) {
      this.state.deletes.addPositionDelete(prev);
      this.state.written.delete(ks);
    }
    if (this.filter && !this.filter.mightContain(key)) {
      this.state.skippedDeletes++;
      return;
    }
    this.addEqualityDelete(this.state.deletes, key, ks);
  }

  /**
   * Appends a row to its partition's file: its location at once, or a promise of it when the
   * row opened a file or filled the pending batch (the only steps that wait).
   */
  private appendRow(row: RowValues, ev: ChangeEvent, partition = this.partitioner.partition(row)): RowLocation | Promise<RowLocation> {
    const a = this.state.appenders.get(partition.key);
    if (!a) return this.appendToNewFile(row, ev, partition);
    this.state.rows++;
    const loc = a.appender.add(row as Row);
    if (a.appender.full || (this.state.rows % BUFFER_CHECK_ROWS === 0 && this.state.appenders.size > 1)) return this.afterAppend(a.appender, loc, ev);
    return loc;
  }

  private async appendToNewFile(row: RowValues, ev: ChangeEvent, partition: PartitionOf): Promise<RowLocation> {
    await this.markInflight();
    const appender = new FileAppender(this.table.io, this.table.schema(), (f) => this.table.ops.newDataLocation(f, partition.path || undefined), this.parquetOpts, this.targetFileSize);
    this.state.appenders.set(partition.key, { appender, partition });
    this.state.rows++;
    return this.afterAppend(appender, appender.add(row as Row), ev);
  }

  private async afterAppend(appender: FileAppender, loc: RowLocation, ev: ChangeEvent): Promise<RowLocation> {
    try {
      if (appender.full) await appender.flush();
      if (this.state.rows % BUFFER_CHECK_ROWS === 0 && this.state.appenders.size > 1) await this.boundBufferedBytes();
      return loc;
    } catch (err) {
      throw IcetideError.wrap(err, `${ev.origin ?? 'event'}: writing a row of ${ev.table} to ${this.table.name}`, { origin: ev.origin });
    }
  }

  /** Flushes the largest buffers until the table's open files hold at most maxBufferedBytes. */
  private async boundBufferedBytes(): Promise<void> {
    const appenders = [...this.state.appenders.values()].map((x) => x.appender);
    let total = appenders.reduce((n, x) => n + x.bufferedBytes, 0);
    appenders.sort((x, y) => y.bufferedBytes - x.bufferedBytes);
    for (const x of appenders) {
      if (total <= this.maxBufferedBytes) break;
      total -= x.bufferedBytes;
      await x.flushBuffered();
    }
  }

  /** The key of a row image; a missing key part rejects the event (it names the image). */
  private keyOf(row: RowValues, ev: ChangeEvent, image?: 'before' | 'after'): unknown[] {
    const key = new Array<unknown>(this.keyColumns.length);
    for (let i = 0; i < key.length; i++) {
      const c = this.keyColumns[i]!;
      const v = row[c];
      if (v === null || v === undefined) {
        throw this.rejection(ev, image === 'before'
          ? `key column ${c} is missing or null in the before-image: ${KEYS_IN_BEFORE_IMAGES}`
          : `key column ${c} is missing or null${image ? ` in the ${image}-image` : ''}`);
      }
      key[i] = v;
    }
    return key;
  }

  private eventMessage(ev: ChangeEvent, msg: string): string {
    return `${ev.origin ?? `position ${stringifyJson(ev.position)}`}: ${ev.table}: ${msg}`;
  }

  private eventError(ev: ChangeEvent, msg: string): ValidationError {
    return new ValidationError(this.eventMessage(ev, msg), { table: ev.table, origin: ev.origin });
  }

  /** This one event cannot be applied; the rest of the stream can (see EventRejectedError). */
  private rejection(ev: ChangeEvent, msg: string): EventRejectedError {
    return new EventRejectedError(ev, this.table.name, this.eventMessage(ev, msg));
  }

  private reject(ev: ChangeEvent, msg: string): never {
    throw this.rejection(ev, msg);
  }

  /**
   * Commits everything written since the last commit as one snapshot (a row delta when
   * there are deletes), with the pipeline id, source position, phase and watermark in its
   * summary. Returns undefined when there was nothing to commit and `force` is not set.
   */
  async commit(info: CommitInfo): Promise<CommitStats | undefined> {
    if (this.failed) throw this.failed;
    const st = this.state;
    const hasWork = st.hasChanges || (info.finalCheckpoint === true && this.checkpointPending);
    if (!hasWork && !info.force) return undefined;
    const schema = this.table.schema();
    const specId = this.table.spec().specId;
    const dataFiles: DataFile[] = [];
    let deletes: Deletes = { files: [], equalityDeletes: 0, positionDeletes: 0, referenced: [] };
    let indexCheckpoint: string | undefined;
    await this.markInflight(); // delete files and the key-filter checkpoint are written below
    try {
      for (const { appender, partition } of st.appenders.values()) {
        for (const f of await appender.close()) {
          dataFiles.push(dataFileFromMetrics({ content: 'data', location: f.location, metrics: f.metrics, specId, partition: partition.values, schema }));
        }
      }
      if (this.filter) st.newKeys.addTo(this.filter);
      // Rows this commit deletes by position may have been moved since by a commit the table
      // has seen (a refresh): the index learns it, and those deletes become equality deletes.
      if (this.index?.behind) await this.index.catchUp();
      const checkpoint = await this.filter?.maybeCheckpoint(info.finalCheckpoint);
      if (info.watermarkMs !== undefined) this.watermark = Math.max(this.watermark ?? info.watermarkMs, info.watermarkMs);
      let snapshot: Snapshot | undefined;
      // A position delete on a committed file conflicts with a rewrite (compaction) that
      // removed the file meanwhile: the index then learns the rewrite and the deletes of
      // rows it moved become equality deletes (attempts bound the loop; each sees a newer table).
      for (let attempt = 0; snapshot === undefined; attempt++) {
        deletes = await this.writeDeletes(st);
        if (this.index && (attempt > 0 || this.index.checkpointDue(info.finalCheckpoint))) indexCheckpoint = await this.index.checkpoint();
        const op = deletes.files.length > 0 ? this.table.newRowDelta() : this.table.newAppend();
        if (op instanceof RowDelta) {
          for (const f of dataFiles) op.addRows(f);
          for (const f of deletes.files) op.addDeletes(f);
          op.validateDataFilesExist(deletes.referenced);
        } else for (const f of dataFiles) op.appendFile(f);
        op.set(SUMMARY.pipelineId, this.o.pipelineId).set(SUMMARY.position, stringifyJson(info.position)).set(SUMMARY.phase, info.phase);
        if (this.watermark !== undefined) op.set(SUMMARY.watermark, String(this.watermark));
        if (checkpoint) op.set(SUMMARY.keyFilter, checkpoint);
        if (indexCheckpoint) op.set(SUMMARY.keyIndex, indexCheckpoint);
        for (const [k, v] of Object.entries(info.summary ?? {})) op.set(k, v);
        try {
          ({ snapshot } = await op.commit());
        } catch (err) {
          if (!this.index || attempt >= MAX_REWRITE_RETRIES || !(err instanceof CommitConflictError) || err.context['rule'] !== 'assertReferencedDataFilesLive') throw err;
          await this.dropFiles([...deletes.files.map((f) => f.filePath), ...(indexCheckpoint ? [indexCheckpoint] : [])]);
          indexCheckpoint = undefined;
          await this.table.refresh();
          await this.index.catchUp();
        }
      }
      this.filter?.drainSoon(); // this commit's keys, while the next rows are written
      const stats: CommitStats = {
        snapshot,
        dataFiles: dataFiles.length,
        deleteFiles: deletes.files.length,
        rows: st.rows,
        equalityDeletes: deletes.equalityDeletes,
        positionDeletes: deletes.positionDeletes,
        skippedDeletes: st.skippedDeletes,
      };
      this.state = new CommitState(this.singleLongKey);
      await this.followCommit(snapshot);
      this.committedAt = { position: info.position, phase: info.phase };
      await this.clearInflight();
      return stats;
    } catch (err) {
      if (err instanceof CommitStateUnknownError) {
        await this.keepFilesAndFail(err);
        throw err;
      }
      await this.dropFiles([...dataFiles, ...deletes.files].map((f) => f.filePath).concat(indexCheckpoint ? [indexCheckpoint] : []));
      await this.abort();
      throw err;
    }
  }

  /**
   * This commit's delete files. Indexed rows of committed files are deleted by position while
   * their file is live; a row whose file a rewrite removed goes by an equality delete.
   */
  private async writeDeletes(st: CommitState): Promise<Deletes> {
    let set = st.deletes;
    const referenced = new Set<string>();
    if (st.indexedDeletes.length > 0) {
      set = st.deletes.copy(); // a retry resolves them again, against a newer table
      for (const d of st.indexedDeletes) {
        if (d.file.gone) this.addEqualityDelete(set, d.key, equalityKey(d.key));
        else {
          set.addPositionDelete({ path: d.file.path, pos: d.pos, partition: d.file.partition });
          referenced.add(d.file.path);
        }
      }
    }
    const target = { io: this.table.io, opts: this.parquetOpts, newLocation: (f: string, p: string) => this.table.ops.newDataLocation(f, p || undefined) };
    const files = await writeEqualityDeletes(target, this.table.schema(), this.keyIds, [...set.eq.values()].map((e) => ({ specId: e.partition.specId, values: e.partition.values, path: e.partition.path, rows: e.rows.values() })));
    files.push(...(await writePositionDeletes(target, [...set.pos.values()].map((p) => ({ specId: p.partition.specId, values: p.partition.values, path: p.partition.path, deletes: p.deletes })))));
    return {
      files,
      referenced: [...referenced],
      equalityDeletes: [...set.eq.values()].reduce((n, e) => n + e.rows.size, 0),
      positionDeletes: [...set.pos.values()].reduce((n, p) => n + p.deletes.length, 0),
    };
  }

  /** The index takes the commit (its files now have a sequence number); one it cannot follow is rebuilt on the next write. */
  private async followCommit(snapshot: Snapshot): Promise<void> {
    if (!this.index) return;
    try {
      await this.index.committed(snapshot);
    } catch (err) {
      this.o.log?.warn('key index cannot follow the table; it is rebuilt before the next write', { table: this.table.name, error: (err as Error).message });
      this.index.invalidate();
    }
  }

  private async dropFiles(paths: readonly string[]): Promise<void> {
    await Promise.all(paths.map((p) => this.table.io.delete(p).catch(() => undefined)));
  }

  /**
   * On a clean stop, after the last commit: a metadata-only commit at the position already
   * committed, carrying a key-filter or key-index checkpoint, when either changed since its last one.
   * Nothing when there is no filter, nothing changed, or nothing was ever committed.
   */
  async checkpointOnStop(): Promise<CommitStats | undefined> {
    if (!this.committedAt || !this.checkpointPending) return undefined;
    if (this.state.hasChanges) throw new ValidationError(`${this.table.name}: checkpointOnStop with uncommitted changes: commit them first`, { table: this.table.name });
    return this.commit({ ...this.committedAt, finalCheckpoint: true });
  }

  /** The key filter or the key index changed since its last checkpoint. */
  private get checkpointPending(): boolean {
    return this.filter?.changedSinceCheckpoint === true || this.index?.changedSinceCheckpoint === true;
  }

  /** Drops the in-flight commit: every file it wrote is deleted. */
  async abort(): Promise<void> {
    const st = this.state;
    this.state = new CommitState(this.singleLongKey);
    // The index already holds this commit's rows and removals.
    if (st.hasChanges) this.index?.invalidate();
    this.failed = undefined;
    await Promise.all([...st.appenders.values()].map((a) => a.appender.abort()));
    await this.clearInflight();
  }

  /**
   * The commit may have landed: its files stay, the in-flight state is dropped, and the writer
   * refuses further writes (a restart resumes from the position the table really holds).
   */
  private async keepFilesAndFail(err: CommitStateUnknownError): Promise<void> {
    const st = this.state;
    this.state = new CommitState(this.singleLongKey);
    if (st.hasChanges) this.index?.invalidate();
    this.failed = err;
    await this.clearInflight();
  }

  private async markInflight(): Promise<void> {
    this.marker ??= await InflightMarker.start(this.table.io, (f) => this.table.ops.newMetadataLocation(f), { pipelineId: this.o.pipelineId });
  }

  private async clearInflight(): Promise<void> {
    const m = this.marker;
    this.marker = undefined;
    await m?.stop();
  }
}

/** Rounds of "a rewrite removed a file this commit deletes from": re-planned against the newer table. */
const MAX_REWRITE_RETRIES = 3;

interface Deletes {
  readonly files: DataFile[];
  /** Committed data files the position deletes name (must still be live at commit). */
  readonly referenced: readonly string[];
  readonly equalityDeletes: number;
  readonly positionDeletes: number;
}

function isSingleLongKey(schema: Schema): boolean {
  const ids = schema.identifierFieldIds;
  return ids.length === 1 && schema.findField(ids[0]!)?.type.kind === 'long';
}

/** What makes a source send usable before-images (deletes and key changes need the old key). */
const KEYS_IN_BEFORE_IMAGES = 'the source must send at least the key columns in before-images (Postgres: REPLICA IDENTITY FULL, or DEFAULT on a table with a primary key; MySQL: binlog_row_image=FULL)';

/** Element-wise === of two keys whose parts are all non-object values (=== is value equality for them). */
function samePrimitives(a: readonly unknown[], b: readonly unknown[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (x !== b[i] || typeof x === 'object') return false;
  }
  return true;
}

/** Everything one in-flight commit has accumulated. */
class CommitState {
  readonly appenders = new Map<string, { appender: FileAppender; partition: PartitionOf }>();
  /** Latest location of each key written in this commit. */
  readonly written = new Map<string, RowLocation & { partition: PartitionOf }>();
  readonly deletes = new DeleteSet();
  /** Indexed rows of committed files this commit deletes. */
  readonly indexedDeletes: { file: IndexedFile; pos: bigint; key: readonly unknown[] }[] = [];
  readonly newKeys: PendingKeys;
  rows = 0;
  skippedDeletes = 0;

  constructor(singleLongKey: boolean) {
    this.newKeys = new PendingKeys(singleLongKey);
  }

  get hasChanges(): boolean {
    return this.rows > 0 || !this.deletes.empty || this.indexedDeletes.length > 0;
  }
}

/** Equality and position deletes by partition key. */
class DeleteSet {
  readonly eq = new Map<string, { partition: PartitionOf; rows: Map<string, RowValues> }>();
  readonly pos = new Map<string, { partition: PartitionOf; deletes: { file_path: string; pos: bigint }[] }>();

  get empty(): boolean {
    return this.eq.size === 0 && this.pos.size === 0;
  }

  copy(): DeleteSet {
    const c = new DeleteSet();
    for (const [k, e] of this.eq) c.eq.set(k, { partition: e.partition, rows: new Map(e.rows) });
    for (const [k, p] of this.pos) c.pos.set(k, { partition: p.partition, deletes: [...p.deletes] });
    return c;
  }

  addEqualityDelete(partition: PartitionOf, ks: string, keyRow: RowValues): void {
    let e = this.eq.get(partition.key);
    if (!e) this.eq.set(partition.key, (e = { partition, rows: new Map() }));
    e.rows.set(ks, keyRow);
  }

  addPositionDelete(loc: RowLocation & { partition: PartitionOf }): void {
    let p = this.pos.get(loc.partition.key);
    if (!p) this.pos.set(loc.partition.key, (p = { partition: loc.partition, deletes: [] }));
    p.deletes.push({ file_path: loc.path, pos: loc.pos });
  }
}
