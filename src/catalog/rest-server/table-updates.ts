/**
 * Applies a REST commit's `updates` to a table's current metadata, in order, with the core's
 * pure metadata transitions (metadata-updates.ts) wherever one exists. The semantics follow
 * Iceberg Java's TableMetadata.Builder: `-1` in set-current-schema / set-default-spec /
 * set-default-sort-order means "the one added last in this commit"; an added schema, spec or
 * sort order identical to an existing one reuses its id. The result is re-read through the
 * metadata parser, so a commit can never leave metadata that icetide (or Java) would reject.
 */
import { IcetideError, InvalidMetadataError, ValidationError } from '../../errors.js';
import { currentSchema, withPartitionSpec, withProperties, withRef, withoutRef, withoutSnapshots } from '../../iceberg/metadata-updates.js';
import type { JsonObject } from '../../iceberg/spec/lossless-json.js';
import type { PartitionSpec } from '../../iceberg/spec/partition-spec.js';
import { partitionSpecFromJson, schemaFromJson, schemaToJson, sortOrderFromJson, sortOrderToJson } from '../../iceberg/spec/schema-json.js';
import type { Schema } from '../../iceberg/spec/schema.js';
import type { SnapshotRef } from '../../iceberg/spec/snapshot.js';
import type { FormatVersion, TableMetadata } from '../../iceberg/spec/table-metadata.js';
import { readPartitionStatisticsFile, readSnapshot, readStatisticsFile, tableMetadataFromJson, tableMetadataToJson } from '../../iceberg/spec/table-metadata-parser.js';
import { badRequest } from './rest-errors.js';
import type { JsonLong, SetSnapshotRefUpdate, TableUpdate } from './rest-wire.js';

/** What "-1" refers to while one commit's updates are applied. */
interface Added {
  schemaId?: number;
  specId?: number;
  orderId?: number;
  readonly snapshotTimes: Map<bigint, number>;
}

const LAST_ADDED = -1;

/** `updates` applied to `base`; a bad update is a 400 naming its index and action. */
export function applyTableUpdates(base: TableMetadata, updates: readonly TableUpdate[], nowMs = Date.now()): TableMetadata {
  const added: Added = { snapshotTimes: new Map() };
  let md = base;
  updates.forEach((u, i) => {
    try {
      md = applyOne(md, u, added, nowMs);
    } catch (err) {
      if (err instanceof IcetideError) throw badRequest(`updates[${i}] (${u.action}): ${err.message}`, { action: u.action });
      throw err;
    }
  });
  if (md === base) return base;
  md = { ...md, lastUpdatedMs: Math.max(nowMs, base.lastUpdatedMs) };
  try {
    // The parser's checks (spec binding, refs -> snapshots, sequence numbers) on the result.
    return tableMetadataFromJson(tableMetadataToJson(md));
  } catch (err) {
    if (err instanceof InvalidMetadataError) throw badRequest(`the updates leave invalid table metadata: ${err.message}`);
    throw err;
  }
}

