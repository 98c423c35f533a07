import type { JsonValue } from '../iceberg/spec/lossless-json.js';
import type { ColumnArray } from '../parquet/packed-bytes.js';
import type { SourceTable } from '../pipeline/source.js';

/**
 * The connector -> sink contract (DESIGN.md "The change-event contract"). Row values are
 * already Iceberg values (src/iceberg/spec/values.ts) keyed by column name: each connector
 * maps its source types, so the sink never guesses.
 */
export type ChangeOp = 'insert' | 'update' | 'delete';

export type RowValues = Readonly<Record<string, unknown>>;

/**
 * Opaque to the sink, totally ordered per source, JSON-serialisable (binlog file+offset,
 * Kafka partition offsets, file+line). Stored verbatim in `icetide.source-position`.
 */
export type SourcePosition = JsonValue;

export interface ChangeEvent {
  /** Source table this event belongs to (`db.table`); the pipeline maps it to a target. */
  readonly table: string;
  readonly op: ChangeOp;
  /** Row before the change (updates, deletes); may be absent when the source has no before-image. */
  readonly before?: RowValues;
  /** Row after the change (inserts, updates). */
  readonly after?: RowValues;
  /** Position of this event; after it is committed, a restart resumes after it. */
  readonly position: SourcePosition;
  /** Source commit time of the change, ms since epoch (the watermark is built from these). */
  readonly sourceTsMs: number;
  /** Where the event came from, for error messages (`changes.jsonl:42`). */
  readonly origin?: string;
}

/**
 * One event a table writer could not apply (a delete whose before-image has no usable key, an
 * event without the image its op needs). The rest of the batch is unaffected: a source with
 * a dead-letter output records it and the pipeline goes on.
 */
export interface EventRejection {
  readonly event: ChangeEvent;
  /** What is wrong and what to do, with the event's origin. */
  readonly reason: string;
  /** The target table that refused it. */
  readonly target: string;
}

/**
 * Values of a run of rows by column: one array per column name (values.ts representations, or
 * typed arrays: Int32Array, BigInt64Array, Float32Array, Float64Array; strings and binaries
 * may be packed: PackedStrings, PackedBinary, read one value with valueAt), all `length`
 * long; `nulls[name][i] = 1` marks a null whatever the array holds there. A column left out
 * is null. The same shape as the Parquet writer's ColumnBatch, so rows can be written
 * column-wise.
 */
export interface ColumnValues {
  readonly length: number;
  readonly columns: Readonly<Record<string, ColumnArray>>;
  readonly nulls?: Readonly<Record<string, Uint8Array | undefined>>;
}

/**
 * Inserts of one source table in columnar form (what a full load hands over): the same as
 * `length` insert events, in position order, whose `after` row i holds each column's value i.
 * Sinks write them column-wise where they can; routing, skipping and error messages work as
 * for events.
 */
export interface InsertColumns extends ColumnValues {
  /** Source table (`db.table`). */
  readonly table: string;
  readonly sourceTsMs: number;
  /** Where the rows came from, for error messages. */
  readonly origin: string;
  /** Position of row i; increasing with i (the last is the batch's position). */
  positionOf(i: number): SourcePosition;
}

export type Phase = 'snapshot' | 'incremental';

/**
 * A batch: events up to a source transaction boundary. `position` is where everything up to
 * and including this batch is covered; `watermarkMs` is the source time up to which the
 * source is complete once this batch is committed (never ahead of the data).
 */
export interface ChangeBatch {
  readonly events: readonly ChangeEvent[];
  /** Inserts in columnar form, after `events` (a full load's page of rows). */
  readonly inserts?: InsertColumns;
  readonly position: SourcePosition;
  readonly phase: Phase;
  readonly watermarkMs?: number;
  /**
   * Source tables whose columns changed (DDL), with their new columns. The pipeline commits
   * what it holds, evolves the targets (spec "Schema Evolution"), then writes this batch's
   * events — so a row never arrives before the column it carries.
   */
  readonly schemaChanges?: readonly SourceTable[];
  /**
   * Source tables emptied at this position (TRUNCATE). Upsert targets are emptied after what
   * came before is committed; append targets keep their rows; changelog tables get a
   * `truncate` row.
   */
  readonly truncated?: readonly { readonly table: string; readonly sourceTsMs: number }[];
}
