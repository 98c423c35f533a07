import { randomUUID } from 'node:crypto';
import { readParquetRows } from '../parquet/index.js';
import { ancestors } from '../iceberg/metadata-updates.js';
import { readManifestEntries, snapshotManifests } from '../iceberg/snapshot-files.js';
import { Schema } from '../iceberg/spec/schema.js';
import type { Table } from '../iceberg/table.js';
import type { Logger } from '../logging/logger.js';
import { KeyFilter } from './key-filter.js';
import { SUMMARY } from './resume-state.js';

export interface KeyFilterConfig {
  readonly expectedKeys: number;
  readonly fpp: number;
  /** Write a checkpoint file every N commits (referenced from that snapshot's summary). */
  readonly checkpointEveryCommits: number;
  /**
   * ... or at the first commit this long after the last checkpoint (or the writer's start),
   * whichever comes first: a pipeline restarted often then finds a recent checkpoint instead
   * of rebuilding from every data file. Default 5 minutes.
   */
  readonly checkpointIntervalMs?: number;
}

export const DEFAULT_CHECKPOINT_INTERVAL_MS = 5 * 60_000;
export const DEFAULT_KEY_FILTER: KeyFilterConfig = { expectedKeys: 1_000_000, fpp: 0.01, checkpointEveryCommits: 10, checkpointIntervalMs: DEFAULT_CHECKPOINT_INTERVAL_MS };

/** Milliseconds since the epoch; tests inject a fake one. */
export type Clock = () => number;

/** Long keys added per turn of the event loop while a backlog drains (~10 ms of work). */
const DRAIN_SLICE = 50_000;

/**
 * The key filter of one table (DESIGN.md "key filter"): loaded from the newest checkpoint and
 * brought up to date from the key columns of data files committed after it. While it is not
 * ready (no checkpoint, unreadable checkpoint, rebuild in progress) `mightContain` answers
 * true: "delete always", never "delete never".
 */
export class KeyFilterStore {
  private ready = false;
  private commitsSinceCheckpoint = 0;
  private lastCheckpointMs: number;
  /** Keys went in since the last checkpoint (or the filter was rebuilt): a checkpoint would differ. */
  private changed = false;
  private filesRead = 0;
  private rebuild: Promise<void> | undefined;
  /** Long keys of committed rows not in the filter yet (addLongs), oldest first. */
  private backlog: { longs: BigInt64Array; next: number; end: number }[] = [];
  private draining: NodeJS.Immediate | undefined;

  private constructor(
    private readonly table: Table,
    private readonly keyColumns: readonly string[],
    private readonly cfg: KeyFilterConfig,
    private readonly log: Logger,
    private filter: KeyFilter,
    private readonly clock: Clock,
  ) {
    this.lastCheckpointMs = clock();
  }

