import { ValidationError } from '../errors.js';
import type { FileIO } from '../io/file-io.js';
import { AddPartitionSpec } from './commit/add-partition-spec.js';
import { AppendFiles } from './commit/append-files.js';
import { ExpireSnapshots } from './commit/expire-snapshots.js';
import { ManageSnapshots } from './commit/manage-snapshots.js';
import { DeleteFiles, OverwriteFiles } from './commit/overwrite-files.js';
import { RewriteFiles } from './commit/rewrite-files.js';
import { RowDelta } from './commit/row-delta.js';
import { UpdateProperties } from './commit/update-properties.js';
import { UpdateSchema } from './commit/update-schema.js';
import { currentSchema, currentSnapshot, defaultSpec, findSnapshot } from './metadata-updates.js';
import { planScan, type FileScanTask } from './scan-planner.js';
import { readManifestEntries, snapshotManifests, specIndex } from './snapshot-files.js';
import type { LiveManifestEntry } from './spec/manifest.js';
import type { ManifestFile } from './spec/manifest-list.js';
import type { PartitionSpec } from './spec/partition-spec.js';
import type { Schema } from './spec/schema.js';
import type { Snapshot } from './spec/snapshot.js';
import type { TableMetadata } from './spec/table-metadata.js';
import type { TableOperations, TableState } from './table-operations.js';

/**
 * An Iceberg table: its current metadata plus the operations that read and change it.
 * Every change is a small operation object (newAppend(), newRowDelta(), ...) committed through
 * the shared commit loop; the table's state follows each commit and refresh.
 */
export class Table {
  private current: TableState;
  readonly ops: TableOperations;

  constructor(ops: TableOperations, state: TableState) {
    this.current = state;
    // Track every commit/refresh made through this table's operations.
    this.ops = {
      name: ops.name,
      io: ops.io,
      newMetadataLocation: (f) => ops.newMetadataLocation(f),
      newDataLocation: (f, p) => ops.newDataLocation(f, p),
      refresh: async () => (this.current = await ops.refresh()),
      commit: async (base, md) => (this.current = await ops.commit(base, md)),
    };
  }

  get name(): string {
    return this.ops.name;
  }
  get io(): FileIO {
    return this.ops.io;
  }
  get state(): TableState {
    return this.current;
  }
  get metadata(): TableMetadata {
    return this.current.metadata;
  }
  get metadataLocation(): string | undefined {
    return this.current.metadataLocation;
  }
  get location(): string {
    return this.current.metadata.location;
  }

  async refresh(): Promise<this> {
    await this.ops.refresh();
    return this;
  }

  schema(): Schema {
    return currentSchema(this.metadata);
  }
  spec(): PartitionSpec {
    return defaultSpec(this.metadata);
  }
  specs(): Map<number, PartitionSpec> {
    return specIndex(this.metadata);
  }
  currentSnapshot(): Snapshot | undefined {
    return currentSnapshot(this.metadata);
  }
  snapshots(): readonly Snapshot[] {
    return this.metadata.snapshots;
  }

  snapshot(id: bigint): Snapshot {
    const s = findSnapshot(this.metadata, id);
    if (!s) throw new ValidationError(`table ${this.name} has no snapshot ${id}`, { table: this.name, snapshotId: id });
    return s;
  }

  /** The snapshot to read: the given id, or the current one (undefined for an empty table). */
  resolveSnapshot(snapshotId?: bigint): Snapshot | undefined {
    return snapshotId === undefined ? this.currentSnapshot() : this.snapshot(snapshotId);
  }

  async manifests(snapshotId?: bigint): Promise<ManifestFile[]> {
    const snap = this.resolveSnapshot(snapshotId);
    return snap ? snapshotManifests(this.io, this.metadata, snap) : [];
  }

  /** Every manifest entry of a snapshot (deleted ones included), inheritance applied. */
  async entries(snapshotId?: bigint): Promise<LiveManifestEntry[]> {
    return readManifestEntries(this.io, this.metadata, await this.manifests(snapshotId));
  }

  /** The data files of a snapshot, each with the delete files that apply to it. */
  async planFiles(snapshotId?: bigint): Promise<FileScanTask[]> {
    const snap = this.resolveSnapshot(snapshotId);
    if (!snap) return [];
    return this.planEntries(await this.entries(snap.snapshotId), snap.snapshotId);
  }

  /** planFiles from a snapshot's entries already read (`entries(snapshotId)`), for a caller that needs both. */
  planEntries(entries: readonly LiveManifestEntry[], snapshotId?: bigint): FileScanTask[] {
    const snap = this.resolveSnapshot(snapshotId);
    if (!snap) return [];
    // Equality ids refer to the schema the snapshot was written with, or any older one.
    const schema = snap.schemaId === undefined ? this.schema() : this.metadata.schemas.find((s) => s.schemaId === snap.schemaId) ?? this.schema();
    return planScan({ entries, specs: this.specs(), schema });
  }

  newAppend(): AppendFiles {
    return new AppendFiles(this.ops, this.current);
  }
  newRowDelta(): RowDelta {
    return new RowDelta(this.ops, this.current);
  }
  newOverwrite(): OverwriteFiles {
    return new OverwriteFiles(this.ops, this.current);
  }
  newDelete(): DeleteFiles {
    return new DeleteFiles(this.ops, this.current);
  }
  newRewrite(): RewriteFiles {
    return new RewriteFiles(this.ops, this.current);
  }
  updateProperties(): UpdateProperties {
    return new UpdateProperties(this.ops, this.current);
  }
  /** Adds a spec that does not become the default (see AddPartitionSpec). */
  addPartitionSpec(): AddPartitionSpec {
    return new AddPartitionSpec(this.ops, this.current);
  }
  updateSchema(): UpdateSchema {
    return new UpdateSchema(this.ops, this.current);
  }
  manageSnapshots(): ManageSnapshots {
    return new ManageSnapshots(this.ops, this.current);
  }
  expireSnapshots(): ExpireSnapshots {
    return new ExpireSnapshots(this.ops, this.current);
  }
}