function applyOne(md: TableMetadata, u: TableUpdate, added: Added, nowMs: number): TableMetadata {
  switch (u.action) {
    case 'assign-uuid':
      return { ...md, tableUuid: u.uuid };
    case 'upgrade-format-version':
      return upgradeFormatVersion(md, u['format-version']);
    case 'add-schema':
      return addSchema(md, u.schema, added);
    case 'set-current-schema': {
      const id = resolveLastAdded(u['schema-id'], added.schemaId, 'schema');
      if (!md.schemas.some((s) => s.schemaId === id)) throw new ValidationError(`schema ${id} does not exist`);
      return { ...md, currentSchemaId: id };
    }
    case 'add-spec':
      return addSpec(md, u.spec, added);
    case 'set-default-spec': {
      const id = resolveLastAdded(u['spec-id'], added.specId, 'partition spec');
      if (!md.partitionSpecs.some((s) => s.specId === id)) throw new ValidationError(`partition spec ${id} does not exist`);
      return { ...md, defaultSpecId: id };
    }
    case 'add-sort-order':
      return addSortOrder(md, u['sort-order'], added);
    case 'set-default-sort-order': {
      const id = resolveLastAdded(u['sort-order-id'], added.orderId, 'sort order');
      if (!md.sortOrders.some((o) => o.orderId === id)) throw new ValidationError(`sort order ${id} does not exist`);
      return { ...md, defaultSortOrderId: id };
    }
    case 'add-snapshot':
      return addSnapshot(md, u.snapshot, added);
    case 'set-snapshot-ref':
      return setRef(md, u, added, nowMs);
    case 'remove-snapshots':
      return withoutSnapshots(md, new Set(u['snapshot-ids'].map((id) => BigInt(id))));
    case 'remove-snapshot-ref':
      // As Java: removing a ref that does not exist changes nothing.
      return u['ref-name'] in md.refs ? withoutRef(md, u['ref-name']) : md;
    case 'set-location':
      return { ...md, location: u.location.replace(/\/+$/, '') };
    case 'set-properties':
      return withProperties(md, u.updates);
    case 'remove-properties':
      return withProperties(md, {}, u.removals);
    case 'set-statistics': {
      const file = readStatisticsFile(u.statistics, 'statistics');
      return { ...md, statistics: [...md.statistics.filter((s) => s.snapshotId !== file.snapshotId), file] };
    }
    case 'remove-statistics':
      return { ...md, statistics: md.statistics.filter((s) => s.snapshotId !== BigInt(u['snapshot-id'])) };
    case 'set-partition-statistics': {
      const file = readPartitionStatisticsFile(u['partition-statistics'], 'partition-statistics');
      return { ...md, partitionStatistics: [...md.partitionStatistics.filter((s) => s.snapshotId !== file.snapshotId), file] };
    }
    case 'remove-partition-statistics':
      return { ...md, partitionStatistics: md.partitionStatistics.filter((s) => s.snapshotId !== BigInt(u['snapshot-id'])) };
  }
}

function resolveLastAdded(id: number, last: number | undefined, what: string): number {
  if (id !== LAST_ADDED) return id;
  if (last === undefined) throw new ValidationError(`-1 means the ${what} added last in this commit, but none was added`);
  return last;
}

function upgradeFormatVersion(md: TableMetadata, version: number): TableMetadata {
  if (version === md.formatVersion) return md;
  if (version < md.formatVersion) throw new ValidationError(`cannot downgrade format version ${md.formatVersion} to ${version}`);
  if (version > 3) throw new ValidationError(`format version ${version} is not supported (at most 3)`);
  return { ...md, formatVersion: version as FormatVersion, ...(version >= 3 && md.nextRowId === undefined ? { nextRowId: 0n } : {}) };
}

/** The schema JSON without its id, to find an identical schema already in the table. */
function schemaShape(s: Schema): string {
  const { 'schema-id': _id, ...rest } = schemaToJson(s);
  return JSON.stringify(rest);
}

function addSchema(md: TableMetadata, json: JsonObject, added: Added): TableMetadata {
  const schema = schemaFromJson(json, 'schema');
  const same = md.schemas.find((s) => schemaShape(s) === schemaShape(schema));
  if (same) {
    added.schemaId = same.schemaId;
    return md;
  }
  const id = md.schemas.reduce((m, s) => Math.max(m, s.schemaId), -1) + 1;
  added.schemaId = id;
  return { ...md, schemas: [...md.schemas, schema.withSchemaId(id)], lastColumnId: Math.max(md.lastColumnId, schema.highestFieldId) };
}

/** `spec-id` is read-only on the wire: the server numbers specs. */
function addSpec(md: TableMetadata, json: JsonObject, added: Added): TableMetadata {
  const fieldsJson = Array.isArray(json['fields']) ? json['fields'] : [];
  const spec = partitionSpecFromJson({ ...json, 'spec-id': 0 }, 'spec');
  for (const f of spec.fields) {
    if (!currentSchema(md).findField(f.sourceId)) throw new ValidationError(`partition field ${f.name}: source field ${f.sourceId} is not in the current schema`);
  }
  const idsGiven = fieldsJson.some((f) => typeof f === 'object' && f !== null && !Array.isArray(f) && Object.hasOwn(f, 'field-id'));
  if (!idsGiven) {
    // No field ids: the core numbers them after last-partition-id (and reuses an identical spec).
    const r = withPartitionSpec(md, spec.fields);
    added.specId = r.specId;
    return r.metadata;
  }
  const same = md.partitionSpecs.find((s) => sameSpec(s, spec));
  if (same) {
    added.specId = same.specId;
    return md;
  }
  const specId = md.partitionSpecs.reduce((m, s) => Math.max(m, s.specId), -1) + 1;
  added.specId = specId;
  const lastPartitionId = spec.fields.reduce((m, f) => Math.max(m, f.fieldId), md.lastPartitionId);
  return { ...md, partitionSpecs: [...md.partitionSpecs, { ...spec, specId }], lastPartitionId };
}

