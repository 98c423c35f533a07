/**
 * MySQL source positions and their total order.
 *
 * - Binlog position `{ file, pos, gtid? }`: the end of a source transaction (the byte after its
 *   XID/COMMIT event). `gtid` (MariaDB `domain-server-seq`) is informational: resuming uses
 *   file+pos on the same server.
 * - Snapshot position `{ snapshot: { file, pos, gtid? }, table: i, key: [...] }`: the row of
 *   source table `i` (discovery order) with primary key `key`, read during the full load that
 *   started at binlog position P0 = `snapshot`. Every snapshot row gets its own position, so a
 *   restart skips exactly the rows each target table already has, even when concurrent writes
 *   moved the chunk boundaries.
 *
 * Order: by the anchor (binlog file sequence, then offset; a snapshot's anchor is its P0);
 * at the same anchor every snapshot position sorts before the binlog position, so the whole
 * full load sorts before the binlog stream that starts at P0 (which replays every change made
 * while the snapshot ran). Snapshot positions of one anchor sort by table index, then key.
 * Keys compare element-wise: integers numerically, everything else by its text (code-point
 * order); see README "restarts in the middle of a snapshot" for what that means for keys with a
 * case-insensitive collation.
 */
import { ValidationError } from '../../src/errors.js';
import { isJsonObject, stringifyJson, type JsonObject, type JsonValue } from '../../src/iceberg/spec/lossless-json.js';
import type { SourcePosition } from '../../src/sink/change-event.js';
import type { SnapshotView } from './snapshot-views.js';

export interface BinlogPosition {
  readonly file: string;
  readonly pos: number;
  readonly gtid?: string;
}

/** A key value as stored in a position: integers as bigint, other values as text. */
export type KeyPart = bigint | string | null;

export interface SnapshotPosition {
  readonly snapshot: BinlogPosition;
  readonly table: number;
  /** Key of the row; empty for a table read without a key (append mode, unchunked). */
  readonly key: readonly KeyPart[];
  /** Row ordinal, only for tables read without a key (their rows have no other identity). */
  readonly row?: number;
  /** The consistent read views of the tables handed over so far (snapshot-views.ts). */
  readonly views?: readonly SnapshotView[];
}

export type MySqlPosition =
  | { readonly kind: 'binlog'; readonly at: BinlogPosition; /** views still skipping replayed changes */ readonly views?: readonly SnapshotView[] }
  | { readonly kind: 'snapshot'; readonly at: SnapshotPosition };

