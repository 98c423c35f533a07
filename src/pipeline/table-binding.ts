import type { ChangeEvent, SourcePosition } from '../sink/change-event.js';
import type { TableWriter } from '../sink/table-writer.js';
import type { SourceTable } from './source.js';

/** A binding's target writers. */
export interface BindingWriters {
  readonly mirror: TableWriter;
  readonly changelog?: TableWriter;
}

/** How events of one source table reach its targets. */
export interface TableBinding {
  /** Matches the source table name (`db.table`). */
  readonly matches: (sourceTable: string) => boolean;
  readonly mirror: TableWriter;
  /** Optional append table of every change (`changelog-table`). */
  readonly changelog?: TableWriter;
  /** Extra columns whose values follow from the source table (merged shards: its db and table). */
  readonly constants?: (sourceTable: string) => Readonly<Record<string, unknown>>;
  /**
   * Evolves the targets to the source table's new columns and opens fresh writers on them.
   * Called between commits only (nothing pending).
   */
  readonly evolve?: (table: SourceTable) => Promise<BindingWriters>;
  /**
   * Empties the mirror after the source table was truncated and opens fresh writers on it;
   * undefined when the mirror keeps its rows (append tables). Between commits only.
   */
  readonly truncate?: () => Promise<BindingWriters | undefined>;
}

/** The event with constant columns added to its row images. */
export function withConstants(ev: ChangeEvent, constants: Readonly<Record<string, unknown>>): ChangeEvent {
  const add = (r: ChangeEvent['after']) => (r ? { ...r, ...constants } : r);
  return { ...ev, ...(ev.before ? { before: add(ev.before)! } : {}), ...(ev.after ? { after: add(ev.after)! } : {}) };
}

/** Columns of a changelog table, ahead of the row's own columns. */
export const CHANGELOG_COLUMNS = { op: '_op', sourceTs: '_source_ts', position: '_source_position' } as const;

/**
 * A change as a row of the changelog table: `_op` (insert/update/delete), `_source_ts`
 * (micros), `_source_position` (JSON), then the row — the after-image, or the before-image
 * for deletes.
 */
export function changelogEvent(ev: ChangeEvent, positionText: string): ChangeEvent {
  const image = ev.op === 'delete' ? ev.before : ev.after;
  return {
    table: ev.table,
    op: 'insert',
    after: { ...(image ?? {}), [CHANGELOG_COLUMNS.op]: ev.op, [CHANGELOG_COLUMNS.sourceTs]: BigInt(ev.sourceTsMs) * 1000n, [CHANGELOG_COLUMNS.position]: positionText },
    position: ev.position,
    sourceTsMs: ev.sourceTsMs,
    ...(ev.origin ? { origin: ev.origin } : {}),
  };
}

export type { SourcePosition };
