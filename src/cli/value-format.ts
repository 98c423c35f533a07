import { transformHumanString } from '../iceberg/spec/transforms.js';
import { isPrimitive, type IcebergType } from '../iceberg/spec/types.js';
import type { PrimitiveValue } from '../iceberg/spec/values.js';
import { valueToJson } from '../iceberg/spec/value-serialization.js';
import type { JsonValue } from '../iceberg/spec/lossless-json.js';

/**
 * Values for people (table/csv): Iceberg's human strings (dates `2026-01-01`, timestamps
 * ISO-8601, decimals with their scale, binary hex); nested values as compact JSON.
 */
export function formatHuman(type: IcebergType, v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (isPrimitive(type)) return transformHumanString({ kind: 'identity' }, type, v as PrimitiveValue);
  return JSON.stringify(toJsonCell(type, v), (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}

/**
 * Values for machines (jsonl): the spec's JSON single-value forms, nested types as JSON.
 * JSON has no NaN or Infinity: they are the strings "NaN", "Infinity" and "-Infinity", as
 * DuckDB and Spark write them.
 */
export function toJsonCell(type: IcebergType, v: unknown): JsonValue {
  if (v === null || v === undefined) return null;
  if ((type.kind === 'float' || type.kind === 'double') && typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (isPrimitive(type)) return valueToJson(type, v as PrimitiveValue) as JsonValue;
  switch (type.kind) {
    case 'struct': {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(type.fields.map((f) => [f.name, toJsonCell(f.type, o[f.name])]));
    }
    case 'list':
      return (v as unknown[]).map((x) => toJsonCell(type.element, x));
    case 'map': {
      const entries = v instanceof Map ? [...v] : Object.entries(v as Record<string, unknown>);
      if (type.key.kind === 'string') return Object.fromEntries(entries.map(([k, x]) => [String(k), toJsonCell(type.value, x)]));
      return entries.map(([k, x]) => ({ key: toJsonCell(type.key, k), value: toJsonCell(type.value, x) }));
    }
  }
}

/** RFC 4180 field quoting. */
export function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
