import { randomUUID } from 'node:crypto';
import { IcetideError } from '../errors.js';
import { ancestors } from '../iceberg/metadata-updates.js';
import { partitionKey } from '../iceberg/partition-key.js';
import { partitionPath } from '../iceberg/partition-path.js';
import { maskedBatches, identityConstants, deletedPositions } from '../iceberg/read/columnar-task-reads.js';
import { DeleteLoader, fieldResolver } from '../iceberg/read/table-scan.js';
import { maskDeletedAndFiltered } from '../iceberg/read/masked-rows.js';
import { readManifestEntries, snapshotManifests } from '../iceberg/snapshot-files.js';
import type { DataFile, LiveManifestEntry } from '../iceberg/spec/manifest.js';
import { Schema } from '../iceberg/spec/schema.js';
import type { Snapshot } from '../iceberg/spec/snapshot.js';
import type { NestedField } from '../iceberg/spec/types.js';
import type { Table } from '../iceberg/table.js';
import type { Logger } from '../logging/logger.js';
import { readParquetColumns, valueAt, type ColumnArray } from '../parquet/index.js';
import { decodeKeyIndexCheckpoint, writeKeyIndexCheckpoint } from './key-index-checkpoint.js';
import { newKeyTable, type KeyTable } from './key-index.js';
import type { PartitionOf } from './partitioner.js';
import { SUMMARY } from './resume-state.js';

/** A data file the index points into. */
export interface IndexedFile {
  readonly path: string;
  readonly partition: PartitionOf;
  /** Its data sequence number; undefined while the file is in flight (not committed yet). */
  dataSeq: bigint | undefined;
  /** Removed from the table (a rewrite moved its rows): its entries' positions mean nothing now. */
  gone: boolean;
}

/** Where a key's live row is. */
export interface IndexedRow {
  readonly file: IndexedFile;
  readonly pos: bigint;
}

export interface KeyIndexConfig {
  /** Write a checkpoint every N commits... */
  readonly checkpointEveryCommits: number;
  /** ... or at the first commit this long after the last one (or the writer's start); default 5 minutes. */
  readonly checkpointIntervalMs?: number;
}

export const DEFAULT_KEY_INDEX_CHECKPOINT_INTERVAL_MS = 5 * 60_000;
export const DEFAULT_KEY_INDEX: KeyIndexConfig = { checkpointEveryCommits: 100, checkpointIntervalMs: DEFAULT_KEY_INDEX_CHECKPOINT_INTERVAL_MS };

/**
 * The primary-key index of one upsert table (DESIGN.md "key index"): for every live key, the
 * data file and row position of its row. With it an update or delete needs nothing of the
 * before-image but the key, and removes the old row with a position delete in that row's own
 * partition; a key the index does not hold was never written, so nothing is deleted.
 *
 * It follows the table as the only writer of its rows sees it: the writer's own changes are
 * applied as they are made; other commits (compaction, another writer) are replayed from their
 * manifests (`catchUp`). A rewrite moves rows to positions the index learns by reading the new
 * files' keys; until then (and for rows it cannot place) the old file is `gone` and the writer
 * falls back to an equality delete for that key.
 *
 * Loaded from the newest checkpoint on the current snapshot's ancestry (the summary key
 * `icetide.key-index`) with the snapshots after it replayed; rebuilt from the live data files
 * (their deletes applied) when there is none or it cannot be used.
 */
export class KeyIndexStore {
  private table: KeyTable;
  private files: IndexedFile[] = [];
  private readonly fileIds = new Map<string, number>();
  private lastPath: string | undefined;
  private lastId = -1;
  /** The snapshot whose state the committed entries reflect. */
  private synced: bigint | undefined;
  private commitsSinceCheckpoint = 0;
  private lastCheckpointMs: number;
  /** Entries changed since the last checkpoint (or since the one loaded). */
  private changed = false;
  private valid = true;
  private readonly keyFields: readonly NestedField[];

