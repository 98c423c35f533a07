/**
 * A commit as the REST protocol carries it (CommitTableRequest): requirements the server
 * checks against its current metadata, then updates it applies, never a whole metadata file.
 * Both are derived from the commit's base and the metadata the operation produced, so every
 * operation of the commit loop (appends, row deltas, rewrites, expiry, schema/spec/property
 * changes, ref moves) commits through REST without knowing about it.
 */
import { UnsupportedError } from '../../errors.js';
import type { JsonObject, JsonValue } from '../../iceberg/spec/lossless-json.js';
import { partitionSpecToJson, schemaToJson, sortOrderToJson } from '../../iceberg/spec/schema-json.js';
import type { Schema } from '../../iceberg/spec/schema.js';
import { MAIN_BRANCH, type SnapshotRef } from '../../iceberg/spec/snapshot.js';
import { tableMetadataToJson } from '../../iceberg/spec/table-metadata-parser.js';
import type { TableMetadata } from '../../iceberg/spec/table-metadata.js';

export interface TableChanges {
  readonly requirements: JsonObject[];
  readonly updates: JsonObject[];
  /** Snapshots the commit adds: how a commit of unknown outcome is recognised later. */
  readonly addedSnapshotIds: bigint[];
}

function refToJson(name: string, ref: SnapshotRef): JsonObject {
  const out: JsonObject = { action: 'set-snapshot-ref', 'ref-name': name, type: ref.type, 'snapshot-id': ref.snapshotId };
  if (ref.minSnapshotsToKeep !== undefined) out['min-snapshots-to-keep'] = ref.minSnapshotsToKeep;
  if (ref.maxSnapshotAgeMs !== undefined) out['max-snapshot-age-ms'] = ref.maxSnapshotAgeMs;
  if (ref.maxRefAgeMs !== undefined) out['max-ref-age-ms'] = ref.maxRefAgeMs;
  return out;
}

function sameRef(a: SnapshotRef | undefined, b: SnapshotRef | undefined): boolean {
  return a?.snapshotId === b?.snapshotId && a?.type === b?.type && a?.minSnapshotsToKeep === b?.minSnapshotsToKeep && a?.maxSnapshotAgeMs === b?.maxSnapshotAgeMs && a?.maxRefAgeMs === b?.maxRefAgeMs;
}

/** A schema's structure without its id: servers may renumber schemas they are sent. */
function schemaShape(s: Schema): string {
  const { 'schema-id': _id, ...rest } = schemaToJson(s);
  return JSON.stringify(rest);
}

function byId<T>(list: readonly T[], id: (t: T) => number): Map<number, T> {
  return new Map(list.map((t) => [id(t), t]));
}

/**
 * Requirements: the table is the one loaded (assert-table-uuid) and main is where the base
 * saw it (assert-ref-snapshot-id, null when it had none: a lost race is a 409), plus the id
 * counters each kind of update depends on (as Iceberg Java's UpdateRequirements).
 */
