/**
 * Row shredding (Dremel): turns rows (values.ts representation; struct -> object, list ->
 * array, map -> Map) into definition/repetition levels and values per leaf column, following
 * the levels of the schema built by parquet-schema.ts (same depth-first leaf order).
 */
import { ValidationError } from '../errors.js';
import type { IcebergType } from '../iceberg/spec/types.js';
import type { Schema } from '../iceberg/spec/schema.js';
import { ColumnBuffer } from './column-buffer.js';
import type { LeafColumn } from './parquet-schema.js';

export type Row = Record<string, unknown>;
type Shredder = (v: unknown, rep: number) => void;

export function required(name: string, leaf: LeafColumn | undefined): ValidationError {
  return new ValidationError(`column ${name} is required but the value is null or missing`, { column: name, fieldId: leaf?.fieldId });
}

function wrongShape(name: string, what: string, v: unknown): ValidationError {
  return new ValidationError(`column ${name}: expected ${what}, got ${v === null ? 'null' : typeof v}`, { column: name });
}

export interface Shredders {
  readonly row: (row: Row) => void;
  /** Per top-level field, in schema order: writes one value at repetition level 0. */
  readonly fields: readonly {
    readonly key: string;
    readonly write: (v: unknown) => void;
    /** The field's only leaf when it is a top-level primitive (columnar writes bulk-append to it). */
    readonly flat?: { readonly buffer: ColumnBuffer; readonly optional: boolean };
  }[];
}

/** Builds one shredder per top-level field plus the row-level entry point. */
export function buildShredder(schema: Schema, buffers: readonly ColumnBuffer[]): Shredders {
  let next = 0;
  const build = (name: string, type: IcebergType, optional: boolean, def: number, repDepth: number): Shredder => {
    const first = next;
    const d = def + (optional ? 1 : 0);
    let inner: Shredder;
    switch (type.kind) {
      case 'struct': {
        const kids = type.fields.map((f) => ({ key: f.name, w: build(`${name}.${f.name}`, f.type, !f.required, d, repDepth) }));
        inner = (v, rep) => {
          if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) throw wrongShape(name, 'an object (struct)', v);
          const o = v as Record<string, unknown>;
          for (const k of kids) k.w(o[k.key], rep);
        };
        break;
      }
      case 'list': {
        const r = repDepth + 1;
        const elem = build(`${name}.element`, type.element, !type.elementRequired, d + 1, r);
        const leaves = buffers.slice(first, next);
        inner = (v, rep) => {
          if (!Array.isArray(v)) throw wrongShape(name, 'an array (list)', v);
          if (v.length === 0) {
            for (const l of leaves) l.pushNull(rep, d);
            return;
          }
          for (let i = 0; i < v.length; i++) elem(v[i], i === 0 ? rep : r);
        };
        break;
      }
      case 'map': {
        const r = repDepth + 1;
        const key = build(`${name}.key`, type.key, false, d + 1, r);
        const val = build(`${name}.value`, type.value, !type.valueRequired, d + 1, r);
        const leaves = buffers.slice(first, next);
        inner = (v, rep) => {
          if (!(v instanceof Map)) throw wrongShape(name, 'a Map (map)', v);
          if (v.size === 0) {
            for (const l of leaves) l.pushNull(rep, d);
            return;
          }
          let i = 0;
          for (const [k, x] of v) {
            const rr = i++ === 0 ? rep : r;
            key(k, rr);
            val(x, rr);
          }
        };
        break;
      }
      default: {
        const leaf = buffers[next++]!;
        if (optional) {
          return (v, rep) => {
            if (v === null || v === undefined) leaf.pushNull(rep, def);
            else leaf.push(rep, v);
          };
        }
        return (v, rep) => {
          if (v === null || v === undefined) throw required(name, leaf.leaf);
          leaf.push(rep, v);
        };
      }
    }
    const leaves = buffers.slice(first, next);
    return (v, rep) => {
      if (v === null || v === undefined) {
        if (!optional) throw required(name, undefined);
        for (const l of leaves) l.pushNull(rep, def);
      } else inner(v, rep);
    };
  };
  const fields = schema.fields.map((f) => {
    const first = next;
    const w = build(f.name, f.type, !f.required, 0, 0);
    const primitive = f.type.kind !== 'struct' && f.type.kind !== 'list' && f.type.kind !== 'map';
    return { key: f.name, w, ...(primitive ? { flat: { buffer: buffers[first]!, optional: !f.required } } : {}) };
  });
  if (next !== buffers.length) throw new Error(`internal: shredder saw ${next} leaves, schema has ${buffers.length}`);
  return {
    row: (row) => {
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i]!;
        f.w(row[f.key], 0);
      }
    },
    fields: fields.map((f) => ({ key: f.key, write: (v: unknown) => f.w(v, 0), ...(f.flat ? { flat: f.flat } : {}) })),
  };
}
