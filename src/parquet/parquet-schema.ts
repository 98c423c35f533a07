/**
 * Iceberg schema -> Parquet schema, per the spec's "Appendix A: Format-specific Requirements /
 * Parquet": every element carries its Iceberg field id, lists and maps use the 3-level
 * structure (`list`/`element`, `key_value`/`key`/`value`), decimals are int32/int64/fixed by
 * precision, timestamps are int64 micros (nanos for `_ns`) with isAdjustedToUTC for the tz
 * types, uuid is fixed[16] annotated UUID.
 */
import type { IcebergType, NestedField, PrimitiveType } from '../iceberg/spec/types.js';
import type { Schema } from '../iceberg/spec/schema.js';
import { UnsupportedError } from '../errors.js';

export const enum Physical {
  BOOLEAN = 0,
  INT32 = 1,
  INT64 = 2,
  INT96 = 3,
  FLOAT = 4,
  DOUBLE = 5,
  BYTE_ARRAY = 6,
  FIXED_LEN_BYTE_ARRAY = 7,
}

export const enum Repetition {
  REQUIRED = 0,
  OPTIONAL = 1,
  REPEATED = 2,
}

export const enum Converted {
  UTF8 = 0,
  MAP = 1,
  LIST = 3,
  DECIMAL = 5,
  DATE = 6,
  TIME_MICROS = 8,
  TIMESTAMP_MICROS = 10,
}

export type LogicalAnnotation =
  | { readonly kind: 'string' | 'map' | 'list' | 'date' | 'uuid' }
  | { readonly kind: 'decimal'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'time' | 'timestamp'; readonly utc: boolean; readonly unit: 'MICROS' | 'NANOS' };

export interface SchemaElement {
  readonly name: string;
  readonly repetition?: Repetition;
  readonly physical?: Physical;
  readonly typeLength?: number;
  readonly numChildren?: number;
  readonly converted?: Converted;
  readonly scale?: number;
  readonly precision?: number;
  readonly fieldId?: number;
  readonly logical?: LogicalAnnotation;
}

/** One primitive column of the file (a Parquet leaf). */
export interface LeafColumn {
  readonly index: number;
  readonly fieldId: number;
  /** Parquet path (`a.list.element`), used in ColumnMetaData.path_in_schema. */
  readonly path: readonly string[];
  /** Iceberg dotted name (`a.element`), used for `write.metadata.metrics.column.*`. */
  readonly icebergName: string;
  readonly type: PrimitiveType;
  readonly physical: Physical;
  readonly typeLength: number;
  readonly maxDef: number;
  readonly maxRep: number;
  /** Inside a list or map: Iceberg Java keeps no bounds for these. */
  readonly repeated: boolean;
}

export interface ParquetSchema {
  readonly elements: readonly SchemaElement[];
  readonly leaves: readonly LeafColumn[];
}

/** Bytes of a fixed that holds any unscaled value of precision P (spec: minimum bytes). */
export function decimalFixedLength(precision: number): number {
  let n = 1;
  while (2n ** BigInt(8 * n - 1) < 10n ** BigInt(precision)) n += 1;
  return n;
}

interface PrimitiveMapping {
  physical: Physical;
  typeLength?: number;
  converted?: Converted;
  logical?: LogicalAnnotation;
  scale?: number;
  precision?: number;
}

