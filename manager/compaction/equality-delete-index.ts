import { UnsupportedError } from '../../src/errors.js';
import type { FileIO } from '../../src/io/file-io.js';
import { readParquetRows, type Row } from '../../src/parquet/index.js';
import { equalityKey } from '../../src/iceberg/read/delete-loader.js';
import type { PlannedFile } from '../../src/iceberg/scan-planner.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import type { NestedField } from '../../src/iceberg/spec/types.js';

/** Equality delete files that share one set of equality field ids. */
interface Signature {
  readonly ids: readonly number[];
  readonly files: readonly PlannedFile[];
  readonly rows: number;
  /** Reads a row's key columns (rows are keyed by current-schema names, nested as structs). */
  readonly keyOf: (row: Row) => string;
}

/** The keys of one pass: per signature, key -> highest data sequence number deleting it. */
export interface EqualityPass {
  /** Whether this pass owns the row (every row is owned by exactly one pass). */
  owns(row: Row): boolean;
  /** Spec "Scan Planning": an equality delete applies to rows of strictly lower data sequence numbers. */
  deletes(row: Row, dataSequenceNumber: bigint): boolean;
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
      return { ids, files, rows: files.reduce((s, f) => s + Number(f.file.recordCount), 0), keyOf: keyReader(currentSchema, ids, files[0]!.file.filePath) };
    });
    this.bucketed = this.signatures.reduce<Signature | undefined>((m, s) => (!m || s.rows > m.rows ? s : m), undefined);
    this.passes = this.bucketed ? Math.max(1, Math.ceil(this.bucketed.rows / maxKeys)) : 1;
  }

  get isEmpty(): boolean {
    return this.signatures.length === 0;
  }

  /** Loads the keys of pass `b` (0 <= b < passes). */
  async load(b: number): Promise<EqualityPass> {
    const maps = new Map<Signature, Map<string, bigint>>();
    for (const sig of this.signatures) {
      const only = sig === this.bucketed && this.passes > 1 ? b : undefined;
      maps.set(sig, await this.loadKeys(sig, only));
    }
    const passes = this.passes;
    const bucketed = this.bucketed;
    return {
      owns: (row) => passes === 1 || !bucketed || keyHash(bucketed.keyOf(row)) % passes === b,
      deletes: (row, seq) => {
        for (const [sig, keys] of maps) {
          if (keys.size === 0) continue;
          const s = keys.get(sig.keyOf(row));
          if (s !== undefined && s > seq) return true;
        }
        return false;
      },
    };
  }

  private async loadKeys(sig: Signature, bucket: number | undefined): Promise<Map<string, bigint>> {
    const fields = sig.ids.map((id) => {
      const f = this.fieldOf(id);
      if (!f) throw new UnsupportedError(`equality delete field id ${id} is in no schema of the table`);
      return { ...f, name: `_eq_${id}`, required: false };
    });
    const projection = new Schema(0, fields);
    const keys = new Map<string, bigint>();
    for (const d of sig.files) {
      if (d.file.fileFormat !== 'PARQUET') throw new UnsupportedError(`equality delete file ${d.file.filePath} is ${d.file.fileFormat}; only Parquet is read`);
      for await (const batch of readParquetRows(this.io, d.file.filePath, projection)) {
        for (const r of batch) {
          const k = equalityKey(fields.map((f) => r[f.name]));
          if (bucket !== undefined && keyHash(k) % this.passes !== bucket) continue;
          const prev = keys.get(k);
          if (prev === undefined || prev < d.dataSequenceNumber) keys.set(k, d.dataSequenceNumber);
        }
      }
    }
    return keys;
  }
}

/** Reads equality columns (possibly inside structs) from a row keyed by current-schema names. */
function keyReader(schema: Schema, ids: readonly number[], file: string): (row: Row) => string {
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
    equalityKey(
      paths.map((p) => {
        let v: unknown = row;
        for (const n of p) v = v === null || v === undefined ? null : (v as Row)[n];
        return v;
      }),
    );
}
