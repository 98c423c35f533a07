import { randomUUID } from 'node:crypto';
import { mapBounded } from '../../src/concurrency/map-bounded.js';
import { UnsupportedError, ValidationError } from '../../src/errors.js';
import { commitWithRetry, type PendingUpdate } from '../../src/iceberg/commit/commit-loop.js';
import { buildSummary } from '../../src/iceberg/commit/snapshot-summary.js';
import { writeManifestList } from '../../src/iceberg/manifest-list-writer.js';
import { ManifestWriter } from '../../src/iceberg/manifest-writer.js';
import { currentSchema, currentSnapshot, newSnapshotId, withSnapshot } from '../../src/iceberg/metadata-updates.js';
import { MANIFEST_READ_CONCURRENCY, readManifestEntries, snapshotManifests, specIndex } from '../../src/iceberg/snapshot-files.js';
import type { ManifestFile } from '../../src/iceberg/spec/manifest-list.js';
import type { Snapshot } from '../../src/iceberg/spec/snapshot.js';
import type { TableMetadata } from '../../src/iceberg/spec/table-metadata.js';
import type { TableOperations, TableState } from '../../src/iceberg/table-operations.js';
import type { Table } from '../../src/iceberg/table.js';
import { currentWatermark, SUMMARY } from '../../src/sink/resume-state.js';
import { manifestTargetSize, planManifestMerge } from './manifest-merge-plan.js';
import { withInflightMarker } from '../../src/sink/inflight-marker.js';

export interface RewriteManifestsOptions {
  /** Default: table property commit.manifest.target-size-bytes, else 8 MB. */
  readonly targetSizeBytes?: number;
  /** Called once before the first commit attempt (the daemon waits for a quiet moment of the streaming writer). */
  readonly beforeCommit?: () => Promise<void>;
  /** Aborted before the commit: nothing is committed and the written manifests are removed. */
  readonly signal?: AbortSignal;
}

export interface RewriteManifestsReport {
  readonly table: string;
  /** Undefined when nothing needed merging (no commit). */
  readonly snapshotId?: bigint;
  readonly manifestsBefore: number;
  readonly manifestsAfter: number;
  readonly replaced: number;
  readonly created: number;
  /** Bytes of the manifests replaced, and of those written in their place. */
  readonly bytesReplaced: number;
  readonly bytesCreated: number;
}

/** Thrown from apply() when the current snapshot has nothing to merge: no commit is made. */
class NothingToRewrite extends Error {}

/**
 * Merges small manifests of the current snapshot into manifests of about the target size and
 * commits them as a `replace` snapshot with no data change (Iceberg Java RewriteManifests).
 * Every live entry is rewritten as EXISTING with its original snapshot id, data and file
 * sequence numbers (spec "Sequence Numbers": a file's data sequence number must not change, or
 * equality deletes would apply differently); DELETED entries only describe the snapshot that
 * made them and are dropped. The summary carries `icetide.watermark-ms` forward unchanged.
 * A lost race re-plans on the new base (apply reads that base's manifests).
 */
export class RewriteManifests implements PendingUpdate {
  readonly snapshotId = newSnapshotId();
  private readonly writtenPerAttempt: string[][] = [];
  private stats = { before: 0, after: 0, replaced: 0, created: 0, bytesReplaced: 0, bytesCreated: 0 };

  constructor(
    private readonly ops: TableOperations,
    private readonly start: TableState,
    private readonly o: RewriteManifestsOptions = {},
  ) {}

  async validate(): Promise<void> {}

