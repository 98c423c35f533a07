import { randomUUID } from 'node:crypto';
import { ValidationError } from '../../errors.js';
import { mapBounded } from '../../concurrency/map-bounded.js';
import { writeManifestList } from '../manifest-list-writer.js';
import { ManifestWriter } from '../manifest-writer.js';
import { currentSchema, currentSnapshot, newSnapshotId, withSnapshot } from '../metadata-updates.js';
import { readManifestEntries, snapshotManifests, specIndex } from '../snapshot-files.js';
import type { DataFile } from '../spec/manifest.js';
import type { ManifestFile } from '../spec/manifest-list.js';
import type { Snapshot, SnapshotOperation } from '../spec/snapshot.js';
import type { TableMetadata } from '../spec/table-metadata.js';
import type { TableOperations, TableState } from '../table-operations.js';
import { changesSince, type CommittedChanges } from './changes-since.js';
import { commitWithRetry, type PendingUpdate } from './commit-loop.js';
import { manifestMergePolicy, planManifestMerge } from './manifest-merge.js';
import { buildSummary } from './snapshot-summary.js';

export interface FileAddition {
  readonly file: DataFile;
  /** Rewrites keep the data sequence number of the files they replace (spec "Sequence Numbers"). */
  readonly dataSequenceNumber?: bigint;
}

/**
 * Turns a set of file additions and removals into a new snapshot: manifests for the added
 * files (written once, reused by every retry), rewritten manifests for removals, a manifest
 * list, and a summary. Subclasses say which operation it is and which invariants to check.
 */
export abstract class SnapshotProducer implements PendingUpdate {
  readonly snapshotId = newSnapshotId();
  protected readonly additions: FileAddition[] = [];
  protected readonly removals = new Set<string>();
  private readonly summaryProps: Record<string, string> = {};
  private addedManifests: ManifestFile[] | undefined;
  private readonly writtenPerAttempt: string[][] = [];
  private attemptFiles: string[] = [];
  /** Manifests the latest attempt's manifest list references. */
  private listed = new Set<string>();

  constructor(
    protected readonly ops: TableOperations,
    protected readonly start: TableState,
  ) {}

  protected abstract operation(): SnapshotOperation;

  /** Checks the invariants of this operation against what was committed since it started. */
  protected abstract validateChanges(since: CommittedChanges, base: TableState): void;

  /** Adds a property to the snapshot summary (e.g. `icetide.source-position`). */
  set(key: string, value: string): this {
    if (key === 'operation') throw new ValidationError('the summary key "operation" is set by the operation itself');
    this.summaryProps[key] = value;
    return this;
  }

  /** Commits, retrying lost races; returns the new snapshot. */
  async commit(): Promise<{ state: TableState; snapshot: Snapshot }> {
    const state = await commitWithRetry(this.ops, this, this.start);
    const snapshot = state.metadata.snapshots.find((s) => s.snapshotId === this.snapshotId);
    if (!snapshot) throw new ValidationError(`snapshot ${this.snapshotId} missing after commit to ${this.ops.name}`);
    return { state, snapshot };
  }

  async validate(base: TableState, start: TableState): Promise<void> {
    if (this.needsValidation()) {
      const since = await changesSince(this.ops.io, base.metadata, start.metadata.currentSnapshotId, this.ops.name);
      this.validateChanges(since, base);
    }
  }

  /** Whether validateChanges must see concurrent commits (appends need nothing). */
  protected needsValidation(): boolean {
    return true;
  }

