import { InvalidAvroError } from '../errors.js';
import type { AvroRecord, AvroValue } from './value.js';

/**
 * Avro schemas (Avro 1.11 spec, "Schema Declaration"), parsed into a graph of plain objects.
 * Named types (record, enum, fixed) referenced by name resolve to the same object, so a
 * recursive schema is a cyclic graph. Iceberg's extra attributes (`field-id`, `element-id`,
 * `key-id`, `value-id`) are typed; every other attribute the spec does not define is kept in
 * `attrs`, because the spec permits them as metadata and Iceberg relies on some (`adjust-to-utc`,
 * decimal `precision`/`scale`).
 */

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export type AvroPrimitiveTypeName = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';

/** Attributes the spec does not define, kept verbatim (e.g. `{"adjust-to-utc": true}`). */
export type AvroExtraAttributes = Readonly<Record<string, JsonValue>>;

export interface AvroPrimitiveSchema {
  readonly type: AvroPrimitiveTypeName;
  readonly logicalType?: string;
  readonly attrs?: AvroExtraAttributes;
}

export interface AvroField {
  readonly name: string;
  readonly type: AvroSchema;
  readonly doc?: string;
  /** JSON default (spec "Records": for a union, it belongs to the first branch). */
  readonly default?: JsonValue;
  readonly order?: 'ascending' | 'descending' | 'ignore';
  readonly aliases?: readonly string[];
  /** Iceberg field id (`field-id`). */
  readonly fieldId?: number;
  readonly attrs?: AvroExtraAttributes;
}

interface AvroNamedCommon {
  /** Simple name (no dots). A dotted name given by code is taken as a fullname. */
  readonly name: string;
  /** Namespace; absent for the null namespace. Parsed schemas carry the effective (inherited) one. */
  readonly namespace?: string;
  readonly doc?: string;
  readonly aliases?: readonly string[];
  readonly logicalType?: string;
  readonly attrs?: AvroExtraAttributes;
}

export interface AvroRecordSchema extends AvroNamedCommon {
  readonly type: 'record';
  readonly fields: readonly AvroField[];
}

export interface AvroEnumSchema extends AvroNamedCommon {
  readonly type: 'enum';
  readonly symbols: readonly string[];
  readonly default?: string;
}

export interface AvroFixedSchema extends AvroNamedCommon {
  readonly type: 'fixed';
  readonly size: number;
}

export interface AvroArraySchema {
  readonly type: 'array';
  readonly items: AvroSchema;
  /** Iceberg element id (`element-id`). */
  readonly elementId?: number;
  readonly logicalType?: string;
  readonly attrs?: AvroExtraAttributes;
}

export interface AvroMapSchema {
  readonly type: 'map';
  readonly values: AvroSchema;
  /** Iceberg key/value ids (`key-id`, `value-id`). */
  readonly keyId?: number;
  readonly valueId?: number;
  readonly logicalType?: string;
  readonly attrs?: AvroExtraAttributes;
}

export interface AvroUnionSchema {
  readonly type: 'union';
  readonly branches: readonly AvroSchema[];
}

export type AvroNamedSchema = AvroRecordSchema | AvroEnumSchema | AvroFixedSchema;

export type AvroSchema =
  | AvroPrimitiveSchema
  | AvroRecordSchema
  | AvroArraySchema
  | AvroMapSchema
  | AvroFixedSchema
  | AvroEnumSchema
  | AvroUnionSchema;

export interface ParseAvroSchemaOptions {
  /**
   * Check every field default against its type (default true). Readers turn this off: a bad
   * default does not change how data is encoded, so it should not make a file unreadable.
   */
  readonly validateDefaults?: boolean;
}

const PRIMITIVES: ReadonlySet<string> = new Set<AvroPrimitiveTypeName>([
  'null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string',
]);

// Spec "Names": [A-Za-z_] then [A-Za-z0-9_]*.
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isPrimitiveTypeName(s: string): s is AvroPrimitiveTypeName {
  return PRIMITIVES.has(s);
}

/** Splits a possibly dotted name into simple name and namespace (spec "Names"). */
function splitName(name: string, namespace: string | undefined): { name: string; namespace: string | undefined } {
  const dot = name.lastIndexOf('.');
  if (dot >= 0) return { name: name.slice(dot + 1), namespace: dot === 0 ? undefined : name.slice(0, dot) };
  return { name, namespace: namespace === '' ? undefined : namespace };
}