export function tableChanges(base: TableMetadata, next: TableMetadata): TableChanges {
  const requirements: JsonObject[] = [{ type: 'assert-table-uuid', uuid: base.tableUuid }];
  const asserted = new Set<string>();
  const assertRef = (name: string) => {
    if (asserted.has(name)) return;
    asserted.add(name);
    requirements.push({ type: 'assert-ref-snapshot-id', ref: name, 'snapshot-id': base.refs[name]?.snapshotId ?? null });
  };
  assertRef(MAIN_BRANCH);
  const updates: JsonObject[] = [];
  const nextJson = tableMetadataToJson(next);

  if (next.tableUuid !== base.tableUuid) throw new UnsupportedError(`table ${base.location}: a commit cannot change the table uuid`);
  if (next.formatVersion !== base.formatVersion) updates.push({ action: 'upgrade-format-version', 'format-version': next.formatVersion });

  const baseSchemas = byId(base.schemas, (s) => s.schemaId);
  const addedSchemas = next.schemas.filter((s) => !baseSchemas.has(s.schemaId));
  if (addedSchemas.length > 0) requirements.push({ type: 'assert-last-assigned-field-id', 'last-assigned-field-id': base.lastColumnId });
  for (const s of addedSchemas) updates.push({ action: 'add-schema', schema: schemaToJson(s), 'last-column-id': next.lastColumnId });
  if (next.currentSchemaId !== base.currentSchemaId) {
    requirements.push({ type: 'assert-current-schema-id', 'current-schema-id': base.currentSchemaId });
    // -1 = "the schema added last": the server may number an added schema itself.
    const lastAdded = addedSchemas[addedSchemas.length - 1];
    updates.push({ action: 'set-current-schema', 'schema-id': lastAdded?.schemaId === next.currentSchemaId ? -1 : next.currentSchemaId });
  }

  const baseSpecs = byId(base.partitionSpecs, (s) => s.specId);
  const addedSpecs = next.partitionSpecs.filter((s) => !baseSpecs.has(s.specId));
  if (addedSpecs.length > 0) requirements.push({ type: 'assert-last-assigned-partition-id', 'last-assigned-partition-id': base.lastPartitionId });
  for (const s of addedSpecs) updates.push({ action: 'add-spec', spec: partitionSpecToJson(s) });
  if (next.defaultSpecId !== base.defaultSpecId) {
    requirements.push({ type: 'assert-default-spec-id', 'default-spec-id': base.defaultSpecId });
    const lastAdded = addedSpecs[addedSpecs.length - 1];
    updates.push({ action: 'set-default-spec', 'spec-id': lastAdded?.specId === next.defaultSpecId ? -1 : next.defaultSpecId });
  }

  const baseOrders = byId(base.sortOrders, (o) => o.orderId);
  const addedOrders = next.sortOrders.filter((o) => !baseOrders.has(o.orderId));
  for (const o of addedOrders) updates.push({ action: 'add-sort-order', 'sort-order': sortOrderToJson(o) });
  if (next.defaultSortOrderId !== base.defaultSortOrderId) {
    requirements.push({ type: 'assert-default-sort-order-id', 'default-sort-order-id': base.defaultSortOrderId });
    const lastAdded = addedOrders[addedOrders.length - 1];
    updates.push({ action: 'set-default-sort-order', 'sort-order-id': lastAdded?.orderId === next.defaultSortOrderId ? -1 : next.defaultSortOrderId });
  }

  if (next.location !== base.location) updates.push({ action: 'set-location', location: next.location });

  const setProps: Record<string, string> = {};
  for (const [k, v] of Object.entries(next.properties)) if (base.properties[k] !== v) setProps[k] = v;
  const removedProps = Object.keys(base.properties).filter((k) => !Object.hasOwn(next.properties, k));
  if (Object.keys(setProps).length > 0) updates.push({ action: 'set-properties', updates: setProps });
  if (removedProps.length > 0) updates.push({ action: 'remove-properties', removals: removedProps });

  const baseSnapshotIds = new Set(base.snapshots.map((s) => s.snapshotId));
  const addedSnapshotIds: bigint[] = [];
  next.snapshots.forEach((s, i) => {
    if (baseSnapshotIds.has(s.snapshotId)) return;
    addedSnapshotIds.push(s.snapshotId);
    updates.push({ action: 'add-snapshot', snapshot: (nextJson['snapshots'] as JsonValue[])[i]! });
  });

  for (const name of Object.keys(base.refs)) {
    if (next.refs[name] !== undefined) continue;
    assertRef(name);
    updates.push({ action: 'remove-snapshot-ref', 'ref-name': name });
  }
  for (const [name, ref] of Object.entries(next.refs)) {
    if (sameRef(base.refs[name], ref)) continue;
    assertRef(name);
    updates.push(refToJson(name, ref));
  }

  const nextSnapshotIds = new Set(next.snapshots.map((s) => s.snapshotId));
  const removedSnapshots = base.snapshots.filter((s) => !nextSnapshotIds.has(s.snapshotId)).map((s) => s.snapshotId);
  if (removedSnapshots.length > 0) updates.push({ action: 'remove-snapshots', 'snapshot-ids': removedSnapshots });

  const nextSchemaIds = new Set(next.schemas.map((s) => s.schemaId));
  const removedSchemas = base.schemas.filter((s) => !nextSchemaIds.has(s.schemaId)).map((s) => s.schemaId);
  if (removedSchemas.length > 0) updates.push({ action: 'remove-schemas', 'schema-ids': removedSchemas });
  const nextSpecIds = new Set(next.partitionSpecs.map((s) => s.specId));
  const removedSpecs = base.partitionSpecs.filter((s) => !nextSpecIds.has(s.specId)).map((s) => s.specId);
  if (removedSpecs.length > 0) updates.push({ action: 'remove-partition-specs', 'spec-ids': removedSpecs });

  statisticsChanges(base, next, nextJson, updates);
  return { requirements, updates, addedSnapshotIds };
}