  async apply(base: TableState, attempt: number): Promise<TableMetadata> {
    this.attemptFiles = [];
    this.writtenPerAttempt.push(this.attemptFiles);
    const md = base.metadata;
    this.checkFormat(md);
    const parent = currentSnapshot(md);
    const sequenceNumber = md.formatVersion >= 2 ? md.lastSequenceNumber + 1n : 0n;
    const baseManifests = parent ? await snapshotManifests(this.ops.io, md, parent) : [];
    const { kept, removed } = await this.applyRemovals(md, baseManifests);
    const added = await this.writeAddedManifests(md);
    const manifests = await this.mergeManifests(md, [...added, ...kept]);
    this.listed = new Set(manifests.map((m) => m.manifestPath));
    const listLocation = this.ops.newMetadataLocation(`snap-${this.snapshotId}-${attempt + 1}-${randomUUID()}.avro`);
    this.attemptFiles.push(listLocation);
    await writeManifestList(this.ops.io, manifests, {
      formatVersion: md.formatVersion,
      snapshotId: this.snapshotId,
      ...(parent ? { parentSnapshotId: parent.snapshotId } : {}),
      sequenceNumber,
      location: listLocation,
    });
    const summary = buildSummary(this.operation(), { added: this.additions.map((a) => a.file), removed }, parent?.summary, this.summaryProps);
    const snapshot: Snapshot = {
      snapshotId: this.snapshotId,
      ...(parent ? { parentSnapshotId: parent.snapshotId } : {}),
      sequenceNumber,
      timestampMs: Math.max(Date.now(), md.lastUpdatedMs),
      manifestList: listLocation,
      summary,
      schemaId: md.currentSchemaId,
    };
    return withSnapshot(md, snapshot);
  }

  async cleanup(committed: TableState | undefined): Promise<void> {
    // Everything this operation wrote that the committed manifest list does not reference is
    // garbage: failed attempts' lists and rewritten manifests, and manifests merged away.
    const keep = new Set<string>();
    if (committed) {
      const snap = committed.metadata.snapshots.find((s) => s.snapshotId === this.snapshotId);
      if (snap?.manifestList) keep.add(snap.manifestList);
      for (const p of this.listed) keep.add(p);
    }
    const written = new Set([...this.writtenPerAttempt.flat(), ...(this.addedManifests ?? []).map((m) => m.manifestPath)]);
    const garbage = [...written].filter((p) => !keep.has(p));
    // Best effort: what is left behind is an orphan the orphan remover finds later.
    await mapBounded(garbage, 8, (p) => this.ops.io.delete(p).catch(() => undefined));
  }

  private checkFormat(md: TableMetadata): void {
    if (md.formatVersion < 2 && this.additions.some((a) => a.file.content !== 'data')) {
      throw new ValidationError(`table ${this.ops.name} is format v1: delete files need format v2 (set format-version=2)`, { table: this.ops.name });
    }
  }

  /** Rewrites the manifests that hold removed files; the rest are carried over untouched. */
  private async applyRemovals(md: TableMetadata, manifests: readonly ManifestFile[]): Promise<{ kept: ManifestFile[]; removed: DataFile[] }> {
    // Manifests whose files were all deleted by earlier snapshots carry nothing live.
    const live = manifests.filter((m) => m.addedFilesCount === undefined || m.existingFilesCount === undefined || m.addedFilesCount + m.existingFilesCount > 0 || m.addedSnapshotId === this.snapshotId);
    if (this.removals.size === 0) return { kept: live, removed: [] };
    const removed: DataFile[] = [];
    const found = new Set<string>();
    const schema = currentSchema(md);
    const specs = specIndex(md);
    const kept = await mapBounded(live, 8, async (m) => {
      const entries = await readManifestEntries(this.ops.io, md, [m]);
      if (!entries.some((e) => e.status !== 'deleted' && this.removals.has(e.dataFile.filePath))) return m;
      const writer = new ManifestWriter({
        formatVersion: md.formatVersion,
        spec: specs.get(m.partitionSpecId)!,
        schema,
        schemas: md.schemas,
        content: m.content,
        snapshotId: this.snapshotId,
        location: this.newManifestLocation(),
      });
      for (const e of entries) {
        if (e.status === 'deleted') continue;
        if (this.removals.has(e.dataFile.filePath)) {
          writer.delete(e);
          removed.push(e.dataFile);
          found.add(e.dataFile.filePath);
        } else writer.existing(e);
      }
      return writer.write(this.ops.io);
    });
    const missing = [...this.removals].filter((p) => !found.has(p));
    if (missing.length > 0) {
      throw new ValidationError(`cannot remove ${missing.length} file(s) not live in ${this.ops.name}: ${missing.slice(0, 3).join(', ')}`, {
        table: this.ops.name,
      });
    }
    return { kept, removed };
  }

