import type { IcebergType } from '../iceberg/spec/types.js';
import type { ChangeBatch, EventRejection, SourcePosition } from '../sink/change-event.js';

/** A column of a source table, already mapped to an Iceberg type by the connector. */
export interface SourceColumn {
  readonly name: string;
  readonly type: IcebergType;
  readonly nullable: boolean;
  readonly doc?: string;
}

/** What a connector knows about one source table: enough to create the Iceberg table. */
export interface SourceTable {
  /** `db.table` as the source names it. */
  readonly name: string;
  readonly columns: readonly SourceColumn[];
  /** Primary key columns in key order (empty: no key, append mode only). */
  readonly primaryKey: readonly string[];
}

export interface ReadOptions {
  readonly signal: AbortSignal;
  readonly untilDrained: boolean;
  /**
   * What the sink already holds of one source table (`db.table`): the positions committed by
   * each table it feeds (a mirror, a changelog table), `undefined` for one that never
   * committed. `from` is the lowest over all tables; a source may use these to skip
   * re-reading what every table already has, and to know which snapshot read views the
   * committed rows came from.
   */
  readonly committedFor?: (sourceTable: string) => readonly (SourcePosition | undefined)[];
}

/**
 * A source of change events (DESIGN.md "The change-event contract"). It is asked to rewind
 * only through a committed position: `read(from)` streams everything strictly after `from`.
 */
export interface Source {
  readonly name: string;
  /** The source tables this pipeline reads, with schemas. */
  discover(): Promise<SourceTable[]>;
  /**
   * Batches after `from` (undefined: from the configured start). Each batch ends on a
   * source transaction boundary. Ends when the source is drained if `untilDrained`,
   * otherwise runs until `signal` aborts.
   */
  read(from: SourcePosition | undefined, opts: ReadOptions): AsyncIterable<ChangeBatch>;
  /**
   * Where events the sink rejects go (the source's dead-letter output), durably before it
   * returns: the commit past the event may follow at once. Unset: a rejection stops the
   * pipeline with its error.
   */
  readonly rejected?: (rejection: EventRejection) => Promise<void>;
  /**
   * Called after a pipeline commit landed at `position` (every table is at or past it, or
   * has nothing before it): a source may acknowledge it upstream (Kafka group offsets, for
   * lag monitoring). Best effort: resuming never depends on it.
   */
  committed?(position: SourcePosition): Promise<void>;
  /** Total order of this source's positions (negative, zero, positive). */
  comparePositions(a: SourcePosition, b: SourcePosition): number;
  close(): Promise<void>;
}
