import { partitionKey } from './partition-key.js';
import type { DataFile, LiveManifestEntry } from './spec/manifest.js';
import { isUnpartitioned, type PartitionSpec } from './spec/partition-spec.js';
import type { Schema } from './spec/schema.js';
import { isPrimitive, type PrimitiveType } from './spec/types.js';
import type { PrimitiveValue } from './spec/values.js';
import { compareValues, deserializeValue } from './spec/value-serialization.js';

/** Spec "Reserved Field IDs": `file_path` of a position delete file. */
export const DELETE_FILE_PATH_ID = 2147483546;
export const DELETE_FILE_POS_ID = 2147483545;

/** A file as planned: the file plus its data and file sequence numbers. */
export interface PlannedFile {
  readonly file: DataFile;
  readonly dataSequenceNumber: bigint;
  readonly fileSequenceNumber: bigint;
}

/** One data file to read and the delete files that apply to it. */
export interface FileScanTask extends PlannedFile {
  readonly deletes: readonly PlannedFile[];
}

export interface PlanInput {
  /** Live (ADDED or EXISTING) entries of every manifest of the snapshot, data and deletes. */
  readonly entries: Iterable<LiveManifestEntry>;
  readonly specs: ReadonlyMap<number, PartitionSpec>;
  /** The table's schemas: equality-field types for bound pruning. */
  readonly schema: Schema;
}

/**
 * Plans a snapshot scan (spec "Scan Planning"). Pure: the caller reads manifests.
 *
 * - position deletes apply to data files of the same spec and partition whose data sequence
 *   number is <= the delete's;
 * - equality deletes apply to data files whose data sequence number is strictly lower, in the
 *   same spec and partition, or in any partition when the delete's spec is unpartitioned;
 * - like Iceberg Java's DeleteFileIndex, a delete whose file_path bounds (position) or
 *   equality-column bounds/null counts cannot match the data file is not attached to it.
 */
export function planScan(input: PlanInput): FileScanTask[] {
  const dataFiles: PlannedFile[] = [];
  const index = new DeleteIndex(input.specs, input.schema);
  for (const e of input.entries) {
    if (e.status === 'deleted') continue;
    const planned: PlannedFile = { file: e.dataFile, dataSequenceNumber: e.sequenceNumber, fileSequenceNumber: e.fileSequenceNumber };
    if (e.dataFile.content === 'data') dataFiles.push(planned);
    else index.add(planned);
  }
  return dataFiles.map((d) => ({ ...d, deletes: index.forDataFile(d) }));
}

class DeleteIndex {
  private readonly globalEq: PlannedFile[] = [];
  private readonly byPartition = new Map<string, PlannedFile[]>();

  constructor(
    private readonly specs: ReadonlyMap<number, PartitionSpec>,
    private readonly schema: Schema,
  ) {}

  add(d: PlannedFile): void {
    const spec = this.specs.get(d.file.specId);
    if (d.file.content === 'equality-deletes' && (!spec || isUnpartitioned(spec))) {
      this.globalEq.push(d);
      return;
    }
    const key = partitionKey(d.file.specId, d.file.partition);
    let list = this.byPartition.get(key);
    if (!list) this.byPartition.set(key, (list = []));
    list.push(d);
  }

  forDataFile(data: PlannedFile): PlannedFile[] {
    const out: PlannedFile[] = [];
    for (const d of this.globalEq) if (this.eqApplies(data, d)) out.push(d);
    const local = this.byPartition.get(partitionKey(data.file.specId, data.file.partition));
    if (local) {
      for (const d of local) {
        if (d.file.content === 'position-deletes' ? this.posApplies(data, d) : this.eqApplies(data, d)) out.push(d);
      }
    }
    return out;
  }

  private posApplies(data: PlannedFile, del: PlannedFile): boolean {
    if (data.dataSequenceNumber > del.dataSequenceNumber) return false;
    return positionDeleteMayReference(del.file, data.file.filePath);
  }