function statisticsChanges(base: TableMetadata, next: TableMetadata, nextJson: JsonObject, updates: JsonObject[]): void {
  const key = (s: { snapshotId: bigint; statisticsPath: string }) => `${s.snapshotId}:${s.statisticsPath}`;
  const baseStats = new Set(base.statistics.map(key));
  next.statistics.forEach((s, i) => {
    if (!baseStats.has(key(s))) updates.push({ action: 'set-statistics', statistics: (nextJson['statistics'] as JsonValue[])[i]! });
  });
  const nextStatSnapshots = new Set(next.statistics.map((s) => s.snapshotId));
  for (const s of base.statistics) if (!nextStatSnapshots.has(s.snapshotId)) updates.push({ action: 'remove-statistics', 'snapshot-id': s.snapshotId });
  const basePart = new Set(base.partitionStatistics.map(key));
  next.partitionStatistics.forEach((s, i) => {
    if (!basePart.has(key(s))) updates.push({ action: 'set-partition-statistics', 'partition-statistics': (nextJson['partition-statistics'] as JsonValue[])[i]! });
  });
  const nextPartSnapshots = new Set(next.partitionStatistics.map((s) => s.snapshotId));
  for (const s of base.partitionStatistics) if (!nextPartSnapshots.has(s.snapshotId)) updates.push({ action: 'remove-partition-statistics', 'snapshot-id': s.snapshotId });
}

/**
 * Whether `current` (the table re-read after a commit of unknown outcome) holds what the commit
 * meant: its new snapshots when it added any (a snapshot id is unique to one commit), else
 * every other change it made (properties, refs, removed snapshots, schema, spec, location).
 */
export function commitLanded(current: TableMetadata, next: TableMetadata, changes: TableChanges): boolean {
  if (current.tableUuid !== next.tableUuid) return false;
  if (changes.addedSnapshotIds.length > 0) {
    const have = new Set(current.snapshots.map((s) => s.snapshotId));
    return changes.addedSnapshotIds.every((id) => have.has(id));
  }
  const haveSnapshots = new Set(current.snapshots.map((s) => s.snapshotId));
  for (const u of changes.updates) {
    switch (u['action']) {
      case 'set-properties':
        if (Object.entries(u['updates'] as Record<string, string>).some(([k, v]) => current.properties[k] !== v)) return false;
        break;
      case 'remove-properties':
        if ((u['removals'] as string[]).some((k) => Object.hasOwn(current.properties, k))) return false;
        break;
      case 'set-snapshot-ref':
      case 'remove-snapshot-ref': {
        const name = u['ref-name'] as string;
        if (current.refs[name]?.snapshotId !== next.refs[name]?.snapshotId) return false;
        break;
      }
      case 'remove-snapshots':
        if ((u['snapshot-ids'] as bigint[]).some((id) => haveSnapshots.has(id))) return false;
        break;
      case 'set-current-schema': {
        const want = next.schemas.find((s) => s.schemaId === next.currentSchemaId)!;
        const have = current.schemas.find((s) => s.schemaId === current.currentSchemaId);
        if (!have || schemaShape(have) !== schemaShape(want)) return false;
        break;
      }
      case 'add-schema':
        if (!current.schemas.some((s) => schemaShape(s) === schemaShape(next.schemas.find((n) => n.schemaId === ((u['schema'] as JsonObject)['schema-id'] as number))!))) return false;
        break;
      case 'add-spec':
      case 'set-default-spec':
        if (current.lastPartitionId < next.lastPartitionId) return false;
        break;
      case 'set-location':
        if (current.location !== next.location) return false;
        break;
      case 'upgrade-format-version':
        if (current.formatVersion < next.formatVersion) return false;
        break;
      default:
        // statistics, sort orders: no cheap test; unknown stays unknown.
        return false;
    }
  }
  return true;
}
