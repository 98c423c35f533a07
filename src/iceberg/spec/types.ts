/**
 * Iceberg data types (spec "Schemas and Data Types"). Field ids are 32-bit ints; everything
 * that the spec calls `long` elsewhere is a bigint.
 */
export type PrimitiveTypeName =
  | 'boolean'
  | 'int'
  | 'long'
  | 'float'
  | 'double'
  | 'date'
  | 'time'
  | 'timestamp'
  | 'timestamptz'
  | 'timestamp_ns'
  | 'timestamptz_ns'
  | 'string'
  | 'uuid'
  | 'binary';

export type PrimitiveType =
  | { readonly kind: PrimitiveTypeName }
  | { readonly kind: 'decimal'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'fixed'; readonly length: number };

export interface NestedField {
  readonly id: number;
  readonly name: string;
  readonly required: boolean;
  readonly type: IcebergType;
  readonly doc?: string;
  /** v3 default for rows written before the field existed (JSON single-value form). */
  readonly initialDefault?: unknown;
  readonly writeDefault?: unknown;
}

export interface StructType {
  readonly kind: 'struct';
  readonly fields: readonly NestedField[];
}

export interface ListType {
  readonly kind: 'list';
  readonly elementId: number;
  readonly elementRequired: boolean;
  readonly element: IcebergType;
}

export interface MapType {
  readonly kind: 'map';
  readonly keyId: number;
  readonly key: IcebergType;
  readonly valueId: number;
  readonly valueRequired: boolean;
  readonly value: IcebergType;
}

export type NestedType = StructType | ListType | MapType;
export type IcebergType = PrimitiveType | NestedType;

export const primitive = (kind: PrimitiveTypeName): PrimitiveType => ({ kind });
export const decimal = (precision: number, scale: number): PrimitiveType => ({ kind: 'decimal', precision, scale });
export const fixed = (length: number): PrimitiveType => ({ kind: 'fixed', length });

export function isPrimitive(t: IcebergType): t is PrimitiveType {
  return t.kind !== 'struct' && t.kind !== 'list' && t.kind !== 'map';
}

/** The spec's string form of a type: `decimal(9,2)`, `fixed[16]`, `long`, `struct<...>`. */
export function typeToString(t: IcebergType): string {
  switch (t.kind) {
    case 'decimal':
      return `decimal(${t.precision}, ${t.scale})`;
    case 'fixed':
      return `fixed[${t.length}]`;
    case 'struct':
      return `struct<${t.fields.map((f) => `${f.id}: ${f.name}: ${f.required ? 'required ' : 'optional '}${typeToString(f.type)}`).join(', ')}>`;
    case 'list':
      return `list<${typeToString(t.element)}>`;
    case 'map':
      return `map<${typeToString(t.key)}, ${typeToString(t.value)}>`;
    default:
      return t.kind;
  }
}

export function typesEqual(a: IcebergType, b: IcebergType): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'decimal':
      return b.kind === 'decimal' && a.precision === b.precision && a.scale === b.scale;
    case 'fixed':
      return b.kind === 'fixed' && a.length === b.length;
    case 'struct': {
      if (b.kind !== 'struct' || a.fields.length !== b.fields.length) return false;
      return a.fields.every((f, i) => {
        const g = b.fields[i]!;
        return f.id === g.id && f.name === g.name && f.required === g.required && typesEqual(f.type, g.type);
      });
    }
    case 'list':
      return b.kind === 'list' && a.elementId === b.elementId && a.elementRequired === b.elementRequired && typesEqual(a.element, b.element);
    case 'map':
      return b.kind === 'map' && a.keyId === b.keyId && a.valueId === b.valueId && a.valueRequired === b.valueRequired &&
        typesEqual(a.key, b.key) && typesEqual(a.value, b.value);
    default:
      return true;
  }
}

/**
 * Spec "Schema Evolution": allowed type promotions. int -> long, float -> double,
 * decimal(P,S) -> decimal(P',S) with P' > P, date -> timestamp(_ns) only in v3 (not allowed here).
 */
export function canPromote(from: PrimitiveType, to: PrimitiveType): boolean {
  if (from.kind === to.kind) {
    if (from.kind === 'decimal' && to.kind === 'decimal') return to.scale === from.scale && to.precision >= from.precision;
    if (from.kind === 'fixed' && to.kind === 'fixed') return from.length === to.length;
    return true;
  }
  return (from.kind === 'int' && to.kind === 'long') || (from.kind === 'float' && to.kind === 'double');
}
