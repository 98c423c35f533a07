import { ValidationError } from '../../errors.js';
import type { IcebergType, NestedField, StructType } from './types.js';

/**
 * A schema (spec "Schemas"): a struct with a schema id and optional identifier fields. Built
 * once, validated once: the id -> field and name -> field indexes are computed in the
 * constructor, so lookups later are cheap and cannot fail on a malformed schema.
 */
export class Schema {
  readonly schemaId: number;
  readonly fields: readonly NestedField[];
  readonly identifierFieldIds: readonly number[];
  private readonly byId = new Map<number, NestedField>();
  private readonly byName = new Map<string, NestedField>();
  private readonly parentOf = new Map<number, number>();
  readonly highestFieldId: number;

  constructor(schemaId: number, fields: readonly NestedField[], identifierFieldIds: readonly number[] = []) {
    this.schemaId = schemaId;
    this.fields = fields;
    this.identifierFieldIds = identifierFieldIds;
    let highest = 0;
    const visit = (type: IcebergType, prefix: string, parent: number | undefined): void => {
      const add = (id: number, name: string, field: NestedField): void => {
        if (this.byId.has(id)) throw new ValidationError(`schema ${schemaId}: field id ${id} is used twice (${name})`, { schemaId, fieldId: id });
        this.byId.set(id, field);
        this.byName.set(name, field);
        if (parent !== undefined) this.parentOf.set(id, parent);
        highest = Math.max(highest, id);
      };
      if (type.kind === 'struct') {
        for (const f of type.fields) {
          const name = prefix ? `${prefix}.${f.name}` : f.name;
          add(f.id, name, f);
          visit(f.type, name, f.id);
        }
      } else if (type.kind === 'list') {
        const name = `${prefix}.element`;
        add(type.elementId, name, { id: type.elementId, name: 'element', required: type.elementRequired, type: type.element });
        visit(type.element, name, type.elementId);
      } else if (type.kind === 'map') {
        add(type.keyId, `${prefix}.key`, { id: type.keyId, name: 'key', required: true, type: type.key });
        visit(type.key, `${prefix}.key`, type.keyId);
        add(type.valueId, `${prefix}.value`, { id: type.valueId, name: 'value', required: type.valueRequired, type: type.value });
        visit(type.value, `${prefix}.value`, type.valueId);
      }
    };
    visit(this.asStruct(), '', undefined);
    this.highestFieldId = highest;
    for (const id of identifierFieldIds) {
      const f = this.byId.get(id);
      if (!f) throw new ValidationError(`schema ${schemaId}: identifier field id ${id} does not exist`, { schemaId, fieldId: id });
    }
  }

  asStruct(): StructType {
    return { kind: 'struct', fields: this.fields };
  }

  findField(id: number): NestedField | undefined {
    return this.byId.get(id);
  }

  /** Finds a field by its dotted full name (`a.b.c`; list elements are `x.element`). */
  findFieldByName(name: string): NestedField | undefined {
    return this.byName.get(name);
  }

  /** The dotted full name of a field id. */
  findColumnName(id: number): string | undefined {
    for (const [name, f] of this.byName) if (f.id === id) return name;
    return undefined;
  }

  /** Parent field id of a nested field (undefined for top-level fields). */
  parentId(id: number): number | undefined {
    return this.parentOf.get(id);
  }

  /** All field ids in this schema, nested included. */
  allFieldIds(): number[] {
    return [...this.byId.keys()];
  }

  identifierFieldNames(): string[] {
    return this.identifierFieldIds.map((id) => this.findColumnName(id) ?? String(id));
  }

  withSchemaId(schemaId: number): Schema {
    return new Schema(schemaId, this.fields, this.identifierFieldIds);
  }
}
