/**
 * Debezium's `schema` block (Kafka Connect JSON converter with schemas enabled): finds the
 * row schema of an envelope and maps its fields to Iceberg types, for tables whose columns
 * the config does not declare. Field schemas also serve as decoding hints (value-decoder.ts).
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../src/iceberg/spec/lossless-json.js';
import type { IcebergType, NestedField } from '../../src/iceberg/spec/types.js';
import type { SourceColumn } from '../../src/pipeline/source.js';

/** The struct schema of the `after` (else `before`) field of an envelope schema. */
export function rowSchemaOf(schema: JsonValue | undefined): JsonObject | undefined {
  if (!isJsonObject(schema) || !Array.isArray(schema.fields)) return undefined;
  const byField = (name: string): JsonObject | undefined =>
    schema.fields && Array.isArray(schema.fields)
      ? schema.fields.find((f): f is JsonObject => isJsonObject(f) && f.field === name && f.type === 'struct' && Array.isArray(f.fields))
      : undefined;
  return byField('after') ?? byField('before');
}

/** Field schemas of a row schema by column name. */
export function fieldHints(rowSchema: JsonObject): Map<string, JsonObject> {
  const out = new Map<string, JsonObject>();
  if (Array.isArray(rowSchema.fields)) {
    for (const f of rowSchema.fields) if (isJsonObject(f) && typeof f.field === 'string') out.set(f.field, f);
  }
  return out;
}

/** A Debezium type this connector cannot map; the message says what to do instead. */
export class UnsupportedDebeziumTypeError extends Error {}

const INT32_NAMES: Readonly<Record<string, IcebergType>> = {
  'io.debezium.time.Date': { kind: 'date' },
  'org.apache.kafka.connect.data.Date': { kind: 'date' },
  'io.debezium.time.Time': { kind: 'time' },
  'org.apache.kafka.connect.data.Time': { kind: 'time' },
};

const INT64_NAMES: Readonly<Record<string, IcebergType>> = {
  'io.debezium.time.Timestamp': { kind: 'timestamp' },
  'io.debezium.time.MicroTimestamp': { kind: 'timestamp' },
  'io.debezium.time.NanoTimestamp': { kind: 'timestamp_ns' },
  'org.apache.kafka.connect.data.Timestamp': { kind: 'timestamp' },
  'io.debezium.time.MicroTime': { kind: 'time' },
  'io.debezium.time.NanoTime': { kind: 'time' },
};

const STRING_NAMES: Readonly<Record<string, IcebergType>> = {
  'io.debezium.time.ZonedTimestamp': { kind: 'timestamptz' },
  'io.debezium.data.Uuid': { kind: 'uuid' },
};

function required(node: JsonObject): boolean {
  return node.optional !== true;
}

function child(node: JsonObject, key: string, path: string): JsonObject {
  const c = node[key];
  if (!isJsonObject(c)) throw new UnsupportedDebeziumTypeError(`${path}: ${String(node.type)} schema without "${key}"`);
  return c;
}

function decimalType(node: JsonObject, path: string): IcebergType {
  const params = isJsonObject(node.parameters) ? node.parameters : {};
  const scale = Number(params.scale ?? 0);
  const precision = Number(params['connect.decimal.precision'] ?? 38);
  if (!Number.isInteger(scale) || !Number.isInteger(precision) || precision < 1 || precision > 38 || scale < 0 || scale > precision) {
    throw new UnsupportedDebeziumTypeError(`${path}: decimal(${precision}, ${scale}) does not fit an Iceberg decimal (precision 1..38); declare the column`);
  }
  return { kind: 'decimal', precision, scale };
}

/** Maps one Debezium field schema to an Iceberg type (nested ids 0: assigned at table creation). */
export function icebergTypeOf(node: JsonObject, path: string): IcebergType {
  const name = typeof node.name === 'string' ? node.name : '';
  switch (node.type) {
    case 'int8':
    case 'int16':
    case 'int32':
      return INT32_NAMES[name] ?? { kind: 'int' };
    case 'int64':
      return INT64_NAMES[name] ?? { kind: 'long' };
    case 'float':
    case 'float32':
      return { kind: 'float' };
    case 'double':
    case 'float64':
      return { kind: 'double' };
    case 'boolean':
      return { kind: 'boolean' };
    case 'string':
      return STRING_NAMES[name] ?? { kind: 'string' };
    case 'bytes':
      return name === 'org.apache.kafka.connect.data.Decimal' ? decimalType(node, path) : { kind: 'binary' };
    case 'array': {
      const items = child(node, 'items', path);
      return { kind: 'list', elementId: 0, elementRequired: required(items), element: icebergTypeOf(items, `${path}[]`) };
    }
    case 'map': {
      const keys = child(node, 'keys', path);
      const values = child(node, 'values', path);
      return { kind: 'map', keyId: 0, key: icebergTypeOf(keys, `${path}.key`), valueId: 0, valueRequired: required(values), value: icebergTypeOf(values, `${path}.value`) };
    }
    case 'struct': {
      if (name === 'io.debezium.data.VariableScaleDecimal') {
        throw new UnsupportedDebeziumTypeError(`${path}: variable-scale decimals have no Iceberg type; declare the column as decimal(P,S) or use decimal.handling.mode=string`);
      }
      const fields: NestedField[] = (Array.isArray(node.fields) ? node.fields : []).filter(isJsonObject).map((f) => {
        const fname = String(f.field);
        return { id: 0, name: fname, required: required(f), type: icebergTypeOf(f, `${path}.${fname}`) };
      });
      if (fields.length === 0) throw new UnsupportedDebeziumTypeError(`${path}: struct without fields`);
      return { kind: 'struct', fields };
    }
    default:
      throw new UnsupportedDebeziumTypeError(`${path}: unknown Debezium schema type ${JSON.stringify(node.type ?? null)}`);
  }
}

/** The columns a row schema describes (order kept). */
export function columnsFromRowSchema(rowSchema: JsonObject): SourceColumn[] {
  const fields = Array.isArray(rowSchema.fields) ? rowSchema.fields.filter(isJsonObject) : [];
  return fields.map((f) => {
    const name = String(f.field);
    return { name, type: icebergTypeOf(f, name), nullable: !required(f) };
  });
}