  private async writeAddedManifests(md: TableMetadata): Promise<ManifestFile[]> {
    if (this.addedManifests) return this.addedManifests;
    const groups = new Map<string, FileAddition[]>();
    for (const a of this.additions) {
      const key = `${a.file.content === 'data' ? 'data' : 'deletes'}:${a.file.specId}`;
      const g = groups.get(key) ?? [];
      g.push(a);
      groups.set(key, g);
    }
    const specs = specIndex(md);
    const schema = currentSchema(md);
    const out: ManifestFile[] = [];
    for (const [key, files] of groups) {
      const specId = files[0]!.file.specId;
      const spec = specs.get(specId);
      if (!spec) throw new ValidationError(`file ${files[0]!.file.filePath} uses partition spec ${specId}, unknown to ${this.ops.name}`);
      const writer = new ManifestWriter({
        formatVersion: md.formatVersion,
        spec,
        schema,
        schemas: md.schemas,
        content: key.startsWith('data') ? 'data' : 'deletes',
        snapshotId: this.snapshotId,
        location: this.newManifestLocation(),
      });
      for (const a of files) writer.add(a.file, a.dataSequenceNumber);
      out.push(await writer.write(this.ops.io));
    }
    this.addedManifests = out;
    return out;
  }

  /**
   * Merge-append (Iceberg Java MergingSnapshotProducer): once a spec has many small
   * manifests, they are merged into fewer in this commit, so planning stays fast for tables
   * that commit every second. Entries keep their snapshot ids and data/file sequence numbers
   * (written explicitly as EXISTING, or as ADDED with inherited numbers when this snapshot
   * added them); DELETED entries of earlier snapshots are dropped, as in Java.
   */
  private async mergeManifests(md: TableMetadata, manifests: readonly ManifestFile[]): Promise<ManifestFile[]> {
    const bins = planManifestMerge(manifests, manifestMergePolicy(md.properties));
    if (bins.length === 0) return [...manifests];
    const specs = specIndex(md);
    const schema = currentSchema(md);
    const replaced = new Map<ManifestFile, ManifestFile | null>();
    for (const bin of bins) {
      const first = bin[0]!;
      const writer = new ManifestWriter({
        formatVersion: md.formatVersion,
        spec: specs.get(first.partitionSpecId)!,
        schema,
        schemas: md.schemas,
        content: first.content,
        snapshotId: this.snapshotId,
        location: this.newManifestLocation(),
      });
      // Entries this snapshot wrote still carry unassigned numbers: read them with the
      // inheritance they will get, so EXISTING copies are never written with placeholders.
      for (const m of bin) {
        const mine = m.addedSnapshotId === this.snapshotId;
        const entries = await readManifestEntries(this.ops.io, md, [mine ? { ...m, sequenceNumber: 0n, minSequenceNumber: 0n } : m]);
        for (const e of entries) {
          if (mine && e.status === 'added') writer.add(e.dataFile, this.pinnedSequence(e.dataFile));
          else if (mine && e.status === 'deleted') writer.delete(e);
          else if (e.status !== 'deleted') writer.existing(e);
        }
      }
      const merged = await writer.write(this.ops.io);
      bin.forEach((m, i) => replaced.set(m, i === 0 ? merged : null));
    }
    return manifests.flatMap((m) => {
      if (!replaced.has(m)) return [m];
      const r = replaced.get(m);
      return r ? [r] : [];
    });
  }

  private pinned: Map<string, bigint> | undefined;
  /** The data sequence number an added file was pinned to (rewrites), if any. */
  private pinnedSequence(file: DataFile): bigint | undefined {
    this.pinned ??= new Map(this.additions.flatMap((a) => (a.dataSequenceNumber === undefined ? [] : [[a.file.filePath, a.dataSequenceNumber] as const])));
    return this.pinned.get(file.filePath);
  }

  private manifestCounter = 0;
  private readonly manifestPrefix = randomUUID();
  private newManifestLocation(): string {
    const loc = this.ops.newMetadataLocation(`${this.manifestPrefix}-m${this.manifestCounter++}.avro`);
    this.attemptFiles.push(loc);
    return loc;
  }
}