/** The fullname of a named schema (namespace.name, or name in the null namespace). */
export function avroFullName(s: AvroNamedSchema): string {
  const { name, namespace } = splitName(s.name, s.namespace);
  return namespace === undefined ? name : `${namespace}.${name}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isJsonValue(v: unknown, depth = 0): v is JsonValue {
  if (depth > 1000) return false;
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((x) => isJsonValue(x, depth + 1));
  if (isObject(v)) return Object.values(v).every((x) => isJsonValue(x, depth + 1));
  return false;
}

function schemaError(path: string, what: string): InvalidAvroError {
  return new InvalidAvroError(`invalid Avro schema${path ? ` at ${path}` : ''}: ${what}`, path ? { path } : {});
}

const KNOWN_ATTRS = {
  primitive: new Set(['type', 'logicalType']),
  record: new Set(['type', 'name', 'namespace', 'doc', 'aliases', 'fields', 'logicalType']),
  field: new Set(['name', 'type', 'doc', 'default', 'order', 'aliases', 'field-id']),
  enum: new Set(['type', 'name', 'namespace', 'doc', 'aliases', 'symbols', 'default', 'logicalType']),
  fixed: new Set(['type', 'name', 'namespace', 'doc', 'aliases', 'size', 'logicalType']),
  array: new Set(['type', 'items', 'element-id', 'logicalType']),
  map: new Set(['type', 'values', 'key-id', 'value-id', 'logicalType']),
} as const;

class SchemaParser {
  private readonly named = new Map<string, AvroNamedSchema>();

  constructor(private readonly validateDefaults: boolean) {}

  parse(json: unknown, ns: string | undefined, path: string): AvroSchema {
    if (typeof json === 'string') return this.reference(json, ns, path);
    if (Array.isArray(json)) return this.union(json, ns, path);
    if (!isObject(json)) return fail(path, `expected a type name, object or array, got ${JSON.stringify(json) ?? typeof json}`);
    const type = json['type'];
    if (typeof type !== 'string') {
      return fail(path, type === undefined ? "missing 'type'" : "'type' must be a string (a type name)");
    }
    switch (type) {
      case 'record':
        return this.record(json, ns, path);
      case 'enum':
        return this.enumType(json, ns, path);
      case 'fixed':
        return this.fixed(json, ns, path);
      case 'array': {
        if (!('items' in json)) return fail(path, "array without 'items'");
        const items = this.parse(json['items'], ns, `${path}[]`);
        return withOptional<AvroArraySchema>(
          { type: 'array', items },
          {
            elementId: optionalInt(json, 'element-id', path),
            logicalType: optionalString(json, 'logicalType', path),
            attrs: extraAttrs(json, KNOWN_ATTRS.array, path),
          },
        );
      }
      case 'map': {
        if (!('values' in json)) return fail(path, "map without 'values'");
        const values = this.parse(json['values'], ns, `${path}{}`);
        return withOptional<AvroMapSchema>(
          { type: 'map', values },
          {
            keyId: optionalInt(json, 'key-id', path),
            valueId: optionalInt(json, 'value-id', path),
            logicalType: optionalString(json, 'logicalType', path),
            attrs: extraAttrs(json, KNOWN_ATTRS.map, path),
          },
        );
      }
      default:
        if (isPrimitiveTypeName(type)) {
          return withOptional<AvroPrimitiveSchema>(
            { type },
            {
              logicalType: optionalString(json, 'logicalType', path),
              attrs: extraAttrs(json, KNOWN_ATTRS.primitive, path),
            },
          );
        }
        // {"type": "SomeName"} refers to a defined named type.
        return this.reference(type, ns, path);
    }
  }

  private reference(name: string, ns: string | undefined, path: string): AvroSchema {
    if (isPrimitiveTypeName(name)) return { type: name };
    const { name: simple, namespace } = splitName(name, name.includes('.') ? undefined : ns);
    const full = namespace === undefined ? simple : `${namespace}.${simple}`;
    // Spec: an unqualified reference uses the enclosing namespace. Fall back to the null
    // namespace, as other readers do, so files written by lax writers still open.
    const found = this.named.get(full) ?? (name.includes('.') ? undefined : this.named.get(simple));
    if (!found) {
      const hint = ['record', 'enum', 'fixed', 'array', 'map'].includes(name) ? ` (a ${name} type must be written as an object)` : '';
      return fail(path, `unknown type name ${JSON.stringify(name)}${hint}; named types must be defined before use`);
    }
    return found;
  }

  private union(json: readonly unknown[], ns: string | undefined, path: string): AvroUnionSchema {
    const branches: AvroSchema[] = [];
    const seen = new Set<string>();
    json.forEach((b, i) => {
      const s = this.parse(b, ns, `${path}<${i}>`);
      // Spec "Unions": no immediately nested unions, no two branches of the same type
      // except named types with different names.
      if (s.type === 'union') fail(path, `union branch ${i} is itself a union`);
      const key = s.type === 'record' || s.type === 'enum' || s.type === 'fixed' ? `name:${avroFullName(s)}` : s.type;
      if (seen.has(key)) fail(path, `union has more than one branch of type ${key.replace(/^name:/, '')}`);
      seen.add(key);
      branches.push(s);
    });
    return { type: 'union', branches };
  }

  private define(json: Record<string, unknown>, ns: string | undefined, path: string): { name: string; namespace: string | undefined; full: string } {
    const rawName = json['name'];
    if (typeof rawName !== 'string') fail(path, `${String(json['type'])} without a string 'name'`);
    const rawNs = json['namespace'];
    if (rawNs !== undefined && rawNs !== null && typeof rawNs !== 'string') fail(path, "'namespace' must be a string");
    const { name, namespace } = splitName(rawName, rawName.includes('.') ? undefined : typeof rawNs === 'string' ? rawNs : ns);
    if (!NAME_RE.test(name)) fail(path, `name ${JSON.stringify(rawName)} is not a valid Avro name ([A-Za-z_][A-Za-z0-9_]*)`);
    if (namespace !== undefined && !namespace.split('.').every((p) => NAME_RE.test(p))) {
      fail(path, `namespace ${JSON.stringify(namespace)} is not a dot-separated sequence of Avro names`);
    }
    if (isPrimitiveTypeName(name)) fail(path, `primitive type name ${JSON.stringify(name)} cannot be redefined`);
    const full = namespace === undefined ? name : `${namespace}.${name}`;
    if (this.named.has(full)) fail(path, `type ${full} is defined more than once`);
    return { name, namespace, full };
  }

  private record(json: Record<string, unknown>, ns: string | undefined, path: string): AvroRecordSchema {
    const { name, namespace, full } = this.define(json, ns, path);
    const here = path ? `${path}(${name})` : name;
    const rawFields = json['fields'];
    if (!Array.isArray(rawFields)) fail(here, "record without a 'fields' array");
    const fields: AvroField[] = [];
    const rec = withOptional<AvroRecordSchema>(
      { type: 'record', name, fields },
      {
        namespace,
        doc: optionalString(json, 'doc', here),
        aliases: optionalStrings(json, 'aliases', here),
        logicalType: optionalString(json, 'logicalType', here),
        attrs: extraAttrs(json, KNOWN_ATTRS.record, here),
      },
    );
    // Registered before its fields so that fields may refer to the record itself.
    this.named.set(full, rec);
    const names = new Set<string>();
    for (const f of rawFields) {
      if (!isObject(f)) fail(here, 'record field is not an object');
      const fname = f['name'];
      if (typeof fname !== 'string' || !NAME_RE.test(fname)) {
        fail(here, `field name ${JSON.stringify(fname)} is not a valid Avro name ([A-Za-z_][A-Za-z0-9_]*)`);
      }
      const fpath = `${here}.${fname}`;
      if (names.has(fname)) fail(here, `duplicate field name ${JSON.stringify(fname)}`);
      names.add(fname);
      if (!('type' in f)) fail(fpath, "field without 'type'");
      const ftype = this.parse(f['type'], namespace, fpath);
      const order = f['order'];
      if (order !== undefined && order !== 'ascending' && order !== 'descending' && order !== 'ignore') {
        fail(fpath, "'order' must be ascending, descending or ignore");
      }
      let dflt: JsonValue | undefined;
      if ('default' in f) {
        const d = f['default'];
        if (!isJsonValue(d)) fail(fpath, "'default' is not a JSON value");
        dflt = d;
        if (this.validateDefaults) avroDefaultValue(ftype, d, fpath);
      }
      fields.push(
        withOptional<AvroField>(
          { name: fname, type: ftype },
          {
            doc: optionalString(f, 'doc', fpath),
            default: dflt,
            order,
            aliases: optionalStrings(f, 'aliases', fpath),
            fieldId: optionalInt(f, 'field-id', fpath),
            attrs: extraAttrs(f, KNOWN_ATTRS.field, fpath),
          },
        ),
      );
    }
    return rec;
  }

  private enumType(json: Record<string, unknown>, ns: string | undefined, path: string): AvroEnumSchema {
    const { name, namespace, full } = this.define(json, ns, path);
    const here = path ? `${path}(${name})` : name;
    const symbols = json['symbols'];
    if (!Array.isArray(symbols)) fail(here, "enum without a 'symbols' array");
    const seen = new Set<string>();
    for (const s of symbols) {
      // Spec "Enums": symbols are unique names.
      if (typeof s !== 'string' || !NAME_RE.test(s)) fail(here, `enum symbol ${JSON.stringify(s)} is not a valid Avro name`);
      if (seen.has(s)) fail(here, `duplicate enum symbol ${JSON.stringify(s)}`);
      seen.add(s);
    }
    const dflt = json['default'];
    if (dflt !== undefined && (typeof dflt !== 'string' || !seen.has(dflt))) {
      fail(here, `enum default ${JSON.stringify(dflt)} is not one of its symbols`);
    }
    const e = withOptional<AvroEnumSchema>(
      { type: 'enum', name, symbols: symbols as string[] },
      {
        namespace,
        doc: optionalString(json, 'doc', here),
        aliases: optionalStrings(json, 'aliases', here),
        default: dflt,
        logicalType: optionalString(json, 'logicalType', here),
        attrs: extraAttrs(json, KNOWN_ATTRS.enum, here),
      },
    );
    this.named.set(full, e);
    return e;
  }

  private fixed(json: Record<string, unknown>, ns: string | undefined, path: string): AvroFixedSchema {
    const { name, namespace, full } = this.define(json, ns, path);
    const here = path ? `${path}(${name})` : name;
    const size = json['size'];
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      fail(here, `fixed 'size' must be a non-negative integer, got ${JSON.stringify(size)}`);
    }
    const fx = withOptional<AvroFixedSchema>(
      { type: 'fixed', name, size },
      {
        namespace,
        doc: optionalString(json, 'doc', here),
        aliases: optionalStrings(json, 'aliases', here),
        logicalType: optionalString(json, 'logicalType', here),
        attrs: extraAttrs(json, KNOWN_ATTRS.fixed, here),
      },
    );
    this.named.set(full, fx);
    return fx;
  }
}

function fail(path: string, what: string): never {
  throw schemaError(path, what);
}

/** Adds the optional properties that are defined, so parsed schemas never hold `undefined` keys. */
function withOptional<T extends object>(base: Partial<T>, optional: { [K in keyof T]?: T[K] | undefined }): T {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) out[k] = v;
  return out as T;
}

function optionalString(json: Record<string, unknown>, key: string, path: string): string | undefined {
  const v = json[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') fail(path, `'${key}' must be a string`);
  return v;
}

function optionalStrings(json: Record<string, unknown>, key: string, path: string): readonly string[] | undefined {
  const v = json[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x): x is string => typeof x === 'string')) fail(path, `'${key}' must be an array of strings`);
  return v;
}

function optionalInt(json: Record<string, unknown>, key: string, path: string): number | undefined {
  const v = json[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(path, `'${key}' must be an integer, got ${JSON.stringify(v)}`);
  return v;
}

function extraAttrs(json: Record<string, unknown>, known: ReadonlySet<string>, path: string): AvroExtraAttributes | undefined {
  let out: Record<string, JsonValue> | undefined;
  for (const [k, v] of Object.entries(json)) {
    if (known.has(k)) continue;
    if (!isJsonValue(v)) fail(path, `attribute '${k}' is not a JSON value`);
    (out ??= {})[k] = v;
  }
  return out;
}

/**
 * Parses an Avro schema from JSON text or from an already parsed JSON value, resolving named
 * type references and validating names, unions, enums, fixed sizes and (unless turned off)
 * field defaults. A string is JSON text, except a bare primitive type name (`long`, `null`).
 * Throws InvalidAvroError naming the place at fault.
 */
export function parseAvroSchema(json: string | unknown, opts: ParseAvroSchemaOptions = {}): AvroSchema {
  let value: unknown = json;
  // A bare primitive name is taken as the name ("null" would otherwise be JSON null).
  if (typeof json === 'string' && !isPrimitiveTypeName(json.trim())) {
    try {
      value = JSON.parse(json);
    } catch (err) {
      throw new InvalidAvroError(`invalid Avro schema: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
    }
  } else if (typeof json === 'string') {
    value = json.trim();
  }
  return new SchemaParser(opts.validateDefaults ?? true).parse(value, undefined, '');
}