  private constructor(
    private readonly t: Table,
    private readonly singleLongKey: boolean,
    private readonly cfg: KeyIndexConfig,
    private readonly log: Logger,
    private readonly clock: () => number,
  ) {
    this.lastCheckpointMs = clock();
    this.table = newKeyTable(singleLongKey);
    const schema = t.schema();
    this.keyFields = schema.identifierFieldIds.map((id) => schema.findField(id)!);
  }

  static async open(table: Table, singleLongKey: boolean, cfg: KeyIndexConfig, log: Logger, clock: () => number = Date.now): Promise<KeyIndexStore> {
    const s = new KeyIndexStore(table, singleLongKey, cfg, log, clock);
    await s.load();
    return s;
  }

  get size(): number {
    return this.table.size;
  }

  get bytes(): number {
    return this.table.bytes;
  }

  /** False after a failed commit: the entries may name rows that were never committed. */
  get isValid(): boolean {
    return this.valid;
  }

  invalidate(): void {
    this.valid = false;
  }

  /** Rebuilds from the table's current state when invalidated. */
  async ensureValid(): Promise<void> {
    if (this.valid) return;
    await this.rebuild(this.t.metadata.currentSnapshotId);
    this.valid = true;
  }

  find(key: readonly unknown[]): IndexedRow | undefined {
    const slot = this.table.find(key);
    if (slot < 0) return undefined;
    return { file: this.files[this.table.fileAt(slot)]!, pos: BigInt(this.table.posAt(slot)) };
  }

  remove(key: readonly unknown[]): void {
    if (this.table.remove(key)) this.changed = true;
  }

  /** Whether a checkpoint now would hold anything the newest one does not. */
  get changedSinceCheckpoint(): boolean {
    return this.valid && this.changed;
  }

  /** The row of `key` is now at `pos` of the (in-flight) file `path`. */
  put(key: readonly unknown[], path: string, partition: PartitionOf, pos: bigint): void {
    this.table.set(key, this.fileId(path, partition, undefined), Number(pos));
    this.changed = true;
  }

  /** put() for rows [start, end) of key columns, at consecutive positions from firstPos of `path`. */
  putColumns(keys: readonly ColumnArray[], start: number, end: number, path: string, partition: PartitionOf, firstPos: number): void {
    this.table.setColumns(keys, start, end, this.fileId(path, partition, undefined), firstPos);
    this.changed = true;
  }

  private fileId(path: string, partition: PartitionOf, dataSeq: bigint | undefined): number {
    if (path === this.lastPath) return this.lastId;
    let id = this.fileIds.get(path);
    if (id === undefined) {
      id = this.files.length;
      this.files.push({ path, partition, dataSeq, gone: false });
      this.fileIds.set(path, id);
    }
    this.lastPath = path;
    this.lastId = id;
    return id;
  }

  /**
   * The writer's commit landed as `snapshot`: its files are committed (they take the
   * snapshot's sequence number), and the other commits that landed before it are replayed.
   */
  async committed(snapshot: Snapshot): Promise<void> {
    for (const f of this.files) if (f.dataSeq === undefined) f.dataSeq = snapshot.sequenceNumber;
    const foreign = this.snapshotsAfter(this.synced, snapshot.parentSnapshotId);
    await this.replay(foreign);
    this.synced = snapshot.snapshotId;
  }

  /** Whether commits of others landed since the last sync (the table object has seen them). */
  get behind(): boolean {
    return this.synced !== this.t.metadata.currentSnapshotId;
  }

  /** Replays commits of others that landed after the last sync (up to the table's current snapshot). */
  async catchUp(): Promise<void> {
    await this.replay(this.snapshotsAfter(this.synced, this.t.metadata.currentSnapshotId));
    this.synced = this.t.metadata.currentSnapshotId;
  }

