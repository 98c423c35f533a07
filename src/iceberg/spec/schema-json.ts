/**
 * JSON forms of types, schemas, partition specs and sort orders (spec Appendix C "JSON
 * serialization"). Readers take the JSON path of the value so errors name the field at fault.
 */
import { IcetideError, InvalidMetadataError } from '../../errors.js';
import {
  describeJson,
  invalid,
  isJsonObject,
  isJsonValue,
  jsonPath,
  listOf,
  optional,
  readBoolean,
  readInt,
  readObject,
  readString,
  required,
  type JsonObject,
  type JsonValue,
} from './lossless-json.js';
import { PARTITION_DATA_ID_START, type PartitionField, type PartitionSpec } from './partition-spec.js';
import { Schema } from './schema.js';
import type { NullOrder, SortDirection, SortField, SortOrder } from './sort-order.js';
import { parseTransform, transformToString, type Transform } from './transforms.js';
import {
  typeToString,
  type IcebergType,
  type ListType,
  type MapType,
  type NestedField,
  type PrimitiveType,
  type PrimitiveTypeName,
  type StructType,
} from './types.js';

// --- Types (Appendix C "Schemas") -------------------------------------------------------------

const PRIMITIVE_NAMES: ReadonlySet<string> = new Set<PrimitiveTypeName>([
  'boolean', 'int', 'long', 'float', 'double', 'date', 'time', 'timestamp', 'timestamptz',
  'timestamp_ns', 'timestamptz_ns', 'string', 'uuid', 'binary',
]);
/** v3 types that the spec defines but icetide's type model does not (yet) have. */
const UNSUPPORTED_TYPES = /^(unknown|variant|geometry|geography)\b/;
const DECIMAL = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/;
const FIXED = /^fixed\[\s*(\d+)\s*\]$/;
const MAX_DECIMAL_PRECISION = 38;

export function typeFromJson(json: unknown, path: string): IcebergType {
  if (typeof json === 'string') return primitiveFromString(json, path);
  if (isJsonObject(json)) {
    switch (json['type']) {
      case 'struct':
        return structFromJson(json, path);
      case 'list':
        return listFromJson(json, path);
      case 'map':
        return mapFromJson(json, path);
    }
  }
  throw cannotParseType(json, path);
}

function cannotParseType(json: unknown, path: string): InvalidMetadataError {
  return invalid(path, `cannot parse type from ${describeJson(json)}`);
}

/** Primitive names are case-insensitive like the reference implementation's. */
function primitiveFromString(text: string, path: string): PrimitiveType {
  const s = text.trim().toLowerCase();
  if (PRIMITIVE_NAMES.has(s)) return { kind: s as PrimitiveTypeName };
  const dec = DECIMAL.exec(s);
  if (dec) {
    const precision = Number(dec[1]);
    const scale = Number(dec[2]);
    if (precision < 1 || precision > MAX_DECIMAL_PRECISION) {
      throw invalid(path, `decimal precision must be 1..${MAX_DECIMAL_PRECISION}: ${JSON.stringify(text)}`);
    }
    return { kind: 'decimal', precision, scale };
  }
  const fix = FIXED.exec(s);
  if (fix) return { kind: 'fixed', length: Number(fix[1]) };
  if (UNSUPPORTED_TYPES.test(s)) throw invalid(path, `type ${JSON.stringify(text)} is not supported`);
  throw cannotParseType(text, path);
}

function structFromJson(json: JsonObject, path: string): StructType {
  const fields = required(json, 'fields', path, listOf(fieldFromJson));
  return { kind: 'struct', fields };
}

function fieldFromJson(json: unknown, path: string): NestedField {
  const obj = readObject(json, path);
  const field: {
    -readonly [K in keyof NestedField]: NestedField[K];
  } = {
    id: required(obj, 'id', path, readInt),
    name: required(obj, 'name', path, readString),
    required: required(obj, 'required', path, readBoolean),
    type: required(obj, 'type', path, typeFromJson),
  };
  const doc = optional(obj, 'doc', path, readString);
  if (doc !== undefined) field.doc = doc;
  // v3 defaults are kept in their JSON single-value form (spec Appendix D); `null` is a value.
  if (Object.hasOwn(obj, 'initial-default')) field.initialDefault = obj['initial-default'];
  if (Object.hasOwn(obj, 'write-default')) field.writeDefault = obj['write-default'];
  return field;
}

