/**
 * Table metadata JSON (spec "Table Metadata Fields", Appendix C "Table Metadata and Snapshots").
 * Reads format versions 1-3 into the one TableMetadata shape, resolving v1 legacy forms the
 * way the reference implementation does; writes each version's own shape back.
 */
import { IcetideError, InvalidMetadataError, UnsupportedError, UnsupportedFormatVersionError } from '../../errors.js';
import {
  describeJson,
  hasField,
  invalid,
  jsonPath,
  listOf,
  optional,
  parseJson,
  readArray,
  readInt,
  readLong,
  readObject,
  readSafeLong,
  readString,
  readStringMap,
  required,
  setOwn,
  stringifyJson,
  type JsonObject,
} from './lossless-json.js';
import { PARTITION_DATA_ID_START, type PartitionSpec } from './partition-spec.js';
import type { Schema } from './schema.js';
import {
  partitionFieldsFromJson,
  partitionFieldsToJson,
  partitionSpecFromJson,
  partitionSpecToJson,
  schemaFromJson,
  schemaToJson,
  sortOrderFromJson,
  sortOrderToJson,
} from './schema-json.js';
import {
  MAIN_BRANCH,
  type BlobMetadata,
  type MetadataLogEntry,
  type PartitionStatisticsFile,
  type Snapshot,
  type SnapshotLogEntry,
  type SnapshotOperation,
  type SnapshotRef,
  type SnapshotSummary,
  type StatisticsFile,
} from './snapshot.js';
import { UNSORTED_ORDER, type SortOrder } from './sort-order.js';
import type { FormatVersion, TableMetadata } from './table-metadata.js';

