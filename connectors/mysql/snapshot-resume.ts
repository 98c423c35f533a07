/**
 * Where a restarted full load picks a table up, from the positions its target tables committed.
 *
 * The pipeline restarts the source at the lowest position over all targets; a later table's
 * targets may hold more of it. Per source table: read from the lowest of its targets' positions
 * (rows every target has are not read again), keep the read views its committed rows came from,
 * and open a new view segment only where every target stands at the same row — otherwise a
 * target would be told that changes its old rows lack are already in them. Without a new
 * segment the replay falls back to the older views: it repeats more, never loses a change.
 */
import { compareBinlog, compareKeys, type KeyPart, type MySqlPosition, type SnapshotPosition } from './position.js';
import { withView, type SnapshotView } from './snapshot-views.js';

type Standing = { readonly at: 'before' } | { readonly at: 'inside'; readonly key: readonly KeyPart[]; readonly row: number } | { readonly at: 'past' };

export interface TableResume {
  /** Every target has the whole table: do not read it. */
  readonly skip: boolean;
  /** Read after this key (keyed tables) or skip this many rows (keyless). */
  readonly after?: readonly KeyPart[];
  readonly skipRows?: number;
  /** The views of this table's committed rows, merged into `views`. */
  readonly views: readonly SnapshotView[];
  /** The new read view's segment start (`after`), or null when no new segment may be recorded. */
  readonly segment: { readonly after?: readonly KeyPart[] } | null;
}

function standing(p: MySqlPosition | undefined, table: number, anchor: SnapshotPosition['snapshot']): Standing {
  if (!p) return { at: 'before' };
  if (p.kind === 'binlog') return { at: 'past' };
  if (compareBinlog(p.at.snapshot, anchor) !== 0 || p.at.table < table) return { at: 'before' };
  if (p.at.table > table) return { at: 'past' };
  return { at: 'inside', key: p.at.key, row: p.at.row ?? 0 };
}

const RANK = { before: 0, inside: 1, past: 2 } as const;

function compareStanding(a: Standing, b: Standing): number {
  if (a.at !== b.at) return RANK[a.at] - RANK[b.at];
  if (a.at !== 'inside' || b.at !== 'inside') return 0;
  return compareKeys(a.key, b.key) || a.row - b.row;
}

/**
 * Plans table `table` of a restarted full load anchored at `anchor`. `committed`: the positions
 * of the table's targets (undefined: a target that never committed).
 */
export function resumeTable(table: number, anchor: SnapshotPosition['snapshot'], committed: readonly (MySqlPosition | undefined)[], views: readonly SnapshotView[]): TableResume & { readonly merged: readonly SnapshotView[] } {
  let merged = views;
  for (const p of committed) {
    const vs = p === undefined ? undefined : p.kind === 'binlog' ? p.views : p.at.views;
    for (const v of vs ?? []) if (v.table === table) merged = withView(merged, v);
  }
  const own = merged.filter((v) => v.table === table);
  const ss = committed.map((p) => standing(p, table, anchor));
  if (ss.length === 0) ss.push({ at: 'before' });
  const lo = ss.reduce((a, b) => (compareStanding(b, a) < 0 ? b : a));
  const hi = ss.reduce((a, b) => (compareStanding(b, a) > 0 ? b : a));
  const base = { views: own, merged };
  if (lo.at === 'past') return { ...base, skip: true, segment: null };
  const start = lo.at === 'inside' ? { ...(lo.key.length > 0 ? { after: lo.key } : { skipRows: lo.row }) } : {};
  let segment: TableResume['segment'] = null;
  // A keyless table's segment is named by the ordinal it starts at: every restart inside its
  // scan is a segment of its own (withView keeps one view per `after`), so rows inserted
  // between two restarts, read by the later scan, are skipped by the replay.
  if (compareStanding(lo, hi) === 0) segment = lo.at === 'before' ? {} : { after: lo.key.length > 0 ? lo.key : [BigInt(lo.row)] };
  return { ...base, ...start, skip: false, segment };
}