export function primitiveMapping(t: PrimitiveType): PrimitiveMapping {
  switch (t.kind) {
    case 'boolean':
      return { physical: Physical.BOOLEAN };
    case 'int':
      return { physical: Physical.INT32 };
    case 'long':
      return { physical: Physical.INT64 };
    case 'float':
      return { physical: Physical.FLOAT };
    case 'double':
      return { physical: Physical.DOUBLE };
    case 'date':
      return { physical: Physical.INT32, converted: Converted.DATE, logical: { kind: 'date' } };
    // Converted TIME_MICROS / TIMESTAMP_MICROS imply isAdjustedToUTC=true (parquet-format
    // LogicalTypes.md), so only the UTC-adjusted timestamp gets one.
    case 'time':
      return { physical: Physical.INT64, logical: { kind: 'time', utc: false, unit: 'MICROS' } };
    case 'timestamp':
      return { physical: Physical.INT64, logical: { kind: 'timestamp', utc: false, unit: 'MICROS' } };
    case 'timestamptz':
      return { physical: Physical.INT64, converted: Converted.TIMESTAMP_MICROS, logical: { kind: 'timestamp', utc: true, unit: 'MICROS' } };
    case 'timestamp_ns':
      return { physical: Physical.INT64, logical: { kind: 'timestamp', utc: false, unit: 'NANOS' } };
    case 'timestamptz_ns':
      return { physical: Physical.INT64, logical: { kind: 'timestamp', utc: true, unit: 'NANOS' } };
    case 'string':
      return { physical: Physical.BYTE_ARRAY, converted: Converted.UTF8, logical: { kind: 'string' } };
    case 'uuid':
      return { physical: Physical.FIXED_LEN_BYTE_ARRAY, typeLength: 16, logical: { kind: 'uuid' } };
    case 'binary':
      return { physical: Physical.BYTE_ARRAY };
    case 'fixed':
      return { physical: Physical.FIXED_LEN_BYTE_ARRAY, typeLength: t.length };
    case 'decimal': {
      const { precision, scale } = t;
      const ann = { converted: Converted.DECIMAL, logical: { kind: 'decimal', precision, scale } as const, precision, scale };
      if (precision <= 9) return { physical: Physical.INT32, ...ann };
      if (precision <= 18) return { physical: Physical.INT64, ...ann };
      return { physical: Physical.FIXED_LEN_BYTE_ARRAY, typeLength: decimalFixedLength(precision), ...ann };
    }
  }
}

/** Builds the flattened Parquet schema (depth-first, root first) and its leaf columns. */
export function toParquetSchema(schema: Schema, rootName = 'table'): ParquetSchema {
  const elements: SchemaElement[] = [{ name: rootName, numChildren: schema.fields.length }];
  const leaves: LeafColumn[] = [];

  const visit = (
    name: string, fieldId: number, optional: boolean, type: IcebergType,
    path: string[], icebergName: string, def: number, rep: number, repeated: boolean,
  ): void => {
    const repetition = optional ? Repetition.OPTIONAL : Repetition.REQUIRED;
    const d = def + (optional ? 1 : 0);
    const p = [...path, name];
    switch (type.kind) {
      case 'struct':
        elements.push({ name, repetition, numChildren: type.fields.length, fieldId });
        for (const f of type.fields) visitField(f, p, `${icebergName}.`, d, rep, repeated);
        return;
      case 'list':
        elements.push({ name, repetition, numChildren: 1, fieldId, converted: Converted.LIST, logical: { kind: 'list' } });
        elements.push({ name: 'list', repetition: Repetition.REPEATED, numChildren: 1 });
        visit('element', type.elementId, !type.elementRequired, type.element, [...p, 'list'], `${icebergName}.element`, d + 1, rep + 1, true);
        return;
      case 'map':
        elements.push({ name, repetition, numChildren: 1, fieldId, converted: Converted.MAP, logical: { kind: 'map' } });
        elements.push({ name: 'key_value', repetition: Repetition.REPEATED, numChildren: 2 });
        visit('key', type.keyId, false, type.key, [...p, 'key_value'], `${icebergName}.key`, d + 1, rep + 1, true);
        visit('value', type.valueId, !type.valueRequired, type.value, [...p, 'key_value'], `${icebergName}.value`, d + 1, rep + 1, true);
        return;
      default: {
        if ((type.kind as string) === 'unknown') throw new UnsupportedError(`column ${icebergName}: type unknown cannot be written`);
        const m = primitiveMapping(type);
        elements.push({ name, repetition, fieldId, ...m });
        leaves.push({
          index: leaves.length, fieldId, path: p, icebergName, type, physical: m.physical,
          typeLength: m.typeLength ?? 0, maxDef: d, maxRep: rep, repeated,
        });
      }
    }
  };
  const visitField = (f: NestedField, path: string[], prefix: string, def: number, rep: number, repeated: boolean): void =>
    visit(f.name, f.id, !f.required, f.type, path, prefix + f.name, def, rep, repeated);
  for (const f of schema.fields) visitField(f, [], '', 0, 0, false);
  return { elements, leaves };
}
