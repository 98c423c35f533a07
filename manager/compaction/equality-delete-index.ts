import { UnsupportedError } from '../../src/errors.js';
import type { FileIO } from '../../src/io/file-io.js';
import { readParquetRows, type ColumnarBatch, type Row } from '../../src/parquet/index.js';
import { batchKeys, longKey, NULL_KEY, tupleKey, type EqualityKey } from '../../src/iceberg/read/equality-keys.js';
import type { PlannedFile } from '../../src/iceberg/scan-planner.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import type { NestedField } from '../../src/iceberg/spec/types.js';

const TWO_32 = 4294967296;

/** Hash of a key for bucketing: FNV-1a for strings, a 32-bit mix of both words for numbers. */
export function hashKey(k: EqualityKey): number {
  if (typeof k === 'string') return keyHash(k);
  const lo = k >>> 0;
  const hi = Math.floor(k / TWO_32) | 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Equality delete files that share one set of equality field ids. */
interface Signature {
  readonly ids: readonly number[];
  readonly files: readonly PlannedFile[];
  readonly rows: number;
  /** Reads a row's key columns (rows are keyed by current-schema names, nested as structs). */
  readonly keyOf: (row: Row) => EqualityKey;
  /** The key columns' names when all are top-level fields (columnar batches can be keyed). */
  readonly columns: readonly string[] | undefined;
}

/** The keys of one pass: per signature, key -> highest data sequence number deleting it. */
export interface EqualityPass {
  /** Whether this pass owns the row (every row is owned by exactly one pass). */
  owns(row: Row): boolean;
  /** Spec "Scan Planning": an equality delete applies to rows of strictly lower data sequence numbers. */
  deletes(row: Row, dataSequenceNumber: bigint): boolean;
  /**
   * Columnar owns/deletes: clears mask[i] for the rows of `batch` this pass does not own or
   * deletes; returns how many rows stay set. Needs `EqualityDeleteIndex.columnar`.
   */
  filter(batch: ColumnarBatch, dataSequenceNumber: bigint, mask: Uint8Array): number;
}

/** FNV-1a (32 bit): cheap and well spread for bucketing string keys. */
export function keyHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The equality deletes that apply to one file group, loaded in bounded memory.
 *
 * Bound: at most about `maxKeys` keys are held at once. When the group's equality delete files
 * hold more rows than that (their `record_count` sum), keys are split by hash into
 * `passes = ceil(rows / maxKeys)` buckets; pass b loads only keys with hash % passes == b and
 * the rewrite reads the group's data once per pass, keeping the rows of bucket b. A row is
 * deleted when some delete file holding its key has a higher data sequence number than the
 * row's file; every delete file here applies to the group's partition (same partition, or an
 * unpartitioned spec), and planner pruning by bounds only drops files that cannot match.
 *
 * With several key signatures (equality ids changed over time), only the largest is bucketed;
 * the others are loaded whole in every pass (rare: key columns seldom change).
 */
export class EqualityDeleteIndex {
  readonly passes: number;
  private readonly signatures: Signature[];
  private readonly bucketed: Signature | undefined;

  constructor(
    private readonly io: FileIO,
    deleteFiles: readonly PlannedFile[],
    private readonly fieldOf: (id: number) => NestedField | undefined,
    currentSchema: Schema,
    maxKeys: number,
  ) {
    const bySig = new Map<string, PlannedFile[]>();
    for (const d of deleteFiles) {
      if (d.file.content !== 'equality-deletes') continue;
      const ids = d.file.equalityIds ?? [];
      if (ids.length === 0) throw new UnsupportedError(`equality delete file ${d.file.filePath} has no equality_ids`);
      const k = ids.join(',');
      const list = bySig.get(k) ?? [];
      list.push(d);
      bySig.set(k, list);
    }
    this.signatures = [...bySig.values()].map((files) => {
      const ids = files[0]!.file.equalityIds!;
      const file = files[0]!.file.filePath;
      return { ids, files, rows: files.reduce((s, f) => s + Number(f.file.recordCount), 0), keyOf: keyReader(currentSchema, ids, file), columns: topLevelNames(currentSchema, ids) };
    });
    this.bucketed = this.signatures.reduce<Signature | undefined>((m, s) => (!m || s.rows > m.rows ? s : m), undefined);
    this.passes = this.bucketed ? Math.max(1, Math.ceil(this.bucketed.rows / maxKeys)) : 1;
  }

  get isEmpty(): boolean {
    return this.signatures.length === 0;
  }

  /** Whether every key column is a top-level field (EqualityPass.filter works). */
  get columnar(): boolean {
    return this.signatures.every((s) => s.columns !== undefined);
  }

  /** Loads the keys of pass `b` (0 <= b < passes). */
  async load(b: number): Promise<EqualityPass> {
    const maps = new Map<Signature, Map<EqualityKey, bigint>>();
    for (const sig of this.signatures) {
      const only = sig === this.bucketed && this.passes > 1 ? b : undefined;
      maps.set(sig, await this.loadKeys(sig, only));
    }
    const passes = this.passes;
    const bucketed = this.bucketed;
    // int32 keys (the usual `id` key) also go into an open-addressing table: no Map per row
    const intTables = new Map<Map<EqualityKey, bigint>, IntKeyTable | null>();
    const intTable = (keys: Map<EqualityKey, bigint>): IntKeyTable | undefined => {
      let t = intTables.get(keys);
      if (t === undefined) intTables.set(keys, (t = intKeyTable(keys)));
      return t ?? undefined;
    };
    return {
      owns: (row) => passes === 1 || !bucketed || hashKey(bucketed.keyOf(row)) % passes === b,
      deletes: (row, seq) => {
        for (const [sig, keys] of maps) {
          if (keys.size === 0) continue;
          const s = keys.get(sig.keyOf(row));
          if (s !== undefined && s > seq) return true;
        }
        return false;
      },
      filter: (batch, seq, mask) => {
        const checks = [...maps].filter(([, keys]) => keys.size > 0).map(([sig, keys]) => ({ key: batchKeys(batch, sig.columns!), keys, sig }));
        const owner = passes > 1 && bucketed ? (checks.find((c) => c.sig === bucketed)?.key ?? batchKeys(batch, bucketed.columns!)) : undefined;
        const only = checks.length === 1 ? checks[0]! : undefined;
        if (!owner && only) {
          const col = only.sig.columns!.length === 1 ? batch.columns[only.sig.columns![0]!] : undefined;
          if (col instanceof BigInt64Array) return filterLongKeys(col, batch.nulls[only.sig.columns![0]!], mask, only.keys, intTable(only.keys), seq);
          return filterOne(batch.length, mask, only.key, only.keys, seq);
        }
        let kept = 0;
        for (let i = 0; i < batch.length; i++) {
          if (!mask[i]) continue;
          if (owner && hashKey(owner(i)) % passes !== b) {
            mask[i] = 0;
            continue;
          }
          let del = false;
          for (const c of checks) {
            const s = c.keys.get(c.key(i));
            if (s !== undefined && s > seq) {
              del = true;
              break;
            }
          }
          if (del) mask[i] = 0;
          else kept++;
        }
        return kept;
      },
    };
  }

  private async loadKeys(sig: Signature, bucket: number | undefined): Promise<Map<EqualityKey, bigint>> {
    const fields = sig.ids.map((id) => {
      const f = this.fieldOf(id);
      if (!f) throw new UnsupportedError(`equality delete field id ${id} is in no schema of the table`);
      return { ...f, name: `_eq_${id}`, required: false };
    });
    const projection = new Schema(0, fields);
    const keys = new Map<EqualityKey, bigint>();
    for (const d of sig.files) {
      if (d.file.fileFormat !== 'PARQUET') throw new UnsupportedError(`equality delete file ${d.file.filePath} is ${d.file.fileFormat}; only Parquet is read`);
      for await (const batch of readParquetRows(this.io, d.file.filePath, projection)) {
        for (const r of batch) {
          const k = tupleKey(fields.map((f) => r[f.name]));
          if (bucket !== undefined && hashKey(k) % this.passes !== bucket) continue;
          const prev = keys.get(k);
          if (prev === undefined || prev < d.dataSequenceNumber) keys.set(k, d.dataSequenceNumber);
        }
      }
    }
    return keys;
  }
}

/** Reads equality columns (possibly inside structs) from a row keyed by current-schema names. */
function keyReader(schema: Schema, ids: readonly number[], file: string): (row: Row) => EqualityKey {
  const paths = ids.map((id) => {
    const names: string[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = schema.parentId(cur)) {
      const f = schema.findField(cur);
      if (!f) throw new UnsupportedError(`equality delete file ${file}: field id ${cur} is not in the current schema (dropped key column); rewrite it with the old schema`);
      names.unshift(f.name);
    }
    return names;
  });
  return (row) =>
    tupleKey(
      paths.map((p) => {
        let v: unknown = row;
        for (const n of p) v = v === null || v === undefined ? null : (v as Row)[n];
        return v;
      }),
    );
}

/** Names of the key columns when every one is a top-level field of the current schema. */
function topLevelNames(schema: Schema, ids: readonly number[]): string[] | undefined {
  const names: string[] = [];
  for (const id of ids) {
    const f = schema.fields.find((x) => x.id === id);
    if (!f) return undefined;
    names.push(f.name);
  }
  return names;
}

/** The highest sequence number deleting an int32 key, or -1. */
interface IntKeyTable {
  get(k: number): number;
}

/** Ranges of keys at most this many times their count go into a DenseIntKeys table. */
const DENSE_SPREAD = 16;
const MAX_SEQ_INT32 = 2 ** 31 - 1;

/**
 * The int32 keys of a key map as a lookup table: direct-addressed (DenseIntKeys) when they
 * span a range of at most DENSE_SPREAD x their count (the usual sequential `id`: data rows
 * then probe it in order, cache-friendly), else hashed (HashedIntKeys). Built only when every
 * key is an int32 number or the null key, so a data value outside int32 matches none.
 */
function intKeyTable(map: ReadonlyMap<EqualityKey, bigint>): IntKeyTable | null {
  let min = Infinity, max = -Infinity, maxSeq = 0n;
  for (const [k, s] of map) {
    if (k === NULL_KEY) continue;
    if (typeof k !== 'number' || (k | 0) !== k) return null;
    if (k < min) min = k;
    if (k > max) max = k;
    if (s > maxSeq) maxSeq = s;
  }
  if (max >= min && max - min + 1 <= DENSE_SPREAD * map.size && maxSeq <= MAX_SEQ_INT32) return DenseIntKeys.from(map, min, max - min + 1);
  return HashedIntKeys.from(map);
}

/** Sequence numbers (Int32, -1 when absent) by key - min. */
class DenseIntKeys implements IntKeyTable {
  private constructor(private readonly seqs: Int32Array, private readonly min: number) {}

  static from(map: ReadonlyMap<EqualityKey, bigint>, min: number, range: number): DenseIntKeys {
    const seqs = new Int32Array(range).fill(-1);
    for (const [k, s] of map) if (k !== NULL_KEY) seqs[(k as number) - min] = Number(s);
    return new DenseIntKeys(seqs, min);
  }

  get(k: number): number {
    const i = k - this.min;
    return i >= 0 && i < this.seqs.length ? this.seqs[i]! : -1;
  }
}

/** Open addressing (linear probing, load <= 1/2); sequence numbers as doubles (far below 2^53). */
class HashedIntKeys implements IntKeyTable {
  private constructor(
    private readonly keys: Int32Array,
    private readonly used: Uint8Array,
    private readonly seqs: Float64Array,
    private readonly mask: number,
  ) {}

  static from(map: ReadonlyMap<EqualityKey, bigint>): HashedIntKeys {
    let size = 4;
    while (size < map.size * 2) size *= 2;
    const t = new HashedIntKeys(new Int32Array(size), new Uint8Array(size), new Float64Array(size), size - 1);
    for (const [k, s] of map) {
      if (k === NULL_KEY) continue;
      let h = HashedIntKeys.hash(k as number) & t.mask;
      while (t.used[h] && t.keys[h] !== k) h = (h + 1) & t.mask;
      t.used[h] = 1;
      t.keys[h] = k as number;
      t.seqs[h] = Number(s);
    }
    return t;
  }

  private static hash(k: number): number {
    const h = Math.imul(k, 0x9e3779b1);
    return h ^ (h >>> 15);
  }

  get(k: number): number {
    let h = HashedIntKeys.hash(k) & this.mask;
    while (this.used[h]) {
      if (this.keys[h] === k) return this.seqs[h]!;
      h = (h + 1) & this.mask;
    }
    return -1;
  }
}

/** filterOne for a single long key column (the usual `id bigint` key), the key read inline. */
function filterLongKeys(col: BigInt64Array, nulls: Uint8Array | undefined, mask: Uint8Array, keys: ReadonlyMap<EqualityKey, bigint>, table: IntKeyTable | undefined, seq: bigint): number {
  const w = new Int32Array(col.buffer, col.byteOffset, col.length * 2);
  const nullKey = NULL_KEY;
  let kept = 0;
  if (table) {
    const seqNum = Number(seq);
    const nullSeq = keys.get(nullKey);
    for (let i = 0; i < col.length; i++) {
      if (!mask[i]) continue;
      let del: boolean;
      if (nulls?.[i]) del = nullSeq !== undefined && nullSeq > seq;
      else {
        const lo = w[2 * i]!, hi = w[2 * i + 1]!;
        // only values that fit 32 signed bits can be in the table
        del = ((hi === 0 && lo >= 0) || (hi === -1 && lo < 0)) && table.get(lo) > seqNum;
      }
      if (del) mask[i] = 0;
      else kept++;
    }
    return kept;
  }
  for (let i = 0; i < col.length; i++) {
    if (!mask[i]) continue;
    const s = keys.get(nulls?.[i] ? nullKey : longKey(w, i, col));
    if (s !== undefined && s > seq) mask[i] = 0;
    else kept++;
  }
  return kept;
}

/** The common case of filter(): one key signature, no bucketing; a tight loop. */
function filterOne(n: number, mask: Uint8Array, key: (i: number) => EqualityKey, keys: ReadonlyMap<EqualityKey, bigint>, seq: bigint): number {
  let kept = 0;
  for (let i = 0; i < n; i++) {
    if (!mask[i]) continue;
    const s = keys.get(key(i));
    if (s !== undefined && s > seq) mask[i] = 0;
    else kept++;
  }
  return kept;
}