  private eqApplies(data: PlannedFile, del: PlannedFile): boolean {
    if (data.dataSequenceNumber >= del.dataSequenceNumber) return false;
    return this.eqCanMatch(data.file, del.file);
  }

  /** Iceberg Java `canContainEqDeletesForFile`: prune by null counts and value ranges. */
  private eqCanMatch(data: DataFile, del: DataFile): boolean {
    const checkRanges = !!(data.lowerBounds && data.upperBounds && del.lowerBounds && del.upperBounds);
    for (const id of del.equalityIds ?? []) {
      const type = this.primitiveType(id);
      if (!type) return true;
      if (containsNull(data.nullValueCounts, id) && containsNull(del.nullValueCounts, id)) continue;
      if (allNull(data, id) && allNonNull(del.nullValueCounts, id)) return false;
      if (allNull(del, id) && allNonNull(data.nullValueCounts, id)) return false;
      if (!checkRanges) continue;
      const d = this.bounds.get(data, id, type);
      const e = this.bounds.get(del, id, type);
      if (!d || !e) continue;
      if (compareValues(type, d[0], e[1]) > 0 || compareValues(type, e[0], d[1]) > 0) return false;
    }
    return true;
  }

  private readonly types = new Map<number, PrimitiveType | undefined>();
  private primitiveType(id: number): PrimitiveType | undefined {
    if (!this.types.has(id)) {
      const f = this.schema.findField(id);
      this.types.set(id, f && isPrimitive(f.type) ? f.type : undefined);
    }
    return this.types.get(id);
  }

  private readonly bounds = new BoundsCache();
}

/** Decoded [lower, upper] bounds per file and field, decoded once: planning compares them many times. */
class BoundsCache {
  private readonly cache = new WeakMap<DataFile, Map<number, readonly [PrimitiveValue, PrimitiveValue] | null>>();

  get(f: DataFile, id: number, type: PrimitiveType): readonly [PrimitiveValue, PrimitiveValue] | null {
    let perFile = this.cache.get(f);
    if (!perFile) this.cache.set(f, (perFile = new Map()));
    let b = perFile.get(id);
    if (b === undefined) {
      const lo = f.lowerBounds?.get(id);
      const hi = f.upperBounds?.get(id);
      try {
        b = lo && hi ? [deserializeValue(type, lo), deserializeValue(type, hi)] : null;
      } catch {
        b = null; // unreadable bounds prove nothing: keep the delete
      }
      perFile.set(id, b);
    }
    return b;
  }
}

function containsNull(nullCounts: ReadonlyMap<number, bigint> | undefined, id: number): boolean {
  const n = nullCounts?.get(id);
  return n === undefined || n > 0n;
}

function allNull(f: DataFile, id: number): boolean {
  const n = f.nullValueCounts?.get(id);
  const v = f.valueCounts?.get(id);
  return n !== undefined && v !== undefined && n === v;
}

function allNonNull(nullCounts: ReadonlyMap<number, bigint> | undefined, id: number): boolean {
  const n = nullCounts?.get(id);
  return n !== undefined && n <= 0n;
}

const decoder = new TextDecoder();

/**
 * Whether a position delete file may name `path` (Iceberg Java DeleteFileIndex): by its
 * referenced_data_file when set, else by its file_path column bounds (UTF-16 order, as Java's
 * CharSequence comparator; each bound prunes on its own). Metadata only: true means "maybe".
 */
export function positionDeleteMayReference(del: DataFile, path: string): boolean {
  if (del.referencedDataFile !== undefined) return del.referencedDataFile === path;
  const lo = del.lowerBounds?.get(DELETE_FILE_PATH_ID);
  const hi = del.upperBounds?.get(DELETE_FILE_PATH_ID);
  if (lo && path < decoder.decode(lo)) return false;
  if (hi && path > decoder.decode(hi)) return false;
  return true;
}
