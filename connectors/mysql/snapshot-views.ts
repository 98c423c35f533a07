/**
 * Which binlog changes a consistent snapshot already holds.
 *
 * Each table is read inside one `START TRANSACTION WITH CONSISTENT SNAPSHOT`; MariaDB reports
 * the binlog position that read view matches (`binlog_snapshot_file/position`, always a
 * transaction end). A table's rows therefore reflect every transaction ending at or before its
 * view V and none after, so the binlog replayed from P0 (<= every V) skips that table's changes
 * ending at or before V: append tables get no duplicates and the changelog no phantom changes.
 *
 * A restart inside a table reads the rest of it (keys after the committed row K) in a new
 * view V'; rows up to K still reflect V. So a table may have several segments, each "keys after
 * `after` were read at `at`", and a change is looked up by its key. Keys compare as positions
 * do (position.ts: integers numerically, text by code point).
 */
import { compareBinlog, compareKeys, type BinlogPosition, type KeyPart } from './position.js';

export interface SnapshotView {
  /** Source table index (discovery order), as in snapshot positions. */
  readonly table: number;
  /** Rows with a key after this one were read in this view; absent: from the first row. */
  readonly after?: readonly KeyPart[];
  /** The binlog position the view matches: changes ending at or before it are in the rows. */
  readonly at: BinlogPosition;
}

/**
 * Adds a table segment's view; a segment that has one already gets the new one. A segment is
 * recorded only where every target of the table stands at its start (snapshot-resume.ts), so
 * none of its rows read in the old view were committed: the rows from here on come from the
 * new view, and a change between the two views is in them (keeping the old view would replay
 * it: a duplicate in an append table).
 */
export function withView(views: readonly SnapshotView[], v: SnapshotView): readonly SnapshotView[] {
  const same = (a?: readonly KeyPart[], b?: readonly KeyPart[]): boolean => (a === undefined || b === undefined ? a === b : compareKeys(a, b) === 0);
  const i = views.findIndex((x) => x.table === v.table && same(x.after, v.after));
  if (i < 0) return [...views, v];
  if (compareBinlog(views[i]!.at, v.at) === 0) return views;
  return views.map((x, j) => (j === i ? v : x));
}

/**
 * The view of the segment holding `key` in `table`, or undefined when the table has none (not
 * read in a consistent view: every change is replayed). `key` is asked for only when the table
 * has several segments; without a key the earliest view is used (replays more, never less).
 */
export function viewOf(views: readonly SnapshotView[], table: number, key: () => readonly KeyPart[] | undefined): BinlogPosition | undefined {
  let found: SnapshotView | undefined;
  let segments = 0;
  for (const v of views) {
    if (v.table !== table) continue;
    segments++;
    if (!found || compareBinlog(v.at, found.at) < 0) found = v;
  }
  if (segments <= 1 || !found) return found?.at;
  const k = key();
  if (!k) return found.at;
  // The segment with the greatest `after` below the key.
  let best: SnapshotView | undefined;
  for (const v of views) {
    if (v.table !== table) continue;
    if (v.after !== undefined && compareKeys(v.after, k) >= 0) continue;
    if (!best || best.after === undefined || (v.after !== undefined && compareKeys(v.after, best.after) > 0)) best = v;
  }
  return (best ?? found).at;
}

/**
 * Whether a change of `table` in the transaction ending at `end` is already in the snapshot:
 * every row image's key lies in a segment read at or after `end`. A key-changing update across
 * segments of different views is replayed (an upsert table converges either way).
 */
export function alreadySnapshotted(views: readonly SnapshotView[], table: number, end: BinlogPosition, keys: readonly (() => readonly KeyPart[] | undefined)[]): boolean {
  if (views.length === 0) return false;
  for (const key of keys) {
    const at = viewOf(views, table, key);
    if (!at || compareBinlog(end, at) > 0) return false;
  }
  return keys.length > 0;
}

/**
 * The same for a table read without a key (one unchunked scan; a restart skips the rows
 * already handed over by ordinal, and its segment is `after: [ordinal]`). InnoDB scans such a
 * table in insertion order (its hidden row id), so rows inserted before a later segment's view
 * are in that segment's tail: an insert is skipped up to the latest view. An update or delete
 * may hit a row of any segment: skipped only up to the earliest (replays more, never less).
 */
export function keylessAlreadySnapshotted(views: readonly SnapshotView[], table: number, end: BinlogPosition, insert: boolean): boolean {
  let pick: BinlogPosition | undefined;
  for (const v of views) {
    if (v.table !== table) continue;
    if (!pick || (compareBinlog(v.at, pick) > 0) === insert) pick = v.at;
  }
  return pick !== undefined && compareBinlog(end, pick) <= 0;
}

/**
 * Views still able to skip a change after `position` (later changes end after it). A table's
 * segments go together: dropping a passed segment alone would hand its keys to a neighbour's
 * later view.
 */
export function liveViews(views: readonly SnapshotView[], position: BinlogPosition): readonly SnapshotView[] {
  const live = new Set(views.filter((v) => compareBinlog(v.at, position) > 0).map((v) => v.table));
  const kept = views.filter((v) => live.has(v.table));
  return kept.length === views.length ? views : kept;
}