  /** Snapshots after `from` up to and including `to`, oldest first (undefined `from`: the whole ancestry). */
  private snapshotsAfter(from: bigint | undefined, to: bigint | undefined): Snapshot[] {
    const out: Snapshot[] = [];
    for (const s of ancestors(this.t.metadata, to)) {
      if (s.snapshotId === from) return out.reverse();
      out.push(s);
    }
    if (from !== undefined) throw new IcetideError(`key index of ${this.t.name}: snapshot ${from} is no longer an ancestor of ${to} (history was rolled back or expired)`);
    return out.reverse();
  }

  /**
   * Counts a commit; true when this one should carry a checkpoint: every N commits, or
   * `checkpointIntervalMs` after the last one, or now (`final`: a clean stop) — and only when
   * the entries changed since the last one.
   */
  checkpointDue(final = false): boolean {
    if (!this.valid) return false;
    this.commitsSinceCheckpoint++;
    const now = this.clock();
    const due = final || this.commitsSinceCheckpoint >= this.cfg.checkpointEveryCommits || now - this.lastCheckpointMs >= (this.cfg.checkpointIntervalMs ?? DEFAULT_KEY_INDEX_CHECKPOINT_INTERVAL_MS);
    if (!due || !this.changed) return false;
    this.commitsSinceCheckpoint = 0;
    this.lastCheckpointMs = now;
    this.changed = false;
    return true;
  }

  /**
   * Writes a checkpoint of the state after the commit being made (its in-flight files
   * included) and returns its location, for the commit's summary.
   */
  async checkpoint(): Promise<string> {
    this.compactFiles();
    const location = this.t.ops.newMetadataLocation(`icetide-key-index-${randomUUID()}.bin`);
    await writeKeyIndexCheckpoint(this.t.io, location, this.singleLongKey, this.files.map((f) => f.path), this.table);
    return location;
  }

  /**
   * Drops the files no entry names any more (every row deleted or moved by a rewrite), so
   * the file list does not grow with every commit of a long-running writer.
   */
  private compactFiles(): void {
    const used = this.table.filesInUse(this.files.length);
    const map = new Int32Array(this.files.length).fill(-1);
    const kept: IndexedFile[] = [];
    this.fileIds.clear();
    for (let i = 0; i < this.files.length; i++) {
      if (!used[i]) continue;
      map[i] = kept.length;
      this.fileIds.set(this.files[i]!.path, kept.length);
      kept.push(this.files[i]!);
    }
    if (kept.length === this.files.length) return;
    this.table.renumberFiles(map);
    this.files = kept;
    this.lastPath = undefined;
  }

  private async load(): Promise<void> {
    const md = this.t.metadata;
    const chain = [...ancestors(md, md.currentSnapshotId)];
    const idx = chain.findIndex((s) => s.summary[SUMMARY.keyIndex] !== undefined);
    if (idx >= 0) {
      const snap = chain[idx]!;
      const location = snap.summary[SUMMARY.keyIndex]!;
      try {
        await this.loadCheckpoint(location, snap);
        this.synced = snap.snapshotId;
        await this.catchUp();
        this.log.info('key index loaded', { table: this.t.name, checkpoint: location, keys: this.table.size, replayedSnapshots: idx });
        return;
      } catch (err) {
        this.log.warn('key index checkpoint unusable; rebuilding the index from the data files', { table: this.t.name, checkpoint: location, error: (err as Error).message });
      }
    }
    await this.rebuild(md.currentSnapshotId);
    this.log.info('key index rebuilt from the data files', { table: this.t.name, keys: this.table.size, bytes: this.table.bytes });
  }

  private reset(): void {
    this.table = newKeyTable(this.singleLongKey);
    this.files = [];
    this.fileIds.clear();
    this.lastPath = undefined;
  }

