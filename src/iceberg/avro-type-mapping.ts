import { UnsupportedError } from '../errors.js';
import type { IcebergType, PrimitiveType } from './spec/types.js';

/** JSON form of an Avro schema, as written into a file's `avro.schema` metadata. */
export type AvroSchemaJson = string | AvroSchemaJsonObject | AvroSchemaJson[];
export interface AvroSchemaJsonObject {
  readonly type: AvroSchemaJson;
  readonly [attr: string]: unknown;
}

/** Bytes needed for a decimal of precision P as a fixed (spec Appendix A, Avro). */
export function decimalRequiredBytes(precision: number): number {
  let bytes = 1;
  while (bytes < 16 && 2 ** (8 * bytes - 1) - 1 < 10 ** precision) bytes++;
  return bytes;
}

/** Spec "Appendix A: Avro": Iceberg primitive -> Avro type. */
export function primitiveToAvro(t: PrimitiveType, name: string): AvroSchemaJson {
  switch (t.kind) {
    case 'boolean':
    case 'int':
    case 'long':
    case 'float':
    case 'double':
    case 'string':
      return t.kind;
    case 'binary':
      return 'bytes';
    case 'date':
      return { type: 'int', logicalType: 'date' };
    case 'time':
      return { type: 'long', logicalType: 'time-micros' };
    case 'timestamp':
      return { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': false };
    case 'timestamptz':
      return { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': true };
    case 'timestamp_ns':
      return { type: 'long', logicalType: 'timestamp-nanos', 'adjust-to-utc': false };
    case 'timestamptz_ns':
      return { type: 'long', logicalType: 'timestamp-nanos', 'adjust-to-utc': true };
    case 'uuid':
      return { type: 'fixed', name: `uuid_fixed_${name}`, size: 16, logicalType: 'uuid' };
    case 'fixed':
      return { type: 'fixed', name: `fixed_${name}`, size: t.length };
    case 'decimal':
      return {
        type: 'fixed',
        name: `decimal_${t.precision}_${t.scale}_${name}`,
        size: decimalRequiredBytes(t.precision),
        logicalType: 'decimal',
        precision: t.precision,
        scale: t.scale,
      };
    default:
      throw new UnsupportedError(`type ${(t as { kind: string }).kind} has no Avro mapping`);
  }
}

/** Iceberg type -> Avro, nested types included (used for manifest partition structs). */
export function icebergToAvro(t: IcebergType, name: string): AvroSchemaJson {
  if (t.kind === 'struct') {
    return {
      type: 'record',
      name: `r_${name}`,
      fields: t.fields.map((f) => ({
        name: f.name,
        type: f.required ? icebergToAvro(f.type, `${name}_${f.id}`) : ['null', icebergToAvro(f.type, `${name}_${f.id}`)],
        ...(f.required ? {} : { default: null }),
        'field-id': f.id,
      })),
    };
  }
  if (t.kind === 'list') {
    const el = icebergToAvro(t.element, `${name}_e${t.elementId}`);
    return { type: 'array', items: t.elementRequired ? el : ['null', el], 'element-id': t.elementId };
  }
  if (t.kind === 'map') {
    const v = icebergToAvro(t.value, `${name}_v${t.valueId}`);
    return {
      type: 'array',
      logicalType: 'map',
      items: {
        type: 'record',
        name: `k${t.keyId}_v${t.valueId}`,
        fields: [
          { name: 'key', type: icebergToAvro(t.key, `${name}_k${t.keyId}`), 'field-id': t.keyId },
          { name: 'value', type: t.valueRequired ? v : ['null', v], 'field-id': t.valueId },
        ],
      },
    };
  }
  return primitiveToAvro(t, name);
}