function listFromJson(json: JsonObject, path: string): ListType {
  return {
    kind: 'list',
    elementId: required(json, 'element-id', path, readInt),
    elementRequired: required(json, 'element-required', path, readBoolean),
    element: required(json, 'element', path, typeFromJson),
  };
}

function mapFromJson(json: JsonObject, path: string): MapType {
  return {
    kind: 'map',
    keyId: required(json, 'key-id', path, readInt),
    key: required(json, 'key', path, typeFromJson),
    valueId: required(json, 'value-id', path, readInt),
    valueRequired: required(json, 'value-required', path, readBoolean),
    value: required(json, 'value', path, typeFromJson),
  };
}

/** Key order follows the reference implementation. */
export function typeToJson(type: IcebergType): JsonValue {
  switch (type.kind) {
    case 'struct':
      return { type: 'struct', fields: type.fields.map(fieldToJson) };
    case 'list':
      return { type: 'list', 'element-id': type.elementId, element: typeToJson(type.element), 'element-required': type.elementRequired };
    case 'map':
      return {
        type: 'map',
        'key-id': type.keyId,
        key: typeToJson(type.key),
        'value-id': type.valueId,
        value: typeToJson(type.value),
        'value-required': type.valueRequired,
      };
    default:
      return typeToString(type);
  }
}

function fieldToJson(field: NestedField): JsonObject {
  const out: JsonObject = { id: field.id, name: field.name, required: field.required, type: typeToJson(field.type) };
  if (field.doc !== undefined) out['doc'] = field.doc;
  if (field.initialDefault !== undefined) out['initial-default'] = defaultToJson(field, field.initialDefault);
  if (field.writeDefault !== undefined) out['write-default'] = defaultToJson(field, field.writeDefault);
  return out;
}

function defaultToJson(field: NestedField, value: unknown): JsonValue {
  if (isJsonValue(value)) return value;
  throw new InvalidMetadataError(`field ${field.id} (${field.name}): default value is not in JSON form`, { fieldId: field.id });
}

// --- Schemas ----------------------------------------------------------------------------------

/** A schema object: a struct type plus `schema-id` (0 when absent, v1) and `identifier-field-ids`. */
export function schemaFromJson(json: unknown, path: string): Schema {
  const type = typeFromJson(json, path);
  if (type.kind !== 'struct' || !isJsonObject(json)) throw invalid(path, `cannot create schema, not a struct type: ${typeToString(type)}`);
  const schemaId = optional(json, 'schema-id', path, readInt) ?? 0;
  const identifierFieldIds = optional(json, 'identifier-field-ids', path, listOf(readInt)) ?? [];
  try {
    return new Schema(schemaId, type.fields, identifierFieldIds);
  } catch (err) {
    if (err instanceof IcetideError) throw invalid(path, err.message);
    throw err;
  }
}

export function schemaToJson(schema: Schema): JsonObject {
  const out: JsonObject = { type: 'struct', 'schema-id': schema.schemaId };
  if (schema.identifierFieldIds.length > 0) out['identifier-field-ids'] = [...schema.identifierFieldIds];
  out['fields'] = schema.fields.map(fieldToJson);
  return out;
}

// --- Partition specs (Appendix C "Partition Specs") ------------------------------------------

export function partitionSpecFromJson(json: unknown, path: string): PartitionSpec {
  const obj = readObject(json, path);
  const specId = required(obj, 'spec-id', path, readInt);
  return partitionFieldsFromJson(required(obj, 'fields', path, (v) => v), specId, jsonPath(path, 'fields'));
}

/**
 * The bare field list (v1 `partition-spec`). v1 fields may omit `field-id`: the reference
 * implementation assigns 1000, 1001, ... in order; a spec must give all ids or none.
 */