  private async loadCheckpoint(location: string, snap: Snapshot): Promise<void> {
    this.reset();
    const live = new Map<string, LiveManifestEntry>();
    for (const e of await this.t.entries(snap.snapshotId)) if (e.dataFile.content === 'data') live.set(e.dataFile.filePath, e);
    const cp = decodeKeyIndexCheckpoint(await this.t.io.read(location), location, this.singleLongKey);
    const ids = cp.paths.map((path) => {
      const e = live.get(path);
      // A file of the checkpoint that its own snapshot no longer holds can only be a file a
      // concurrent rewrite removed while the commit retried: its entries fall back.
      const id = this.fileId(path, e ? this.partitionOf(e.dataFile) : this.partitionOf(undefined), e?.sequenceNumber);
      if (!e) this.files[id]!.gone = true;
      return id;
    });
    cp.forEachEntry((key, file, pos) => {
      const id = ids[file];
      if (id === undefined) throw new IcetideError(`key index checkpoint ${location}: entry names file ${file} of ${ids.length}`);
      this.table.setEncoded(key, id, pos);
    });
  }

  /** The partition of a committed data file (position deletes against it go there). */
  private partitionOf(f: DataFile | undefined): PartitionOf {
    const specId = f?.specId ?? this.t.spec().specId;
    const values = f?.partition ?? [];
    return { specId, values, key: partitionKey(specId, values), path: partitionPath(this.t, specId, values) };
  }

  /** The index of snapshot `snapshotId` from its live data files, their deletes applied. */
  private async rebuild(snapshotId: bigint | undefined): Promise<void> {
    this.reset();
    this.synced = snapshotId;
    if (snapshotId === undefined) return;
    this.changed = true;
    const fieldOf = fieldResolver(this.t);
    const deletes = new DeleteLoader(this.t.io, fieldOf);
    for (const task of await this.t.planFiles(snapshotId)) {
      const id = this.fileId(task.file.filePath, this.partitionOf(task.file), task.dataSequenceNumber);
      const eqSets = await deletes.equalitySets(task.deletes);
      const ids = new Set([...this.keyFields.map((f) => f.id), ...eqSets.flatMap((s) => s.fields.map((f) => f.id))]);
      const projection = new Schema(0, [...ids].map((fid) => ({ ...fieldOf(fid)!, name: `_f${fid}`, required: false })));
      const names = this.keyFields.map((f) => `_f${f.id}`);
      let pos = 0;
      const positions = await deletedPositions(task, deletes);
      for await (const { batch, mask, kept } of maskedBatches(this.t.io, task.file.filePath, projection, positions, identityConstants(this.t, task, projection), false)) {
        const left = maskDeletedAndFiltered(batch, mask, kept, eqSets, undefined, (fid) => `_f${fid}`);
        const cols = names.map((n) => batch.columns[n]!);
        if (left === batch.length) this.table.setColumns(cols, 0, batch.length, id, pos);
        else {
          const key = new Array<unknown>(cols.length);
          for (let i = 0; i < batch.length; i++) {
            if (!mask[i]) continue;
            for (let c = 0; c < cols.length; c++) key[c] = valueAt(cols[c]!, i);
            this.table.set(key, id, pos + i);
          }
        }
        pos += batch.length;
      }
    }
  }