/**
 * Converts a field default from its JSON form (spec "Records", table of default values) to the
 * value the writer encodes. For a union the default belongs to the first branch.
 */
export function avroDefaultValue(schema: AvroSchema, json: JsonValue, path = ''): AvroValue {
  const bad = (): never => fail(path, `default ${truncateJson(json)} is not valid for type ${typeLabel(schema)}`);
  switch (schema.type) {
    case 'null':
      return json === null ? null : bad();
    case 'boolean':
      return typeof json === 'boolean' ? json : bad();
    case 'int':
      return typeof json === 'number' && Number.isInteger(json) && json >= -0x80000000 && json <= 0x7fffffff ? json : bad();
    case 'long':
      // JSON numbers are doubles: a default beyond 2^53 was already rounded by JSON.parse, and
      // Long.MAX_VALUE rounds up to 2^63, which is taken to mean it.
      if (typeof json !== 'number' || !Number.isInteger(json) || json < -(2 ** 63)) return bad();
      return json >= 2 ** 63 ? (json === 2 ** 63 ? 2n ** 63n - 1n : bad()) : BigInt(json);
    case 'float':
    case 'double':
      if (typeof json === 'number') return json;
      // Java's Avro writes non-finite defaults as these strings.
      if (json === 'NaN') return NaN;
      if (json === 'Infinity') return Infinity;
      if (json === '-Infinity') return -Infinity;
      return bad();
    case 'string':
      return typeof json === 'string' ? json : bad();
    case 'bytes':
    case 'fixed': {
      // Spec: bytes/fixed defaults are strings whose code points 0-255 are the byte values.
      if (typeof json !== 'string') return bad();
      const out = new Uint8Array(json.length);
      for (let i = 0; i < json.length; i++) {
        const c = json.charCodeAt(i);
        if (c > 255) return bad();
        out[i] = c;
      }
      if (schema.type === 'fixed' && out.length !== schema.size) return bad();
      return out;
    }
    case 'enum':
      return typeof json === 'string' && schema.symbols.includes(json) ? json : bad();
    case 'array':
      return Array.isArray(json) ? json.map((x, i) => avroDefaultValue(schema.items, x, `${path}[${i}]`)) : bad();
    case 'map': {
      if (!isObject(json)) return bad();
      const m = new Map<string, AvroValue>();
      for (const [k, v] of Object.entries(json)) m.set(k, avroDefaultValue(schema.values, v as JsonValue, `${path}{${k}}`));
      return m;
    }
    case 'record': {
      if (!isObject(json)) return bad();
      const rec: AvroRecord = {};
      for (const f of schema.fields) {
        const given = Object.prototype.hasOwnProperty.call(json, f.name) ? (json[f.name] as JsonValue) : undefined;
        const src = given !== undefined ? given : f.default;
        if (src === undefined) fail(path, `default record lacks field ${JSON.stringify(f.name)}, which has no default`);
        setField(rec, f.name, avroDefaultValue(f.type, src, `${path}.${f.name}`));
      }
      return rec;
    }
    case 'union': {
      const first = schema.branches[0];
      if (!first) return bad();
      return avroDefaultValue(first, json, path);
    }
  }
}

