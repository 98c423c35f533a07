import { readParquetRows } from '../../parquet/index.js';
import { UnsupportedError } from '../../errors.js';
import type { FileIO } from '../../io/file-io.js';
import { DELETE_FILE_PATH_ID, DELETE_FILE_POS_ID, type PlannedFile } from '../scan-planner.js';
import { Schema } from '../spec/schema.js';
import type { NestedField } from '../spec/types.js';
import { tupleKey, type EqualityKey } from './equality-keys.js';

export { equalityKey } from './equality-keys.js';

const POSITION_DELETE_PROJECTION = new Schema(0, [
  { id: DELETE_FILE_PATH_ID, name: 'file_path', required: true, type: { kind: 'string' } },
  { id: DELETE_FILE_POS_ID, name: 'pos', required: true, type: { kind: 'long' } },
]);

/**
 * The equality deletes of a task that share one list of equality field ids: those fields
 * and each file's set of deleted keys (equality-keys.ts tupleKey). The sets are not merged:
 * tasks of different ages see different lists of files, and a union per list would repeat
 * the keys of every file once per list.
 */
export interface EqualityDeleteSet {
  readonly fields: readonly NestedField[];
  readonly keySets: readonly ReadonlySet<EqualityKey>[];
}

/** Whether a key is in any of a signature's sets. */
export function isDeletedKey(s: EqualityDeleteSet, key: EqualityKey): boolean {
  for (const keys of s.keySets) if (keys.has(key)) return true;
  return false;
}

/** One equality delete file's fields and keys. */
interface LoadedEqualityFile {
  readonly fields: readonly NestedField[];
  readonly keys: ReadonlySet<EqualityKey>;
}

/**
 * Loads delete files for a scan, each once: a global equality delete file applies to many
 * data files. Position deletes are grouped by the data file they name.
 */
export class DeleteLoader {
  private readonly positions = new Map<string, Promise<Map<string, Set<bigint>>>>();
  private readonly equalities = new Map<string, Promise<LoadedEqualityFile>>();

  constructor(
    private readonly io: FileIO,
    /** Resolves an equality field id in the current or an older schema. */
    private readonly fieldOf: (id: number) => NestedField | undefined,
  ) {}

  /** Row positions of `dataPath` deleted by these position delete files. */
  async positionsFor(dataPath: string, deletes: readonly PlannedFile[]): Promise<Set<bigint>> {
    const out = new Set<bigint>();
    for (const d of deletes) {
      if (d.file.content !== 'position-deletes') continue;
      if (d.file.fileFormat !== 'PARQUET') throw new UnsupportedError(`position delete file ${d.file.filePath} is ${d.file.fileFormat}; only Parquet is read`);
      for (const p of (await this.positionsOf(d.file.filePath)).get(dataPath) ?? []) out.add(p);
    }
    return out;
  }

  /** The equality deletes of a task, grouped by equality field ids; each file is read once per loader. */
  async equalitySets(deletes: readonly PlannedFile[]): Promise<EqualityDeleteSet[]> {
    const bySig = new Map<string, { fields: readonly NestedField[]; keySets: ReadonlySet<EqualityKey>[] }>();
    for (const d of deletes) {
      if (d.file.content !== 'equality-deletes') continue;
      let one = this.equalities.get(d.file.filePath);
      if (!one) this.equalities.set(d.file.filePath, (one = this.loadEquality(d)));
      const { fields, keys } = await one;
      const sig = fields.map((f) => f.id).join(',');
      const group = bySig.get(sig);
      if (group) group.keySets.push(keys);
      else bySig.set(sig, { fields, keySets: [keys] });
    }
    return [...bySig.values()];
  }

  /** Every row position one position delete file deletes, by the data file it names. */
  positionsOf(deleteFilePath: string): Promise<Map<string, Set<bigint>>> {
    let byPath = this.positions.get(deleteFilePath);
    if (!byPath) this.positions.set(deleteFilePath, (byPath = this.loadPositions(deleteFilePath)));
    return byPath;
  }

  private async loadPositions(path: string): Promise<Map<string, Set<bigint>>> {
    const byPath = new Map<string, Set<bigint>>();
    for await (const batch of readParquetRows(this.io, path, POSITION_DELETE_PROJECTION)) {
      for (const r of batch) {
        const file = r['file_path'] as string;
        let s = byPath.get(file);
        if (!s) byPath.set(file, (s = new Set()));
        s.add(r['pos'] as bigint);
      }
    }
    return byPath;
  }

  private async loadEquality(d: PlannedFile): Promise<LoadedEqualityFile> {
    const ids = d.file.equalityIds ?? [];
    if (ids.length === 0) throw new UnsupportedError(`equality delete file ${d.file.filePath} has no equality_ids`);
    if (d.file.fileFormat !== 'PARQUET') throw new UnsupportedError(`equality delete file ${d.file.filePath} is ${d.file.fileFormat}; only Parquet is read`);
    const fields = ids.map((id) => {
      const f = this.fieldOf(id);
      if (!f) throw new UnsupportedError(`equality delete file ${d.file.filePath}: field id ${id} is in no schema of the table`);
      return { ...f, name: `_eq_${id}`, required: false };
    });
    const projection = new Schema(0, fields);
    const keys = new Set<EqualityKey>();
    for await (const batch of readParquetRows(this.io, d.file.filePath, projection)) {
      for (const r of batch) keys.add(tupleKey(fields.map((f) => r[f.name])));
    }
    return { fields, keys };
  }
}