  /**
   * Applies other writers' snapshots in commit order: equality deletes remove the keys whose
   * rows are older; a rewrite ('replace') moves the entries that pointed into the files it
   * removed to the rows of the files it added; other added data files add their keys; removed
   * files are gone; position deletes remove the entries of the rows they name.
   */
  private async replay(snapshots: readonly Snapshot[]): Promise<void> {
    if (snapshots.length === 0) return;
    this.changed = true;
    const md = this.t.metadata;
    const deletes = new DeleteLoader(this.t.io, fieldResolver(this.t));
    for (const snap of snapshots) {
      const manifests = (await snapshotManifests(this.t.io, md, snap)).filter((m) => m.addedSnapshotId === snap.snapshotId);
      const entries = (await readManifestEntries(this.t.io, md, manifests)).filter((e) => e.snapshotId === snap.snapshotId);
      const added = (content: DataFile['content']) => entries.filter((e) => e.status === 'added' && e.dataFile.content === content);
      const removed = new Set<number>();
      for (const e of entries) {
        const id = e.status === 'deleted' && e.dataFile.content === 'data' ? this.fileIds.get(e.dataFile.filePath) : undefined;
        if (id !== undefined) removed.add(id);
      }
      for (const e of added('equality-deletes')) await this.applyEqualityDeletes(e);
      // The snapshot's position deletes, by data file: rows of its own new files that it
      // deletes (a row replaced within one commit) are never indexed.
      const positions = new Map<string, Set<bigint>>();
      for (const e of added('position-deletes')) {
        for (const [path, ps] of await deletes.positionsOf(e.dataFile.filePath)) {
          const into = positions.get(path) ?? new Set<bigint>();
          for (const p of ps) into.add(p);
          positions.set(path, into);
        }
      }
      const rewrite = snap.summary['operation'] === 'replace';
      for (const e of added('data')) await this.addFileKeys(e, rewrite ? removed : undefined, positions.get(e.dataFile.filePath));
      for (const id of removed) this.files[id]!.gone = true;
      const dead = new Set<number>();
      for (const [path, ps] of positions) {
        const id = this.fileIds.get(path);
        if (id !== undefined) for (const p of ps) dead.add(id * 4294967296 + Number(p));
      }
      if (dead.size > 0) this.table.removeWhere((file, pos) => dead.has(file * 4294967296 + pos));
    }
  }

  /** An equality delete at sequence number D removes a key whose indexed row is older than D (spec "Scan Planning"). */
  private async applyEqualityDeletes(e: LiveManifestEntry): Promise<void> {
    const ids = e.dataFile.equalityIds ?? [];
    const keyIds = this.keyFields.map((f) => f.id);
    if (ids.length !== keyIds.length || !ids.every((id) => keyIds.includes(id))) {
      throw new IcetideError(`key index of ${this.t.name}: equality delete file ${e.dataFile.filePath} deletes by field ids ${ids.join(',')}, not the key (${keyIds.join(',')}); the index cannot follow it`);
    }
    const projection = new Schema(0, this.keyFields.map((f) => ({ ...f, required: false })));
    for await (const batch of readParquetColumns(this.t.io, e.dataFile.filePath, projection)) {
      const cols = this.keyFields.map((f) => batch.columns[f.name]!);
      const key = new Array<unknown>(cols.length);
      for (let i = 0; i < batch.length; i++) {
        for (let c = 0; c < cols.length; c++) key[c] = valueAt(cols[c]!, i);
        const slot = this.table.find(key);
        if (slot < 0) continue;
        const seq = this.files[this.table.fileAt(slot)]!.dataSeq;
        if (seq !== undefined && seq < e.sequenceNumber) this.table.remove(key);
      }
    }
  }

  /**
   * Adds the keys of a data file another commit added. For a rewrite (`moved`: the files it
   * removed) only keys whose entry points into a removed file move: a key the rewrite copied
   * but that was deleted or rewritten since is not resurrected.
   */
  private async addFileKeys(e: LiveManifestEntry, moved: ReadonlySet<number> | undefined, deleted: ReadonlySet<bigint> | undefined): Promise<void> {
    const id = this.fileId(e.dataFile.filePath, this.partitionOf(e.dataFile), e.sequenceNumber);
    const projection = new Schema(0, this.keyFields.map((f) => ({ ...f, required: false })));
    let pos = 0;
    for await (const batch of readParquetColumns(this.t.io, e.dataFile.filePath, projection)) {
      const cols = this.keyFields.map((f) => batch.columns[f.name]!);
      if (!moved && !deleted) this.table.setColumns(cols, 0, batch.length, id, pos);
      else {
        const key = new Array<unknown>(cols.length);
        for (let i = 0; i < batch.length; i++) {
          if (deleted?.has(BigInt(pos + i))) continue;
          for (let c = 0; c < cols.length; c++) key[c] = valueAt(cols[c]!, i);
          if (moved) {
            const slot = this.table.find(key);
            if (slot < 0 || !moved.has(this.table.fileAt(slot))) continue;
          }
          this.table.set(key, id, pos + i);
        }
      }
      pos += batch.length;
    }
  }

}