/** Sets a record field, even one named `__proto__` (a valid Avro name). */
export function setField(rec: AvroRecord, name: string, value: AvroValue): void {
  if (name === '__proto__') Object.defineProperty(rec, name, { value, enumerable: true, writable: true, configurable: true });
  else rec[name] = value;
}

function truncateJson(v: JsonValue): string {
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 60)}...` : s;
}

/** Short human label of a schema for error messages. */
export function typeLabel(s: AvroSchema): string {
  switch (s.type) {
    case 'record':
    case 'enum':
    case 'fixed':
      return `${s.type} ${avroFullName(s)}`;
    case 'array':
      return `array<${typeLabel(s.items)}>`;
    case 'map':
      return `map<${typeLabel(s.values)}>`;
    case 'union':
      return `[${s.branches.map(typeLabel).join(', ')}]`;
    default:
      return s.type;
  }
}

/**
 * The JSON form of a schema, as written into a file's `avro.schema` metadata: named types are
 * defined at first use and referred to by name afterwards; Iceberg ids and extra attributes
 * are written back under their JSON names.
 */
export function avroSchemaToJsonValue(schema: AvroSchema): JsonValue {
  return toJson(schema, undefined, new Set());
}

export function avroSchemaToJson(schema: AvroSchema): string {
  return JSON.stringify(avroSchemaToJsonValue(schema));
}

function addAttrs(out: Record<string, JsonValue>, attrs: AvroExtraAttributes | undefined): Record<string, JsonValue> {
  if (attrs) for (const [k, v] of Object.entries(attrs)) if (!(k in out)) out[k] = v;
  return out;
}

function toJson(s: AvroSchema, ns: string | undefined, defined: Set<string>): JsonValue {
  switch (s.type) {
    case 'union':
      return s.branches.map((b) => toJson(b, ns, defined));
    case 'array': {
      const out: Record<string, JsonValue> = { type: 'array', items: toJson(s.items, ns, defined) };
      if (s.elementId !== undefined) out['element-id'] = s.elementId;
      if (s.logicalType !== undefined) out['logicalType'] = s.logicalType;
      return addAttrs(out, s.attrs);
    }
    case 'map': {
      const out: Record<string, JsonValue> = { type: 'map', values: toJson(s.values, ns, defined) };
      if (s.keyId !== undefined) out['key-id'] = s.keyId;
      if (s.valueId !== undefined) out['value-id'] = s.valueId;
      if (s.logicalType !== undefined) out['logicalType'] = s.logicalType;
      return addAttrs(out, s.attrs);
    }
    case 'record':
    case 'enum':
    case 'fixed': {
      const { name, namespace } = splitName(s.name, s.namespace);
      const full = namespace === undefined ? name : `${namespace}.${name}`;
      if (defined.has(full)) return namespace === ns ? name : full;
      defined.add(full);
      const out: Record<string, JsonValue> = { type: s.type, name };
      // Written only where it differs from the enclosing one ("" names the null namespace).
      if (namespace !== ns) out['namespace'] = namespace ?? '';
      if (s.doc !== undefined) out['doc'] = s.doc;
      if (s.aliases !== undefined) out['aliases'] = s.aliases;
      if (s.type === 'record') {
        out['fields'] = s.fields.map((f) => fieldToJson(f, namespace, defined));
      } else if (s.type === 'enum') {
        out['symbols'] = s.symbols;
        if (s.default !== undefined) out['default'] = s.default;
      } else {
        out['size'] = s.size;
      }
      if (s.logicalType !== undefined) out['logicalType'] = s.logicalType;
      return addAttrs(out, s.attrs);
    }
    default:
      if (s.logicalType === undefined && s.attrs === undefined) return s.type;
      return addAttrs(s.logicalType === undefined ? { type: s.type } : { type: s.type, logicalType: s.logicalType }, s.attrs);
  }
}

function fieldToJson(f: AvroField, ns: string | undefined, defined: Set<string>): JsonValue {
  const out: Record<string, JsonValue> = { name: f.name, type: toJson(f.type, ns, defined) };
  if (f.doc !== undefined) out['doc'] = f.doc;
  if (f.default !== undefined) out['default'] = f.default;
  if (f.order !== undefined) out['order'] = f.order;
  if (f.aliases !== undefined) out['aliases'] = f.aliases;
  if (f.fieldId !== undefined) out['field-id'] = f.fieldId;
  return addAttrs(out, f.attrs);
}
