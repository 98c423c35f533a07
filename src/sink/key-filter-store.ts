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
}

export const DEFAULT_KEY_FILTER: KeyFilterConfig = { expectedKeys: 1_000_000, fpp: 0.01, checkpointEveryCommits: 10 };

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
  ) {}

  static async open(table: Table, keyColumns: readonly string[], cfg: KeyFilterConfig, log: Logger): Promise<KeyFilterStore> {
    const store = new KeyFilterStore(table, keyColumns, cfg, log, new KeyFilter({ expectedKeys: cfg.expectedKeys, fpp: cfg.fpp }));
    await store.load();
    return store;
  }

  get isReady(): boolean {
    return this.ready;
  }

  mightContain(key: readonly unknown[]): boolean {
    if (!this.ready) return true;
    this.drain();
    return this.filter.mightContainValues(key);
  }

  add(key: readonly unknown[]): void {
    this.drain();
    this.filter.addValues(key);
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
    const to = Math.min(job.end, job.next + DRAIN_SLICE);
    this.filter.addLongs(job.longs, job.next, to);
    job.next = to;
    if (to === job.end) this.backlog.shift();
    if (this.backlog.length > 0) this.draining = setImmediate(() => this.drainSome());
  }

  /** Adds every queued key now. */
  private drain(): void {
    if (this.backlog.length === 0) return;
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
   * summary when one is due (the file is written before the commit, so a committed
   * reference always points at a complete file).
   */
  async maybeCheckpoint(): Promise<string | undefined> {
    if (!this.ready || ++this.commitsSinceCheckpoint < this.cfg.checkpointEveryCommits) return undefined;
    this.commitsSinceCheckpoint = 0;
    this.drain();
    const location = this.table.ops.newMetadataLocation(`icetide-key-filter-${randomUUID()}.bin`);
    await this.table.io.write(location, this.filter.serialize());
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
        this.ready = true;
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
        this.log.info('key filter rebuilt', { table: this.table.name, keys: this.filter.size });
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
    const schema = this.table.schema();
    const fields = this.keyColumns.map((c) => schema.fields.find((f) => f.name === c)!);
    const projection = new Schema(0, fields);
    for await (const batch of readParquetRows(this.table.io, path, projection)) {
      for (const r of batch) this.filter.addValues(fields.map((f) => r[f.name]));
    }
  }
}