export function partitionFieldsFromJson(json: unknown, specId: number, path: string): PartitionSpec {
  const items = listOf(readObject)(json, path);
  const withId = items.filter((f) => Object.hasOwn(f, 'field-id')).length;
  if (withId !== 0 && withId !== items.length) {
    throw invalid(path, `cannot parse spec with missing field ids: ${items.length - withId} missing of ${items.length} fields`);
  }
  const fields = items.map((f, i) => partitionFieldFromJson(f, jsonPath(path, i), PARTITION_DATA_ID_START + i));
  return { specId, fields };
}

function partitionFieldFromJson(obj: JsonObject, path: string, defaultFieldId: number): PartitionField {
  return {
    sourceId: sourceIdFromJson(obj, path),
    fieldId: optional(obj, 'field-id', path, readInt) ?? defaultFieldId,
    name: required(obj, 'name', path, readString),
    transform: required(obj, 'transform', path, readTransform),
  };
}

/** `source-id`, or a one-element v3 `source-ids` (multi-argument transforms are not supported). */
function sourceIdFromJson(obj: JsonObject, path: string): number {
  const single = optional(obj, 'source-id', path, readInt);
  if (single !== undefined) return single;
  const ids = optional(obj, 'source-ids', path, listOf(readInt));
  if (ids === undefined) throw invalid(jsonPath(path, 'source-id'), 'missing required field');
  if (ids.length !== 1) throw invalid(jsonPath(path, 'source-ids'), `multi-argument transforms are not supported: ${describeJson(ids)}`);
  return ids[0]!;
}

const readTransform = (v: unknown, path: string): Transform => parseTransform(readString(v, path));

export function partitionSpecToJson(spec: PartitionSpec): JsonObject {
  return { 'spec-id': spec.specId, fields: partitionFieldsToJson(spec) };
}

/** The bare field list, as v1 metadata's `partition-spec` keeps it. */
export function partitionFieldsToJson(spec: PartitionSpec): JsonObject[] {
  return spec.fields.map((f) => ({
    name: f.name,
    transform: transformToString(f.transform),
    'source-id': f.sourceId,
    'field-id': f.fieldId,
  }));
}

// --- Sort orders (Appendix C "Sort Orders") ---------------------------------------------------

export function sortOrderFromJson(json: unknown, path: string): SortOrder {
  const obj = readObject(json, path);
  const orderId = required(obj, 'order-id', path, readInt);
  const fields = required(obj, 'fields', path, listOf(sortFieldFromJson));
  // Spec "Sorting": order id 0 is reserved for the unsorted order.
  if (fields.length === 0 && orderId !== 0) throw invalid(jsonPath(path, 'order-id'), `unsorted order must have id 0, got ${orderId}`);
  if (fields.length > 0 && orderId === 0) throw invalid(jsonPath(path, 'order-id'), 'sort order id 0 is reserved for the unsorted order');
  return { orderId, fields };
}

function sortFieldFromJson(json: unknown, path: string): SortField {
  const obj = readObject(json, path);
  return {
    sourceId: sourceIdFromJson(obj, path),
    transform: required(obj, 'transform', path, readTransform),
    direction: required(obj, 'direction', path, readDirection),
    nullOrder: required(obj, 'null-order', path, readNullOrder),
  };
}

const readDirection = (v: unknown, path: string): SortDirection => {
  const s = readString(v, path).toLowerCase();
  if (s === 'asc' || s === 'desc') return s;
  throw invalid(path, `expected "asc" or "desc", got ${describeJson(v)}`);
};

const readNullOrder = (v: unknown, path: string): NullOrder => {
  const s = readString(v, path).toLowerCase();
  if (s === 'nulls-first' || s === 'nulls-last') return s;
  throw invalid(path, `expected "nulls-first" or "nulls-last", got ${describeJson(v)}`);
};

export function sortOrderToJson(order: SortOrder): JsonObject {
  return {
    'order-id': order.orderId,
    fields: order.fields.map((f) => ({
      transform: transformToString(f.transform),
      'source-id': f.sourceId,
      direction: f.direction,
      'null-order': f.nullOrder,
    })),
  };
}