  async apply(base: TableState, attempt: number): Promise<TableMetadata> {
    const written: string[] = [];
    this.writtenPerAttempt.push(written);
    const md = base.metadata;
    if (md.formatVersion >= 3) throw new UnsupportedError(`rewrite-manifests of ${this.ops.name}: format v3 (row lineage) is not supported yet`);
    const parent = currentSnapshot(md);
    if (!parent) throw new NothingToRewrite();
    const manifests = await snapshotManifests(this.ops.io, md, parent);
    const plan = planManifestMerge(manifests, this.o.targetSizeBytes ?? manifestTargetSize(md.properties));
    if (plan.bins.length === 0) throw new NothingToRewrite();
    const target = this.o.targetSizeBytes ?? manifestTargetSize(md.properties);
    const merged = (await mapBounded(plan.bins, MANIFEST_READ_CONCURRENCY, (bin) => this.mergeBin(md, bin, target, written))).flat();
    const sequenceNumber = md.formatVersion >= 2 ? md.lastSequenceNumber + 1n : 0n;
    const listLocation = this.ops.newMetadataLocation(`snap-${this.snapshotId}-${attempt + 1}-${randomUUID()}.avro`);
    written.push(listLocation);
    const all = [...merged, ...plan.keep];
    await writeManifestList(this.ops.io, all, { formatVersion: md.formatVersion, snapshotId: this.snapshotId, parentSnapshotId: parent.snapshotId, sequenceNumber, location: listLocation });
    const replaced = plan.bins.reduce((n, b) => n + b.length, 0);
    const bytes = (ms: readonly ManifestFile[]) => ms.reduce((n, m) => n + Number(m.manifestLength), 0);
    this.stats = { before: manifests.length, after: all.length, replaced, created: merged.length, bytesReplaced: bytes(plan.bins.flat()), bytesCreated: bytes(merged) };
    const extra: Record<string, string> = { 'manifests-created': String(merged.length), 'manifests-replaced': String(replaced), 'manifests-kept': String(plan.keep.length) };
    const wm = currentWatermark(md);
    if (wm !== undefined) extra[SUMMARY.watermark] = String(wm);
    const snapshot: Snapshot = {
      snapshotId: this.snapshotId,
      parentSnapshotId: parent.snapshotId,
      sequenceNumber,
      timestampMs: Math.max(Date.now(), md.lastUpdatedMs),
      manifestList: listLocation,
      summary: buildSummary('replace', { added: [], removed: [] }, parent.summary, extra),
      schemaId: md.currentSchemaId,
    };
    if (attempt === 0) await this.o.beforeCommit?.();
    this.o.signal?.throwIfAborted();
    return withSnapshot(md, snapshot);
  }

  /** One bin -> manifests of about `target` bytes, estimated from the inputs' bytes per entry. */
  private async mergeBin(md: TableMetadata, bin: readonly ManifestFile[], target: number, written: string[]): Promise<ManifestFile[]> {
    const spec = specIndex(md).get(bin[0]!.partitionSpecId);
    if (!spec) throw new ValidationError(`manifest ${bin[0]!.manifestPath} uses partition spec ${bin[0]!.partitionSpecId}, unknown to ${this.ops.name}`);
    const entries = (await readManifestEntries(this.ops.io, md, bin)).filter((e) => e.status !== 'deleted');
    if (entries.length === 0) return [];
    const bytesPerEntry = Math.max(1, bin.reduce((n, m) => n + Number(m.manifestLength), 0) / entries.length);
    const perManifest = Math.max(1, Math.floor(target / bytesPerEntry));
    const out: ManifestFile[] = [];
    for (let i = 0; i < entries.length; i += perManifest) {
      const location = this.ops.newMetadataLocation(`${randomUUID()}-m0.avro`);
      written.push(location);
      const w = new ManifestWriter({ formatVersion: md.formatVersion, spec, schema: currentSchema(md), schemas: md.schemas, content: bin[0]!.content, snapshotId: this.snapshotId, location });
      for (const e of entries.slice(i, i + perManifest)) w.existing(e);
      out.push(await w.write(this.ops.io));
    }
    return out;
  }

  async cleanup(committed: TableState | undefined): Promise<void> {
    const last = committed ? this.writtenPerAttempt.length - 1 : -1;
    const garbage = this.writtenPerAttempt.filter((_, i) => i !== last).flat();
    // Best effort: anything left is an orphan that remove-orphans finds.
    await mapBounded(garbage, 8, (p) => this.ops.io.delete(p).catch(() => undefined));
  }

  /** Commits; undefined when there was nothing to merge. */
  async commit(): Promise<RewriteManifestsReport> {
    try {
      const state = await commitWithRetry(this.ops, this, this.start);
      if (!state.metadata.snapshots.some((s) => s.snapshotId === this.snapshotId)) throw new ValidationError(`snapshot ${this.snapshotId} missing after commit to ${this.ops.name}`);
      const st = this.stats;
      return { table: this.ops.name, snapshotId: this.snapshotId, manifestsBefore: st.before, manifestsAfter: st.after, replaced: st.replaced, created: st.created, bytesReplaced: st.bytesReplaced, bytesCreated: st.bytesCreated };
    } catch (err) {
      if (!(err instanceof NothingToRewrite)) throw err;
      return { table: this.ops.name, manifestsBefore: this.stats.before, manifestsAfter: this.stats.before, replaced: 0, created: 0, bytesReplaced: 0, bytesCreated: 0 };
    }
  }
}

/** Library entry point: merge the current snapshot's small manifests. */
export async function rewriteManifests(table: Table, o: RewriteManifestsOptions = {}): Promise<RewriteManifestsReport> {
  return withInflightMarker(table, () => rewriteManifestsMarked(table, o));
}

async function rewriteManifestsMarked(table: Table, o: RewriteManifestsOptions = {}): Promise<RewriteManifestsReport> {
  await table.refresh();
  const report = await new RewriteManifests(table.ops, table.state, o).commit();
  if (report.snapshotId === undefined) {
    const n = (await table.manifests()).length;
    return { ...report, manifestsBefore: n, manifestsAfter: n };
  }
  return report;
}