const SUPPORTED_VERSIONS: readonly number[] = [1, 2, 3];
/** Java writes -1 for "no current snapshot" (spec Appendix F). */
const NO_SNAPSHOT = -1n;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** An error whose message already names `field` (worded like the reference implementation's). */
function fieldError(field: string, message: string): InvalidMetadataError {
  return new InvalidMetadataError(message, { field });
}

// --- Reading ----------------------------------------------------------------------------------

/** Parses a metadata.json document; every error names `source` and the field at fault. */
export function parseTableMetadata(text: string, source?: string): TableMetadata {
  return tableMetadataFromJson(parseJson(text, source), source);
}

/** Reads already-parsed JSON (e.g. a REST catalog response's `metadata`). */
export function tableMetadataFromJson(json: unknown, source?: string): TableMetadata {
  try {
    return readTableMetadata(readObject(json, ''));
  } catch (err) {
    if (err instanceof IcetideError && source !== undefined) throw IcetideError.wrap(err, source, { source });
    throw err;
  }
}

/** Reads fields in the reference implementation's order, so the first problem reported matches. */
function readTableMetadata(node: JsonObject): TableMetadata {
  const formatVersion = readFormatVersion(node);
  const v2 = formatVersion >= 2;
  const tableUuid = v2 ? requiredInVersion(node, 'table-uuid', formatVersion, readString) : optional(node, 'table-uuid', '', readString) ?? '';
  const location = required(node, 'location', '', readString);
  // Appendix E: reading v1, last-sequence-number is 0.
  const lastSequenceNumber = v2 ? requiredInVersion(node, 'last-sequence-number', formatVersion, readLong) : 0n;
  const lastColumnId = required(node, 'last-column-id', '', readInt);
  const schemas = readSchemas(node, formatVersion);
  const specs = readSpecs(node, formatVersion);
  const lastPartitionId = readLastPartitionId(node, formatVersion, specs.list);
  const orders = readSortOrders(node, formatVersion);
  const properties = optional(node, 'properties', '', readStringMap) ?? {};
  const currentSnapshotId = readCurrentSnapshotId(node);
  const lastUpdatedMs = required(node, 'last-updated-ms', '', readSafeLong);
  const md: Mutable<TableMetadata> = {
    formatVersion,
    tableUuid,
    location,
    lastSequenceNumber,
    lastUpdatedMs,
    lastColumnId,
    schemas: schemas.list,
    currentSchemaId: schemas.currentId,
    partitionSpecs: specs.list,
    defaultSpecId: specs.defaultId,
    lastPartitionId,
    properties,
    currentSnapshotId,
    refs: readRefs(node, currentSnapshotId),
    snapshots: optional(node, 'snapshots', '', listOf(readSnapshot(formatVersion))) ?? [],
    statistics: optional(node, 'statistics', '', listOf(readStatisticsFile)) ?? [],
    partitionStatistics: optional(node, 'partition-statistics', '', listOf(readPartitionStatisticsFile)) ?? [],
    snapshotLog: optional(node, 'snapshot-log', '', listOf(readSnapshotLogEntry)) ?? [],
    metadataLog: optional(node, 'metadata-log', '', listOf(readMetadataLogEntry)) ?? [],
    sortOrders: orders.list,
    defaultSortOrderId: orders.defaultId,
  };
  if (formatVersion >= 3) md.nextRowId = requiredInVersion(node, 'next-row-id', formatVersion, readLong);
  rejectEncryption(node);
  validateBinding(md, schemas.list.find((s) => s.schemaId === schemas.currentId)!);
  validateSnapshots(md);
  return md;
}

function readFormatVersion(node: JsonObject): FormatVersion {
  const v = required(node, 'format-version', '', readInt);
  if (!SUPPORTED_VERSIONS.includes(v)) throw new UnsupportedFormatVersionError(`Cannot read unsupported version ${v}`, { field: 'format-version' });
  return v as FormatVersion;
}

/** A field the spec requires from some version on; the message matches the reference implementation. */
function requiredInVersion<T>(node: JsonObject, key: string, version: FormatVersion, read: (v: unknown, p: string) => T): T {
  if (!hasField(node, key) || node[key] === null) throw fieldError(key, `${key} must exist in format v${version}`);
  return read(node[key], key);
}

interface Versioned<T> {
  readonly list: readonly T[];
  readonly defaultId: number;
}

function readSchemas(node: JsonObject, version: FormatVersion): { list: readonly Schema[]; currentId: number } {
  if (hasField(node, 'schemas')) {
    const list = required(node, 'schemas', '', listOf(schemaFromJson));
    const currentId = required(node, 'current-schema-id', '', readInt);
    assertUniqueIds(list.map((s) => s.schemaId), 'schemas', 'schema-id');
    if (!list.some((s) => s.schemaId === currentId)) {
      throw fieldError('current-schema-id', `Cannot find schema with current-schema-id=${currentId} from schemas`);
    }
    return { list, currentId };
  }
  if (version > 1) throw fieldError('schemas', `schemas must exist in format v${version}`);
  const schema = required(node, 'schema', '', schemaFromJson);
  return { list: [schema], currentId: schema.schemaId };
}

function readSpecs(node: JsonObject, version: FormatVersion): Versioned<PartitionSpec> {
  if (hasField(node, 'partition-specs')) {
    const list = required(node, 'partition-specs', '', listOf(partitionSpecFromJson));
    const defaultId = required(node, 'default-spec-id', '', readInt);
    assertUniqueIds(list.map((s) => s.specId), 'partition-specs', 'spec-id');
    if (!list.some((s) => s.specId === defaultId)) {
      throw fieldError('default-spec-id', `Cannot find partition spec with default-spec-id=${defaultId} from partition-specs`);
    }
    return { list, defaultId };
  }
  if (version > 1) throw fieldError('partition-specs', `partition-specs must exist in format v${version}`);
  // v1 legacy: the current spec as a bare field list, spec id 0 (spec Appendix C).
  const spec = partitionFieldsFromJson(required(node, 'partition-spec', '', readArray), 0, 'partition-spec');
  return { list: [spec], defaultId: 0 };
}

/** v1 may omit it: the highest field id of any spec, or 999 when there are none. */
function readLastPartitionId(node: JsonObject, version: FormatVersion, specs: readonly PartitionSpec[]): number {
  const value = optional(node, 'last-partition-id', '', readInt);
  if (value !== undefined) return value;
  if (version > 1) throw fieldError('last-partition-id', `last-partition-id must exist in format v${version}`);
  return specs.flatMap((s) => s.fields.map((f) => f.fieldId)).reduce((a, b) => Math.max(a, b), PARTITION_DATA_ID_START - 1);
}

function readSortOrders(node: JsonObject, version: FormatVersion): Versioned<SortOrder> {
  if (hasField(node, 'sort-orders')) {
    const list = required(node, 'sort-orders', '', listOf(sortOrderFromJson));
    const defaultId = required(node, 'default-sort-order-id', '', readInt);
    assertUniqueIds(list.map((o) => o.orderId), 'sort-orders', 'order-id');
    if (!list.some((o) => o.orderId === defaultId)) {
      throw fieldError('default-sort-order-id', `Cannot find sort order with default-sort-order-id=${defaultId} from sort-orders`);
    }
    return { list, defaultId };
  }
  if (version > 1) throw fieldError('sort-orders', `sort-orders must exist in format v${version}`);
  return { list: [UNSORTED_ORDER], defaultId: UNSORTED_ORDER.orderId };
}

function assertUniqueIds(ids: readonly number[], listName: string, idName: string): void {
  const seen = new Set<number>();
  ids.forEach((id, i) => {
    if (seen.has(id)) throw invalid(jsonPath(jsonPath(listName, i), idName), `duplicate ${idName} ${id}`);
    seen.add(id);
  });
}

/** Missing, `null` and -1 all mean "no current snapshot". */
function readCurrentSnapshotId(node: JsonObject): bigint | undefined {
  const id = optional(node, 'current-snapshot-id', '', readLong);
  return id === undefined || id === NO_SNAPSHOT ? undefined : id;
}

/** Spec: there is always a `main` branch when there is a current snapshot, even without `refs`. */
function readRefs(node: JsonObject, currentSnapshotId: bigint | undefined): Record<string, SnapshotRef> {
  const refs = optional(node, 'refs', '', readObject);
  if (refs !== undefined) {
    const out: Record<string, SnapshotRef> = {};
    for (const [name, ref] of Object.entries(refs)) setOwn(out, name, readRef(ref, jsonPath('refs', name)));
    return out;
  }
  return currentSnapshotId === undefined ? {} : { [MAIN_BRANCH]: { snapshotId: currentSnapshotId, type: 'branch' } };
}

function readRef(value: unknown, path: string): SnapshotRef {
  const obj = readObject(value, path);
  const type = required(obj, 'type', path, readString).toLowerCase();
  if (type !== 'branch' && type !== 'tag') throw invalid(jsonPath(path, 'type'), `expected "branch" or "tag", got ${describeJson(obj['type'])}`);
  const ref: Mutable<SnapshotRef> = { snapshotId: required(obj, 'snapshot-id', path, readLong), type };
  const minSnapshotsToKeep = optional(obj, 'min-snapshots-to-keep', path, readInt);
  const maxSnapshotAgeMs = optional(obj, 'max-snapshot-age-ms', path, readSafeLong);
  const maxRefAgeMs = optional(obj, 'max-ref-age-ms', path, readSafeLong);
  if (minSnapshotsToKeep !== undefined) ref.minSnapshotsToKeep = minSnapshotsToKeep;
  if (maxSnapshotAgeMs !== undefined) ref.maxSnapshotAgeMs = maxSnapshotAgeMs;
  if (maxRefAgeMs !== undefined) ref.maxRefAgeMs = maxRefAgeMs;
  return ref;
}

/** Spec "Snapshots"; v1 snapshots may embed `manifests` and omit `summary` and `sequence-number`. */
export function readSnapshot(version: FormatVersion) {
  return (value: unknown, path: string): Snapshot => {
    const obj = readObject(value, path);
    if (hasField(obj, 'key-id')) throw new UnsupportedError(`${jsonPath(path, 'key-id')}: encrypted manifest lists are not supported`);
    const snap: Mutable<Snapshot> = {
      snapshotId: required(obj, 'snapshot-id', path, readLong),
      // Appendix E: reading v1, a snapshot's sequence number is 0; v2+ tables upgraded from
      // v1 may still hold such snapshots, so a missing one reads as 0 there too.
      sequenceNumber: version === 1 ? 0n : optional(obj, 'sequence-number', path, readLong) ?? 0n,
      timestampMs: required(obj, 'timestamp-ms', path, readSafeLong),
      summary: readSummary(obj, path),
    };
    const parent = optional(obj, 'parent-snapshot-id', path, readLong);
    if (parent !== undefined) snap.parentSnapshotId = parent;
    const manifestList = optional(obj, 'manifest-list', path, readString);
    if (manifestList !== undefined) snap.manifestList = manifestList;
    else snap.manifests = required(obj, 'manifests', path, listOf(readString));
    const schemaId = optional(obj, 'schema-id', path, readInt);
    if (schemaId !== undefined) snap.schemaId = schemaId;
    const firstRowId = optional(obj, 'first-row-id', path, readLong);
    const addedRows = optional(obj, 'added-rows', path, readLong);
    if (firstRowId !== undefined) snap.firstRowId = firstRowId;
    if (addedRows !== undefined) snap.addedRows = addedRows;
    return snap;
  };
}

const OPERATIONS: readonly string[] = ['append', 'replace', 'overwrite', 'delete'];

/**
 * The summary map. v1 may omit it (or its `operation`); the reference Java reader then has a
 * null operation, which TableMetadata cannot hold, so it defaults to `append` as iceberg-rust's
 * reader does.
 */
function readSummary(obj: JsonObject, path: string): SnapshotSummary {
  const map = optional(obj, 'summary', path, readStringMap) ?? {};
  const op = map['operation'] ?? 'append';
  if (!OPERATIONS.includes(op)) throw invalid(jsonPath(path, 'summary.operation'), `unknown snapshot operation ${JSON.stringify(op)}`);
  return { ...map, operation: op as SnapshotOperation };
}

function readSnapshotLogEntry(value: unknown, path: string): SnapshotLogEntry {
  const obj = readObject(value, path);
  return { timestampMs: required(obj, 'timestamp-ms', path, readSafeLong), snapshotId: required(obj, 'snapshot-id', path, readLong) };
}

function readMetadataLogEntry(value: unknown, path: string): MetadataLogEntry {
  const obj = readObject(value, path);
  return { timestampMs: required(obj, 'timestamp-ms', path, readSafeLong), metadataFile: required(obj, 'metadata-file', path, readString) };
}

/** Spec "Table Statistics". */
export function readStatisticsFile(value: unknown, path: string): StatisticsFile {
  const obj = readObject(value, path);
  const file: Mutable<StatisticsFile> = {
    snapshotId: required(obj, 'snapshot-id', path, readLong),
    statisticsPath: required(obj, 'statistics-path', path, readString),
    fileSizeInBytes: required(obj, 'file-size-in-bytes', path, readLong),
    fileFooterSizeInBytes: required(obj, 'file-footer-size-in-bytes', path, readLong),
    blobMetadata: required(obj, 'blob-metadata', path, listOf(readBlobMetadata)),
  };
  const keyMetadata = optional(obj, 'key-metadata', path, readString);
  if (keyMetadata !== undefined) file.keyMetadata = keyMetadata;
  return file;
}

function readBlobMetadata(value: unknown, path: string): BlobMetadata {
  const obj = readObject(value, path);
  const blob: Mutable<BlobMetadata> = {
    type: required(obj, 'type', path, readString),
    snapshotId: required(obj, 'snapshot-id', path, readLong),
    sequenceNumber: required(obj, 'sequence-number', path, readLong),
    fields: required(obj, 'fields', path, listOf(readInt)),
  };
  const properties = optional(obj, 'properties', path, readStringMap);
  if (properties !== undefined) blob.properties = properties;
  return blob;
}

/** Spec "Partition Statistics". */
export function readPartitionStatisticsFile(value: unknown, path: string): PartitionStatisticsFile {
  const obj = readObject(value, path);
  return {
    snapshotId: required(obj, 'snapshot-id', path, readLong),
    statisticsPath: required(obj, 'statistics-path', path, readString),
    fileSizeInBytes: required(obj, 'file-size-in-bytes', path, readLong),
  };
}

/** v3 `encryption-keys` are not modelled; dropping them on rewrite would break the table. */
function rejectEncryption(node: JsonObject): void {
  const keys = optional(node, 'encryption-keys', '', readArray);
  if (keys !== undefined && keys.length > 0) throw new UnsupportedError('encryption-keys: table encryption is not supported');
}

// --- Validation -------------------------------------------------------------------------------

/** The default spec and sort order must bind to the current schema (as Java's reader checks). */
function validateBinding(md: TableMetadata, current: Schema): void {
  const specIndex = md.partitionSpecs.findIndex((s) => s.specId === md.defaultSpecId);
  md.partitionSpecs[specIndex]!.fields.forEach((f, i) => {
    if (!current.findField(f.sourceId)) {
      throw invalid(`partition-specs[${specIndex}].fields[${i}].source-id`, `cannot find source column ${f.sourceId} in current schema ${current.schemaId}`);
    }
  });
  const orderIndex = md.sortOrders.findIndex((o) => o.orderId === md.defaultSortOrderId);
  md.sortOrders[orderIndex]!.fields.forEach((f, i) => {
    if (!current.findField(f.sourceId)) {
      throw invalid(`sort-orders[${orderIndex}].fields[${i}].source-id`, `cannot find source column ${f.sourceId} in current schema ${current.schemaId}`);
    }
  });
}

/** Snapshot references and the current snapshot must point at listed snapshots. */
function validateSnapshots(md: TableMetadata): void {
  const ids = new Set(md.snapshots.map((s) => s.snapshotId));
  md.snapshots.forEach((s, i) => {
    if (md.formatVersion > 1 && s.sequenceNumber > md.lastSequenceNumber) {
      throw invalid(`snapshots[${i}].sequence-number`, `Invalid snapshot with sequence number ${s.sequenceNumber} greater than last sequence number ${md.lastSequenceNumber}`);
    }
  });
  if (md.currentSnapshotId !== undefined && !ids.has(md.currentSnapshotId)) {
    throw fieldError('current-snapshot-id', `Cannot find current-snapshot-id=${md.currentSnapshotId} from snapshots`);
  }
  for (const [name, ref] of Object.entries(md.refs)) {
    if (!ids.has(ref.snapshotId)) throw invalid(`refs.${name}.snapshot-id`, `snapshot ${ref.snapshotId} for reference ${name} does not exist in snapshots`);
  }
  const main = md.refs[MAIN_BRANCH];
  if (md.currentSnapshotId !== undefined && main !== undefined && main.snapshotId !== md.currentSnapshotId) {
    throw invalid('current-snapshot-id', `Current snapshot ID does not match main branch (${md.currentSnapshotId} != ${main.snapshotId})`);
  }
  if (md.currentSnapshotId === undefined && main !== undefined) {
    throw invalid('refs.main', `Current snapshot is not set, but main branch exists: ${main.snapshotId}`);
  }
}

// --- Writing ----------------------------------------------------------------------------------

/** Pretty JSON (2-space indent) in the shape of md's format version. */
export function serializeTableMetadata(md: TableMetadata): string {
  return stringifyJson(tableMetadataToJson(md), 2);
}

/**
 * Key order follows the reference implementation. v1 keeps writing `schema` and
 * `partition-spec` for older readers; `last-sequence-number` and snapshot sequence numbers are
 * v2+ only; `next-row-id` is v3 only.
 */
export function tableMetadataToJson(md: TableMetadata): JsonObject {
  const v1 = md.formatVersion === 1;
  const out: JsonObject = { 'format-version': md.formatVersion };
  if (!v1 || md.tableUuid !== '') out['table-uuid'] = md.tableUuid;
  out['location'] = md.location;
  if (!v1) out['last-sequence-number'] = md.lastSequenceNumber;
  out['last-updated-ms'] = md.lastUpdatedMs;
  out['last-column-id'] = md.lastColumnId;
  if (md.formatVersion >= 3) out['next-row-id'] = md.nextRowId ?? 0n;
  if (v1) out['schema'] = schemaToJson(findById(md.schemas, (s) => s.schemaId, md.currentSchemaId, 'current-schema-id'));
  out['current-schema-id'] = md.currentSchemaId;
  out['schemas'] = md.schemas.map(schemaToJson);
  if (v1) out['partition-spec'] = partitionFieldsToJson(findById(md.partitionSpecs, (s) => s.specId, md.defaultSpecId, 'default-spec-id'));
  out['default-spec-id'] = md.defaultSpecId;
  out['partition-specs'] = md.partitionSpecs.map(partitionSpecToJson);
  out['last-partition-id'] = md.lastPartitionId;
  out['default-sort-order-id'] = md.defaultSortOrderId;
  out['sort-orders'] = md.sortOrders.map(sortOrderToJson);
  out['properties'] = { ...md.properties };
  // Appendix F: -1 means "none" for v1/v2; from v3 on the field is left out instead.
  if (md.currentSnapshotId !== undefined) out['current-snapshot-id'] = md.currentSnapshotId;
  else if (md.formatVersion < 3) out['current-snapshot-id'] = NO_SNAPSHOT;
  out['refs'] = refsToJson(md.refs);
  out['snapshots'] = md.snapshots.map((s) => snapshotToJson(s, md.formatVersion));
  out['statistics'] = md.statistics.map(statisticsFileToJson);
  out['partition-statistics'] = md.partitionStatistics.map((p) => ({
    'snapshot-id': p.snapshotId,
    'statistics-path': p.statisticsPath,
    'file-size-in-bytes': p.fileSizeInBytes,
  }));
  out['snapshot-log'] = md.snapshotLog.map((e) => ({ 'timestamp-ms': e.timestampMs, 'snapshot-id': e.snapshotId }));
  out['metadata-log'] = md.metadataLog.map((e) => ({ 'timestamp-ms': e.timestampMs, 'metadata-file': e.metadataFile }));
  return out;
}

function findById<T>(list: readonly T[], id: (t: T) => number, wanted: number, field: string): T {
  const found = list.find((t) => id(t) === wanted);
  if (found === undefined) throw invalid(field, `${field}=${wanted} is not in the list`);
  return found;
}

function refsToJson(refs: Readonly<Record<string, SnapshotRef>>): JsonObject {
  const out: JsonObject = {};
  for (const [name, ref] of Object.entries(refs)) {
    const r: JsonObject = { 'snapshot-id': ref.snapshotId, type: ref.type };
    if (ref.minSnapshotsToKeep !== undefined) r['min-snapshots-to-keep'] = ref.minSnapshotsToKeep;
    if (ref.maxSnapshotAgeMs !== undefined) r['max-snapshot-age-ms'] = ref.maxSnapshotAgeMs;
    if (ref.maxRefAgeMs !== undefined) r['max-ref-age-ms'] = ref.maxRefAgeMs;
    setOwn(out, name, r);
  }
  return out;
}

function snapshotToJson(s: Snapshot, version: FormatVersion): JsonObject {
  const out: JsonObject = { 'snapshot-id': s.snapshotId };
  if (s.parentSnapshotId !== undefined) out['parent-snapshot-id'] = s.parentSnapshotId;
  if (version > 1) out['sequence-number'] = s.sequenceNumber;
  out['timestamp-ms'] = s.timestampMs;
  out['summary'] = summaryToJson(s.summary);
  if (s.manifestList !== undefined) out['manifest-list'] = s.manifestList;
  else out['manifests'] = [...(s.manifests ?? [])];
  if (s.schemaId !== undefined) out['schema-id'] = s.schemaId;
  if (s.firstRowId !== undefined) out['first-row-id'] = s.firstRowId;
  if (s.addedRows !== undefined) out['added-rows'] = s.addedRows;
  return out;
}

/** `operation` first, then the other properties. */
function summaryToJson(summary: SnapshotSummary): JsonObject {
  const out: JsonObject = { operation: summary.operation };
  for (const [k, v] of Object.entries(summary)) if (k !== 'operation') setOwn(out, k, v);
  return out;
}

function statisticsFileToJson(f: StatisticsFile): JsonObject {
  const out: JsonObject = {
    'snapshot-id': f.snapshotId,
    'statistics-path': f.statisticsPath,
    'file-size-in-bytes': f.fileSizeInBytes,
    'file-footer-size-in-bytes': f.fileFooterSizeInBytes,
  };
  if (f.keyMetadata !== undefined) out['key-metadata'] = f.keyMetadata;
  out['blob-metadata'] = f.blobMetadata.map((b) => {
    const blob: JsonObject = { type: b.type, 'snapshot-id': b.snapshotId, 'sequence-number': b.sequenceNumber, fields: [...b.fields] };
    if (b.properties !== undefined) blob['properties'] = { ...b.properties };
    return blob;
  });
  return out;
}

