import { ValidationError } from '../../errors.js';
import { currentSchema, withCurrentSchema } from '../metadata-updates.js';
import { Schema } from '../spec/schema.js';
import type { TableMetadata } from '../spec/table-metadata.js';
import { canPromote, isPrimitive, typeToString, type IcebergType, type NestedField, type PrimitiveType, type StructType } from '../spec/types.js';
import { MetadataUpdate } from './metadata-update.js';

type Change =
  | { readonly kind: 'add'; readonly parent: string | undefined; readonly name: string; readonly type: IcebergType; readonly doc?: string }
  | { readonly kind: 'widen'; readonly name: string; readonly type: PrimitiveType }
  | { readonly kind: 'optional'; readonly name: string }
  | { readonly kind: 'rename'; readonly name: string; readonly newName: string }
  | { readonly kind: 'delete'; readonly name: string }
  | { readonly kind: 'identifier'; readonly names: readonly string[] };

/**
 * Schema evolution (spec "Schema Evolution"): new columns are optional and get fresh ids
 * above last-column-id (ids are never reused); types only widen (int->long, float->double,
 * decimal precision up); renames and deletes keep every other id.
 */
export class UpdateSchema extends MetadataUpdate {
  private readonly changes: Change[] = [];

  /** Adds an optional column; `parent` names a struct column for nested additions. */
  addColumn(name: string, type: IcebergType, opts: { parent?: string; doc?: string } = {}): this {
    this.changes.push({ kind: 'add', parent: opts.parent, name, type, ...(opts.doc ? { doc: opts.doc } : {}) });
    return this;
  }

  updateColumn(name: string, type: PrimitiveType): this {
    this.changes.push({ kind: 'widen', name, type });
    return this;
  }

  makeColumnOptional(name: string): this {
    this.changes.push({ kind: 'optional', name });
    return this;
  }

  renameColumn(name: string, newName: string): this {
    this.changes.push({ kind: 'rename', name, newName });
    return this;
  }

  deleteColumn(name: string): this {
    this.changes.push({ kind: 'delete', name });
    return this;
  }

  setIdentifierFields(names: readonly string[]): this {
    this.changes.push({ kind: 'identifier', names });
    return this;
  }

  protected applyTo(md: TableMetadata): TableMetadata {
    let schema = currentSchema(md);
    let lastId = md.lastColumnId;
    for (const c of this.changes) {
      const result = applyChange(schema, c, lastId, this.ops.name);
      schema = result.schema;
      lastId = result.lastId;
    }
    return { ...withCurrentSchema(md, schema), lastColumnId: lastId };
  }
}

function applyChange(schema: Schema, c: Change, lastId: number, table: string): { schema: Schema; lastId: number } {
  const fail = (msg: string): never => {
    throw new ValidationError(`schema update on ${table}: ${msg}`, { table });
  };
  const field = (name: string): NestedField => schema.findFieldByName(name) ?? fail(`column ${name} does not exist`);
  switch (c.kind) {
    case 'add': {
      const full = c.parent ? `${c.parent}.${c.name}` : c.name;
      if (schema.findFieldByName(full)) fail(`column ${full} already exists`);
      let next = lastId;
      const assign = (t: IcebergType): IcebergType => {
        if (t.kind === 'struct') return { kind: 'struct', fields: t.fields.map((f) => ({ ...f, id: ++next, type: assign(f.type) })) };
        if (t.kind === 'list') return { ...t, elementId: ++next, element: assign(t.element) };
        if (t.kind === 'map') {
          const keyId = ++next;
          const valueId = ++next;
          return { ...t, keyId, valueId, key: assign(t.key), value: assign(t.value) };
        }
        return t;
      };
      const id = ++next;
      const added: NestedField = { id, name: c.name, required: false, type: assign(c.type), ...(c.doc ? { doc: c.doc } : {}) };
      const parentId = c.parent === undefined ? undefined : field(c.parent).id;
      if (parentId !== undefined && schema.findField(parentId)!.type.kind !== 'struct') fail(`${c.parent} is not a struct`);
      return { schema: rebuild(schema, (f) => (f.id === parentId ? { ...f, type: { kind: 'struct', fields: [...(f.type as StructType).fields, added] } } : f), parentId === undefined ? added : undefined), lastId: next };
    }
    case 'widen': {
      const f = field(c.name);
      if (!isPrimitive(f.type) || !canPromote(f.type, c.type)) fail(`cannot change ${c.name} from ${typeToString(f.type)} to ${typeToString(c.type)} (allowed: int->long, float->double, decimal precision up)`);
      return { schema: rebuild(schema, (x) => (x.id === f.id ? { ...x, type: c.type } : x)), lastId };
    }
    case 'optional': {
      const f = field(c.name);
      if (schema.identifierFieldIds.includes(f.id)) fail(`${c.name} is an identifier field and must stay required`);
      return { schema: rebuild(schema, (x) => (x.id === f.id ? { ...x, required: false } : x)), lastId };
    }
    case 'rename': {
      const f = field(c.name);
      const parent = c.name.includes('.') ? c.name.slice(0, c.name.lastIndexOf('.')) : undefined;
      if (schema.findFieldByName(parent ? `${parent}.${c.newName}` : c.newName)) fail(`column ${c.newName} already exists`);
      return { schema: rebuild(schema, (x) => (x.id === f.id ? { ...x, name: c.newName } : x)), lastId };
    }
    case 'delete': {
      const f = field(c.name);
      if (schema.identifierFieldIds.includes(f.id)) fail(`${c.name} is an identifier field; change the identifier fields first`);
      return { schema: rebuild(schema, (x) => (x.id === f.id ? undefined : x)), lastId };
    }
    case 'identifier': {
      const ids = c.names.map((n) => {
        const f = field(n);
        if (!f.required) fail(`identifier field ${n} must be required`);
        if (!isPrimitive(f.type)) fail(`identifier field ${n} must be a primitive`);
        return f.id;
      });
      return { schema: new Schema(schema.schemaId, schema.fields, ids), lastId };
    }
  }
}

/** Maps every field of a schema (depth first); `append` adds a top-level field. */
function rebuild(schema: Schema, fn: (f: NestedField) => NestedField | undefined, append?: NestedField): Schema {
  const mapType = (t: IcebergType): IcebergType => {
    if (t.kind === 'struct') return { kind: 'struct', fields: mapFields(t.fields) };
    if (t.kind === 'list') return { ...t, element: mapType(t.element) };
    if (t.kind === 'map') return { ...t, key: mapType(t.key), value: mapType(t.value) };
    return t;
  };
  const mapFields = (fields: readonly NestedField[]): NestedField[] =>
    fields.flatMap((f) => {
      const mapped = fn({ ...f, type: mapType(f.type) });
      return mapped ? [mapped] : [];
    });
  const fields = mapFields(schema.fields);
  if (append) fields.push(append);
  return new Schema(schema.schemaId, fields, schema.identifierFieldIds);
}
