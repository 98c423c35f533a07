import { ValidationError } from '../../errors.js';
import type { Schema } from '../spec/schema.js';
import { isPrimitive, type PrimitiveType } from '../spec/types.js';
import type { PrimitiveValue } from '../spec/values.js';
import { compareValues, valueFromJson } from '../spec/value-serialization.js';

export type ComparisonOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** A conjunction of simple column predicates (what `--where` accepts). */
export type Predicate =
  | { readonly kind: 'compare'; readonly fieldId: number; readonly column: string; readonly type: PrimitiveType; readonly op: ComparisonOp; readonly value: PrimitiveValue }
  | { readonly kind: 'is-null' | 'not-null'; readonly fieldId: number; readonly column: string }
  | { readonly kind: 'and'; readonly terms: readonly Predicate[] };

const TERM = /^\s*([A-Za-z_][\w.]*)\s*(=|!=|<>|<=|>=|<|>)\s*(.+?)\s*$/;
const NULL_TERM = /^\s*([A-Za-z_][\w.]*)\s+IS\s+(NOT\s+)?NULL\s*$/i;

/**
 * Parses `col = value AND other > 3 AND x IS NULL`. Literals are typed by the column: numbers
 * for numeric columns, dates `2026-01-01`, timestamps ISO-8601, decimals as written; quotes
 * ('a b' or "a b") are optional around strings.
 */
export function parsePredicate(text: string, schema: Schema): Predicate {
  const parts = text.split(/\s+AND\s+/i);
  const terms = parts.map((part) => parseTerm(part, schema, text));
  return terms.length === 1 ? terms[0]! : { kind: 'and', terms };
}

function parseTerm(part: string, schema: Schema, whole: string): Predicate {
  const field = (name: string) => {
    const f = schema.findFieldByName(name);
    if (!f) throw new ValidationError(`--where "${whole}": no column ${name} (columns: ${schema.fields.map((x) => x.name).join(', ')})`);
    if (!isPrimitive(f.type)) throw new ValidationError(`--where "${whole}": column ${name} is not a primitive and cannot be compared`);
    return { id: f.id, type: f.type };
  };
  const n = NULL_TERM.exec(part);
  if (n) return { kind: n[2] ? 'not-null' : 'is-null', fieldId: field(n[1]!).id, column: n[1]! };
  const m = TERM.exec(part);
  if (!m) throw new ValidationError(`--where "${whole}": cannot read "${part.trim()}" (expected: column op value, op one of = != < <= > >=, or column IS [NOT] NULL)`);
  const { id, type } = field(m[1]!);
  const op = (m[2] === '<>' ? '!=' : m[2]) as ComparisonOp;
  return { kind: 'compare', fieldId: id, column: m[1]!, type, op, value: parseLiteral(m[3]!, type, m[1]!, whole) };
}

function parseLiteral(raw: string, type: PrimitiveType, column: string, whole: string): PrimitiveValue {
  const text = /^'.*'$|^".*"$/.test(raw) ? raw.slice(1, -1) : raw;
  try {
    switch (type.kind) {
      case 'int':
      case 'long':
      case 'float':
      case 'double': {
        if (!/^-?(\d+\.?\d*(e[+-]?\d+)?|NaN|Infinity)$/i.test(text)) throw new Error('not a number');
        if (type.kind === 'long') return BigInt(text);
        const v = Number(text);
        if (type.kind === 'int' && !Number.isInteger(v)) throw new Error('not an integer');
        return type.kind === 'float' ? Math.fround(v) : v;
      }
      case 'boolean':
        if (!/^(true|false)$/i.test(text)) throw new Error('not true/false');
        return text.toLowerCase() === 'true';
      case 'timestamp':
      case 'timestamp_ns':
        return valueFromJson(type, text.replace(' ', 'T').replace(/(Z|[+-]\d\d:?\d\d)$/, ''));
      case 'timestamptz':
      case 'timestamptz_ns': {
        const iso = text.replace(' ', 'T');
        return valueFromJson(type, /(Z|[+-]\d\d:?\d\d)$/.test(iso) ? iso.replace(/([+-]\d\d)(\d\d)$/, '$1:$2') : `${iso}+00:00`);
      }
      default:
        return valueFromJson(type, text);
    }
  } catch (err) {
    throw new ValidationError(`--where "${whole}": "${text}" is not a valid ${type.kind} for column ${column} (${(err as Error).message})`);
  }
}

/** Evaluates a predicate on a row keyed by field id. Null never satisfies a comparison. */
export function evaluate(p: Predicate, valueOf: (fieldId: number) => unknown): boolean {
  switch (p.kind) {
    case 'and':
      return p.terms.every((t) => evaluate(t, valueOf));
    case 'is-null':
      return valueOf(p.fieldId) === null || valueOf(p.fieldId) === undefined;
    case 'not-null':
      return !(valueOf(p.fieldId) === null || valueOf(p.fieldId) === undefined);
    case 'compare': {
      const v = valueOf(p.fieldId);
      if (v === null || v === undefined) return false;
      if (typeof v === 'number' && Number.isNaN(v)) return p.op === '!=';
      return holds(p.op, compareValues(p.type, v as PrimitiveValue, p.value));
    }
  }
}

export function holds(op: ComparisonOp, cmp: number): boolean {
  switch (op) {
    case '=':
      return cmp === 0;
    case '!=':
      return cmp !== 0;
    case '<':
      return cmp < 0;
    case '<=':
      return cmp <= 0;
    case '>':
      return cmp > 0;
    case '>=':
      return cmp >= 0;
  }
}

/** Field ids a predicate reads. */
export function predicateFieldIds(p: Predicate): number[] {
  return p.kind === 'and' ? p.terms.flatMap(predicateFieldIds) : [p.fieldId];
}