function num(v: JsonValue | undefined): number | undefined {
  const n = typeof v === 'bigint' ? Number(v) : v;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function toBinlog(p: JsonValue | undefined): BinlogPosition | undefined {
  if (!isJsonObject(p) || typeof p.file !== 'string' || p.file === '') return undefined;
  const pos = num(p.pos);
  if (pos === undefined) return undefined;
  return { file: p.file, pos, ...(typeof p.gtid === 'string' ? { gtid: p.gtid } : {}) };
}

function toKeyPart(v: JsonValue): KeyPart {
  if (v === null) return null;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (isJsonObject(v) && typeof v.s === 'string') return v.s;
  if (typeof v === 'string') return v;
  throw new ValidationError(`bad key part in a mysql snapshot position: ${stringifyJson(v)}`);
}

function toViews(v: JsonValue | undefined): readonly SnapshotView[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw new ValidationError(`bad views in a mysql position: ${stringifyJson(v)}`);
  return v.map((x) => {
    const table = isJsonObject(x) ? num(x.table) : undefined;
    const at = isJsonObject(x) ? toBinlog(x.at) : undefined;
    if (!isJsonObject(x) || table === undefined || !at || (x.after !== undefined && !Array.isArray(x.after))) {
      throw new ValidationError(`bad view in a mysql position: ${stringifyJson(x)}`);
    }
    return { table, at, ...(Array.isArray(x.after) ? { after: x.after.map(toKeyPart) } : {}) };
  });
}

/** Validates a position read back from a snapshot summary (or handed in by a caller). */
export function toMySqlPosition(p: SourcePosition): MySqlPosition {
  if (isJsonObject(p)) {
    const views = toViews(p.views);
    if ('snapshot' in p) {
      const anchor = toBinlog(p.snapshot);
      const table = num(p.table);
      const row = p.row === undefined ? undefined : num(p.row);
      if (anchor && table !== undefined && Array.isArray(p.key)) {
        return { kind: 'snapshot', at: { snapshot: anchor, table, key: p.key.map(toKeyPart), ...(row !== undefined ? { row } : {}), ...(views ? { views } : {}) } };
      }
    } else {
      const b = toBinlog(p);
      if (b) return { kind: 'binlog', at: b, ...(views ? { views } : {}) };
    }
  }
  throw new ValidationError(`not a mysql source position (expected {"file", "pos"} or {"snapshot", "table", "key"}): ${stringifyJson(p)}`);
}

function binlogJson(b: BinlogPosition): JsonObject {
  return { file: b.file, pos: b.pos, ...(b.gtid !== undefined ? { gtid: b.gtid } : {}) };
}

// Strings are wrapped so that a numeric-looking text key stays a string.
const keyJson = (key: readonly KeyPart[]): JsonValue[] => key.map((k): JsonValue => (typeof k === 'string' ? { s: k } : k));

/** Views as JSON; callers share one array between the many positions of a batch. */
export function viewsJson(views: readonly SnapshotView[]): JsonValue[] {
  return views.map((v) => ({ table: v.table, at: binlogJson(v.at), ...(v.after !== undefined ? { after: keyJson(v.after) } : {}) }));
}

export function binlogPosition(b: BinlogPosition, views?: JsonValue[]): JsonObject {
  return { ...binlogJson(b), ...(views && views.length > 0 ? { views } : {}) };
}

export function snapshotPosition(s: Omit<SnapshotPosition, 'views'>, views?: JsonValue[]): JsonObject {
  return { snapshot: binlogJson(s.snapshot), table: s.table, key: keyJson(s.key), ...(s.row !== undefined ? { row: s.row } : {}), ...(views && views.length > 0 ? { views } : {}) };
}

/** `mysql-bin.000012` -> 12; files of one server share the base name. */
function fileSequence(file: string): bigint | undefined {
  const m = /\.(\d+)$/.exec(file);
  return m ? BigInt(m[1]!) : undefined;
}

export function compareBinlog(a: BinlogPosition, b: BinlogPosition): number {
  if (a.file !== b.file) {
    const sa = fileSequence(a.file);
    const sb = fileSequence(b.file);
    if (sa !== undefined && sb !== undefined && sa !== sb) return sa < sb ? -1 : 1;
    return a.file < b.file ? -1 : 1;
  }
  return a.pos - b.pos;
}

const DECIMAL_RE = /^-?\d+(\.\d+)?$/;

/** DECIMAL keys arrive as exact text: compare them as numbers, not as strings. */
function compareDecimalText(a: string, b: string): number {
  const scale = Math.max((a.split('.')[1] ?? '').length, (b.split('.')[1] ?? '').length);
  const unscaled = (s: string): bigint => {
    const [i, f = ''] = s.split('.');
    return BigInt(`${i}${f.padEnd(scale, '0')}`.replace(/^(-?)0+(?=\d)/, '$1'));
  };
  const x = unscaled(a);
  const y = unscaled(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareKeyPart(a: KeyPart, b: KeyPart): number {
  if (a === b) return 0;
  if (a === null) return -1; // MySQL sorts NULL first
  if (b === null) return 1;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : 1;
  if (typeof a === 'string' && typeof b === 'string' && DECIMAL_RE.test(a) && DECIMAL_RE.test(b)) return compareDecimalText(a, b);
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Keys element-wise (a shorter key that is a prefix sorts first). */
export function compareKeys(a: readonly KeyPart[], b: readonly KeyPart[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const k = compareKeyPart(a[i]!, b[i]!);
    if (k !== 0) return k;
  }
  return a.length - b.length;
}

export function compareMySqlPositions(a: MySqlPosition, b: MySqlPosition): number {
  const anchorA = a.kind === 'binlog' ? a.at : a.at.snapshot;
  const anchorB = b.kind === 'binlog' ? b.at : b.at.snapshot;
  const c = compareBinlog(anchorA, anchorB);
  if (c !== 0) return c;
  if (a.kind !== b.kind) return a.kind === 'snapshot' ? -1 : 1;
  if (a.kind === 'binlog' || b.kind === 'binlog') return 0;
  if (a.at.table !== b.at.table) return a.at.table - b.at.table;
  const k = compareKeys(a.at.key, b.at.key);
  if (k !== 0) return k;
  return (a.at.row ?? 0) - (b.at.row ?? 0);
}

export function formatBinlog(b: BinlogPosition): string {
  return `${b.file}:${b.pos}${b.gtid ? ` (gtid ${b.gtid})` : ''}`;
}
