import { randomUUID } from 'node:crypto';
import { ValidationError } from '../errors.js';
import { PARTITION_DATA_ID_START, type PartitionSpec } from './spec/partition-spec.js';
import type { Schema } from './spec/schema.js';
import { MAIN_BRANCH, type Snapshot, type SnapshotRef } from './spec/snapshot.js';
import type { SortOrder } from './spec/sort-order.js';
import type { FormatVersion, TableMetadata } from './spec/table-metadata.js';

/**
 * Pure transitions of table metadata (spec "Table Metadata"). Each returns a new object and
 * never touches storage; the commit loop applies them to a freshly loaded base.
 */

export interface NewTableOptions {
  readonly location: string;
  readonly schema: Schema;
  readonly spec?: PartitionSpec;
  readonly sortOrder?: SortOrder;
  readonly properties?: Readonly<Record<string, string>>;
  readonly formatVersion?: FormatVersion;
  readonly tableUuid?: string;
  readonly nowMs?: number;
}

export function newTableMetadata(o: NewTableOptions): TableMetadata {
  const spec = o.spec ?? { specId: 0, fields: [] };
  const sortOrder = o.sortOrder ?? { orderId: 0, fields: [] };
  for (const f of spec.fields) {
    if (!o.schema.findField(f.sourceId)) {
      throw new ValidationError(`partition field ${f.name}: source field id ${f.sourceId} is not in the schema`, { field: f.name });
    }
  }
  return {
    formatVersion: o.formatVersion ?? 2,
    tableUuid: o.tableUuid ?? randomUUID(),
    location: o.location.replace(/\/+$/, ''),
    lastSequenceNumber: 0n,
    lastUpdatedMs: o.nowMs ?? Date.now(),
    lastColumnId: o.schema.highestFieldId,
    schemas: [o.schema],
    currentSchemaId: o.schema.schemaId,
    partitionSpecs: [spec],
    defaultSpecId: spec.specId,
    lastPartitionId: spec.fields.reduce((m, f) => Math.max(m, f.fieldId), PARTITION_DATA_ID_START - 1),
    properties: { ...(o.properties ?? {}) },
    snapshots: [],
    snapshotLog: [],
    metadataLog: [],
    sortOrders: [sortOrder],
    defaultSortOrderId: sortOrder.orderId,
    refs: {},
    statistics: [],
    partitionStatistics: [],
  };
}

export function currentSchema(md: TableMetadata): Schema {
  const s = md.schemas.find((x) => x.schemaId === md.currentSchemaId);
  if (!s) throw new ValidationError(`table ${md.location}: current schema ${md.currentSchemaId} is missing`);
  return s;
}

export function defaultSpec(md: TableMetadata): PartitionSpec {
  const s = md.partitionSpecs.find((x) => x.specId === md.defaultSpecId);
  if (!s) throw new ValidationError(`table ${md.location}: default spec ${md.defaultSpecId} is missing`);
  return s;
}

export function findSnapshot(md: TableMetadata, id: bigint): Snapshot | undefined {
  return md.snapshots.find((s) => s.snapshotId === id);
}

export function currentSnapshot(md: TableMetadata): Snapshot | undefined {
  return md.currentSnapshotId === undefined ? undefined : findSnapshot(md, md.currentSnapshotId);
}

/** Snapshots from `id` back through its parents, newest first, while they are in this metadata. */
export function* ancestors(md: TableMetadata, id: bigint | undefined): Generator<Snapshot> {
  const byId = new Map(md.snapshots.map((s) => [s.snapshotId, s]));
  let cur = id === undefined ? undefined : byId.get(id);
  while (cur) {
    yield cur;
    cur = cur.parentSnapshotId === undefined ? undefined : byId.get(cur.parentSnapshotId);
  }
}

/** Snapshot ids from `id` back to the first snapshot, newest first, within this metadata. */
export function ancestorIds(md: TableMetadata, id: bigint | undefined): bigint[] {
  return [...ancestors(md, id)].map((s) => s.snapshotId);
}

/**
 * Adds a snapshot and moves a branch to it (spec "Snapshot References"); the main branch
 * is the table's current snapshot. v2+ tables advance last-sequence-number.
 */
export function withSnapshot(md: TableMetadata, snap: Snapshot, branch: string = MAIN_BRANCH): TableMetadata {
  if (md.snapshots.some((s) => s.snapshotId === snap.snapshotId)) {
    throw new ValidationError(`snapshot id ${snap.snapshotId} already exists in ${md.location}`, { snapshotId: snap.snapshotId });
  }
  if (md.formatVersion >= 2 && snap.sequenceNumber <= md.lastSequenceNumber) {
    throw new ValidationError(
      `sequence number ${snap.sequenceNumber} of snapshot ${snap.snapshotId} is not above last-sequence-number ${md.lastSequenceNumber}`,
    );
  }
  const existing = md.refs[branch];
  const ref: SnapshotRef = { ...(existing ?? {}), snapshotId: snap.snapshotId, type: 'branch' };
  const next: TableMetadata = {
    ...md,
    snapshots: [...md.snapshots, snap],
    lastSequenceNumber: md.formatVersion >= 2 ? snap.sequenceNumber : md.lastSequenceNumber,
    lastUpdatedMs: Math.max(md.lastUpdatedMs, snap.timestampMs),
    refs: { ...md.refs, [branch]: ref },
  };
  if (branch !== MAIN_BRANCH) return next;
  return {
    ...next,
    currentSnapshotId: snap.snapshotId,
    snapshotLog: [...md.snapshotLog, { timestampMs: snap.timestampMs, snapshotId: snap.snapshotId }],
  };
}