function sameSpec(a: PartitionSpec, b: PartitionSpec): boolean {
  const shape = (s: PartitionSpec) => JSON.stringify(s.fields.map((f) => [f.sourceId, f.fieldId, f.name, JSON.stringify(f.transform)]));
  return shape(a) === shape(b);
}

function addSortOrder(md: TableMetadata, json: JsonObject, added: Added): TableMetadata {
  const order = sortOrderFromJson(json, 'sort-order');
  const shape = (fields: unknown) => JSON.stringify(fields);
  const same = md.sortOrders.find((o) => shape(sortOrderToJson(o)['fields']) === shape(sortOrderToJson(order)['fields']));
  if (same) {
    added.orderId = same.orderId;
    return md;
  }
  // Spec "Sorting": id 0 is the unsorted order, so a new order is numbered from 1.
  const orderId = Math.max(0, ...md.sortOrders.map((o) => o.orderId)) + 1;
  added.orderId = orderId;
  return { ...md, sortOrders: [...md.sortOrders, { ...order, orderId }] };
}

/** Adds a snapshot without moving any ref (a set-snapshot-ref follows, as Java clients send). */
function addSnapshot(md: TableMetadata, json: JsonObject, added: Added): TableMetadata {
  const snap = readSnapshot(md.formatVersion)(json, 'snapshot');
  if (md.snapshots.some((s) => s.snapshotId === snap.snapshotId)) throw new ValidationError(`snapshot ${snap.snapshotId} already exists`);
  // Java's rule: a v2+ snapshot must be above last-sequence-number unless it has no parent.
  if (md.formatVersion >= 2 && snap.sequenceNumber <= md.lastSequenceNumber && snap.parentSnapshotId !== undefined) {
    throw new ValidationError(`sequence number ${snap.sequenceNumber} of snapshot ${snap.snapshotId} is not above last-sequence-number ${md.lastSequenceNumber}`);
  }
  added.snapshotTimes.set(snap.snapshotId, snap.timestampMs);
  const rows = md.formatVersion >= 3 && snap.addedRows !== undefined ? { nextRowId: (md.nextRowId ?? 0n) + snap.addedRows } : {};
  return {
    ...md,
    ...rows,
    snapshots: [...md.snapshots, snap],
    lastSequenceNumber: md.formatVersion >= 2 && snap.sequenceNumber > md.lastSequenceNumber ? snap.sequenceNumber : md.lastSequenceNumber,
    lastUpdatedMs: Math.max(md.lastUpdatedMs, snap.timestampMs),
  };
}

const toNumber = (v: JsonLong | undefined) => (v === undefined ? undefined : Number(v));

function setRef(md: TableMetadata, u: SetSnapshotRefUpdate, added: Added, nowMs: number): TableMetadata {
  const snapshotId = BigInt(u['snapshot-id']);
  const ref: { -readonly [K in keyof SnapshotRef]: SnapshotRef[K] } = { snapshotId, type: u.type };
  const minKeep = u['min-snapshots-to-keep'];
  const maxSnapshotAge = toNumber(u['max-snapshot-age-ms']);
  const maxRefAge = toNumber(u['max-ref-age-ms']);
  if (minKeep !== undefined) ref.minSnapshotsToKeep = minKeep;
  if (maxSnapshotAge !== undefined) ref.maxSnapshotAgeMs = maxSnapshotAge;
  if (maxRefAge !== undefined) ref.maxRefAgeMs = maxRefAge;
  const existing = md.refs[u['ref-name']];
  if (existing && sameRef(existing, ref)) return md;
  // The snapshot log records a snapshot added in this commit at its own time (as Java does).
  return withRef(md, u['ref-name'], ref, added.snapshotTimes.get(snapshotId) ?? nowMs);
}

function sameRef(a: SnapshotRef, b: SnapshotRef): boolean {
  return a.snapshotId === b.snapshotId && a.type === b.type && a.minSnapshotsToKeep === b.minSnapshotsToKeep && a.maxSnapshotAgeMs === b.maxSnapshotAgeMs && a.maxRefAgeMs === b.maxRefAgeMs;
}