  static async open(table: Table, keyColumns: readonly string[], cfg: KeyFilterConfig, log: Logger, clock: Clock = Date.now): Promise<KeyFilterStore> {
    const store = new KeyFilterStore(table, keyColumns, cfg, log, new KeyFilter({ expectedKeys: cfg.expectedKeys, fpp: cfg.fpp }), clock);
    await store.load();
    return store;
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** A checkpoint written now would hold keys the last one does not. */
  get changedSinceCheckpoint(): boolean {
    return this.ready && (this.changed || this.backlog.length > 0);
  }

  /** Data files whose key columns were read to bring the filter up to date (at open and while rebuilding). */
  get dataFilesRead(): number {
    return this.filesRead;
  }

  mightContain(key: readonly unknown[]): boolean {
    if (!this.ready) return true;
    this.drain();
    return this.filter.mightContainValues(key);
  }

  add(key: readonly unknown[]): void {
    this.drain();
    this.filter.addValues(key);
    this.changed = true;
  }

  /**
   * add([v]) for each v of longs[start, end) (a single long key column; the caller no longer
   * writes to the array), queued: a full load commits a million keys at a time, and adding
   * them is the commit's longest step. `drainSoon()` adds them a slice per turn of the event
   * loop, so the next rows flow meanwhile; every lookup, add and checkpoint first adds what
   * is still queued.
   */
  addLongs(longs: BigInt64Array, start = 0, end = longs.length): void {
    if (end > start) this.backlog.push({ longs, next: start, end });
  }

  /** Starts adding the queued keys in the background (after a commit). */
  drainSoon(): void {
    if (this.backlog.length > 0) this.draining ??= setImmediate(() => this.drainSome());
  }

  private drainSome(): void {
    this.draining = undefined;
    const job = this.backlog[0];
    if (!job) return;
    this.changed = true;
    const to = Math.min(job.end, job.next + DRAIN_SLICE);
    this.filter.addLongs(job.longs, job.next, to);
    job.next = to;
    if (to === job.end) this.backlog.shift();
    if (this.backlog.length > 0) this.draining = setImmediate(() => this.drainSome());
  }

  /** Adds every queued key now. */
  private drain(): void {
    if (this.backlog.length === 0) return;
    this.changed = true;
    for (const job of this.backlog) this.filter.addLongs(job.longs, job.next, job.end);
    this.backlog = [];
    if (this.draining) clearImmediate(this.draining);
    this.draining = undefined;
  }

  /** Waits for a background rebuild and adds the queued keys (tests and shutdown). */
  async settled(): Promise<void> {
    await this.rebuild;
    this.drain();
  }

  /**
   * Called for every commit: returns a checkpoint location to reference from this commit's
   * summary when one is due — every N commits, or `checkpointIntervalMs` after the last one,
   * or now (`final`: a clean stop) — and the filter changed since the last one. The file is
   * written before the commit, so a committed reference always points at a complete file.
   */
  async maybeCheckpoint(final = false): Promise<string | undefined> {
    if (!this.ready) return undefined;
    this.commitsSinceCheckpoint++;
    const now = this.clock();
    const due = final || this.commitsSinceCheckpoint >= this.cfg.checkpointEveryCommits || now - this.lastCheckpointMs >= (this.cfg.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS);
    if (!due || !this.changedSinceCheckpoint) return undefined;
    this.drain();
    const location = this.table.ops.newMetadataLocation(`icetide-key-filter-${randomUUID()}.bin`);
    await this.table.io.write(location, this.filter.serialize());
    this.commitsSinceCheckpoint = 0;
    this.lastCheckpointMs = now;
    this.changed = false;
    return location;
  }

  private async load(): Promise<void> {
    const md = this.table.metadata;
    const chain = [...ancestors(md, md.currentSnapshotId)];
    if (chain.length === 0) {
      this.ready = true; // empty table: nothing was ever written
      return;
    }
    const idx = chain.findIndex((s) => s.summary[SUMMARY.keyFilter] !== undefined);
    // Commits since the newest checkpoint count across runs: short runs (`--once`) would
    // otherwise never reach a checkpoint and rebuild from every data file each time.
    this.commitsSinceCheckpoint = idx >= 0 ? idx : chain.length;
    if (idx >= 0) {
      const location = chain[idx]!.summary[SUMMARY.keyFilter]!;
      try {
        this.filter = KeyFilter.deserialize(await this.table.io.read(location), location);
        await this.addKeysOfSnapshots(chain.slice(0, idx).map((s) => s.snapshotId));
        this.changed = this.filesRead > 0;
        this.ready = true;
        this.log.info('key filter loaded from its checkpoint', { table: this.table.name, checkpoint: location, dataFilesRead: this.filesRead });
        return;
      } catch (err) {
        this.log.warn('key filter checkpoint unusable; writing equality deletes for every key until it is rebuilt', {
          table: this.table.name,
          checkpoint: location,
          error: (err as Error).message,
        });
      }
    } else if (chain.length < this.cfg.checkpointEveryCommits) {
      // None is due yet: the normal state of a young table, not a problem.
      this.log.info('no key filter checkpoint yet; rebuilding it from the data files', { table: this.table.name, commits: chain.length, checkpointEveryCommits: this.cfg.checkpointEveryCommits });
    } else {
      this.log.warn('no key filter checkpoint; writing equality deletes for every key until it is rebuilt', { table: this.table.name });
    }
    this.filter = new KeyFilter({ expectedKeys: this.cfg.expectedKeys, fpp: this.cfg.fpp });
    const snapshotId = md.currentSnapshotId;
    // Keys committed after this point are added by the writer to the same filter object.
    this.rebuild = this.addLiveKeys(snapshotId).then(
      () => {
        this.ready = true;
        this.changed = true; // no checkpoint holds the rebuilt filter yet
        this.log.info('key filter rebuilt', { table: this.table.name, keys: this.filter.size, dataFilesRead: this.filesRead });
      },
      (err: unknown) => this.log.error('key filter rebuild failed; equality deletes stay on for every key', { table: this.table.name, error: (err as Error).message }),
    );
  }

  /** Adds the keys of data files that the given snapshots added. */
  private async addKeysOfSnapshots(snapshotIds: readonly bigint[]): Promise<void> {
    if (snapshotIds.length === 0) return;
    const md = this.table.metadata;
    const ids = new Set(snapshotIds);
    for (const id of snapshotIds) {
      const snap = md.snapshots.find((s) => s.snapshotId === id)!;
      const manifests = (await snapshotManifests(this.table.io, md, snap)).filter((m) => m.content === 'data' && m.addedSnapshotId === id);
      const entries = await readManifestEntries(this.table.io, md, manifests);
      for (const e of entries) if (e.status === 'added' && ids.has(e.snapshotId)) await this.addKeysOfFile(e.dataFile.filePath);
    }
  }

  private async addLiveKeys(snapshotId: bigint | undefined): Promise<void> {
    for (const task of await this.table.planFiles(snapshotId)) await this.addKeysOfFile(task.file.filePath);
  }

  private async addKeysOfFile(path: string): Promise<void> {
    this.filesRead++;
    const schema = this.table.schema();
    const fields = this.keyColumns.map((c) => schema.fields.find((f) => f.name === c)!);
    const projection = new Schema(0, fields);
    for await (const batch of readParquetRows(this.table.io, path, projection)) {
      for (const r of batch) this.filter.addValues(fields.map((f) => r[f.name]));
    }
  }
}