/** Points a branch or tag at an existing snapshot (rollback, cherry-pick targets, tags). */
export function withRef(md: TableMetadata, name: string, ref: SnapshotRef, nowMs = Date.now()): TableMetadata {
  if (!findSnapshot(md, ref.snapshotId)) {
    throw new ValidationError(`cannot set ref ${name}: snapshot ${ref.snapshotId} does not exist`, { ref: name, snapshotId: ref.snapshotId });
  }
  if (name === MAIN_BRANCH && ref.type !== 'branch') throw new ValidationError('the main ref must be a branch');
  const refs = { ...md.refs, [name]: ref };
  if (name !== MAIN_BRANCH) return { ...md, refs, lastUpdatedMs: nowMs };
  return {
    ...md,
    refs,
    currentSnapshotId: ref.snapshotId,
    lastUpdatedMs: nowMs,
    snapshotLog: [...md.snapshotLog, { timestampMs: nowMs, snapshotId: ref.snapshotId }],
  };
}

export function withoutRef(md: TableMetadata, name: string): TableMetadata {
  if (!(name in md.refs)) throw new ValidationError(`ref ${name} does not exist`, { ref: name });
  const refs = { ...md.refs };
  delete refs[name];
  if (name !== MAIN_BRANCH) return { ...md, refs };
  const { currentSnapshotId: _drop, ...rest } = md;
  return { ...rest, refs };
}

export function withProperties(md: TableMetadata, set: Readonly<Record<string, string>>, remove: readonly string[] = []): TableMetadata {
  const properties: Record<string, string> = { ...md.properties, ...set };
  for (const k of remove) {
    if (k in set) throw new ValidationError(`property ${k} is both set and removed`, { property: k });
    delete properties[k];
  }
  return { ...md, properties };
}

/** Adds a schema (or reuses an identical one) and makes it current. */
export function withCurrentSchema(md: TableMetadata, schema: Schema): TableMetadata {
  const nextId = md.schemas.reduce((m, s) => Math.max(m, s.schemaId), -1) + 1;
  const added = schema.withSchemaId(nextId);
  return {
    ...md,
    schemas: [...md.schemas, added],
    currentSchemaId: nextId,
    lastColumnId: Math.max(md.lastColumnId, schema.highestFieldId),
  };
}

/** Removes snapshots (expiry); refs must not point at them. Statistics for them go too. */
export function withoutSnapshots(md: TableMetadata, ids: ReadonlySet<bigint>): TableMetadata {
  for (const [name, ref] of Object.entries(md.refs)) {
    if (ids.has(ref.snapshotId)) throw new ValidationError(`cannot expire snapshot ${ref.snapshotId}: ref ${name} points at it`, { ref: name });
  }
  return {
    ...md,
    snapshots: md.snapshots.filter((s) => !ids.has(s.snapshotId)),
    snapshotLog: md.snapshotLog.filter((e) => !ids.has(e.snapshotId)),
    statistics: md.statistics.filter((s) => !ids.has(s.snapshotId)),
    partitionStatistics: md.partitionStatistics.filter((s) => !ids.has(s.snapshotId)),
  };
}

/**
 * Records the metadata file being replaced in the metadata log, keeping at most
 * `write.metadata.previous-versions-max` entries (default 100, as Iceberg Java).
 */
export function withPreviousMetadata(md: TableMetadata, previousLocation: string, previousUpdatedMs: number): TableMetadata {
  const max = Number(md.properties['write.metadata.previous-versions-max'] ?? 100);
  const log = [...md.metadataLog, { timestampMs: previousUpdatedMs, metadataFile: previousLocation }];
  return { ...md, metadataLog: log.slice(Math.max(0, log.length - max)) };
}

/** A random positive 63-bit snapshot id, as Iceberg Java derives from a UUID. */
export function newSnapshotId(): bigint {
  const hex = randomUUID().replace(/-/g, '');
  const hi = BigInt(`0x${hex.slice(0, 16)}`);
  const lo = BigInt(`0x${hex.slice(16)}`);
  const id = (hi ^ lo) & 0x7fffffffffffffffn;
  return id === 0n ? 1n : id;
}

/**
 * Adds a partition spec without making it the default (spec "Partition Evolution": a table
 * keeps every spec its files were written with). An identical spec already present is reused.
 * Field ids follow last-partition-id, so they are never reused.
 */
export function withPartitionSpec(md: TableMetadata, fields: PartitionSpec['fields']): { metadata: TableMetadata; specId: number } {
  const same = md.partitionSpecs.find((s) => s.fields.length === fields.length && s.fields.every((f, i) => f.sourceId === fields[i]!.sourceId && f.name === fields[i]!.name && JSON.stringify(f.transform) === JSON.stringify(fields[i]!.transform)));
  if (same) return { metadata: md, specId: same.specId };
  const specId = md.partitionSpecs.reduce((m, s) => Math.max(m, s.specId), -1) + 1;
  let lastPartitionId = md.lastPartitionId;
  const numbered = fields.map((f) => ({ ...f, fieldId: ++lastPartitionId }));
  return { metadata: { ...md, partitionSpecs: [...md.partitionSpecs, { specId, fields: numbered }], lastPartitionId }, specId };
}
