import type { Catalog, TableIdentifier } from '../catalog/catalog.js';
import { formatTableIdentifier } from '../catalog/catalog.js';
import { ValidationError } from '../errors.js';
import { PARTITION_DATA_ID_START, type PartitionField, type PartitionSpec } from '../iceberg/spec/partition-spec.js';
import { Schema } from '../iceberg/spec/schema.js';
import { canTransform, transformToString, type Transform } from '../iceberg/spec/transforms.js';
import { canPromote, isPrimitive, typeToString, type IcebergType, type NestedField } from '../iceberg/spec/types.js';
import type { FormatVersion } from '../iceberg/spec/table-metadata.js';
import type { Table } from '../iceberg/table.js';
import type { Logger } from '../logging/logger.js';
import type { SourceColumn } from './source.js';

export interface TableDefinition {
  readonly id: TableIdentifier;
  readonly columns: readonly SourceColumn[];
  readonly keyColumns: readonly string[];
  readonly partitionBy: readonly { readonly column: string; readonly transform: Transform }[];
  readonly formatVersion: FormatVersion;
  readonly properties: Readonly<Record<string, string>>;
}

/** Assigns fresh field ids: top-level columns 1..n first, nested ids after (as Iceberg Java). */
export function schemaFromColumns(columns: readonly SourceColumn[], keyColumns: readonly string[]): Schema {
  let next = columns.length;
  const assign = (t: IcebergType): IcebergType => {
    switch (t.kind) {
      case 'struct':
        return { kind: 'struct', fields: t.fields.map((f) => ({ ...f, id: ++next })).map((f) => ({ ...f, type: assign(f.type) })) };
      case 'list': {
        const elementId = ++next;
        return { ...t, elementId, element: assign(t.element) };
      }
      case 'map': {
        const keyId = ++next;
        const valueId = ++next;
        return { ...t, keyId, valueId, key: assign(t.key), value: assign(t.value) };
      }
      default:
        return t;
    }
  };
  const fields: NestedField[] = columns.map((c, i) => ({ id: i + 1, name: c.name, required: keyColumns.includes(c.name) || !c.nullable, type: c.type, ...(c.doc ? { doc: c.doc } : {}) }));
  const withNested = fields.map((f) => ({ ...f, type: assign(f.type) }));
  for (const k of keyColumns) {
    const f = withNested.find((x) => x.name === k);
    if (!f) throw new ValidationError(`key column ${k} is not a column of the source table (columns: ${columns.map((c) => c.name).join(', ')})`);
    if (!isPrimitive(f.type) || f.type.kind === 'float' || f.type.kind === 'double') throw new ValidationError(`key column ${k} is ${typeToString(f.type)}: key columns must be non-floating primitives`);
  }
  return new Schema(0, withNested, keyColumns.map((k) => withNested.find((f) => f.name === k)!.id));
}

export function specFromDefinition(schema: Schema, partitionBy: TableDefinition['partitionBy']): PartitionSpec {
  const fields: PartitionField[] = partitionBy.map((p, i) => {
    const f = schema.fields.find((x) => x.name === p.column);
    if (!f) throw new ValidationError(`partition-by: ${p.column} is not a column`);
    if (!isPrimitive(f.type) || !canTransform(p.transform, f.type)) throw new ValidationError(`partition-by: ${transformToString(p.transform)} cannot be applied to ${p.column} (${typeToString(f.type)})`);
    const name = p.transform.kind === 'identity' ? p.column : `${p.column}_${p.transform.kind}`;
    return { sourceId: f.id, fieldId: PARTITION_DATA_ID_START + i, name, transform: p.transform };
  });
  return { specId: 0, fields };
}

/**
 * Creates the target table from the source schema on first run; on later runs evolves it
 * (spec "Schema Evolution"): new source columns become optional fields with fresh ids,
 * allowed widenings are applied, and anything Iceberg cannot express stops this table with
 * a message saying what changed. Existing data is never touched.
 */
export async function provisionTable(catalog: Catalog, def: TableDefinition, log: Logger): Promise<Table> {
  const name = formatTableIdentifier(def.id);
  if (!(await catalog.tableExists(def.id))) {
    const schema = schemaFromColumns(def.columns, def.keyColumns);
    const table = await catalog.createTable(def.id, { schema, spec: specFromDefinition(schema, def.partitionBy), formatVersion: def.formatVersion, properties: def.properties });
    log.info('created table', { table: name, formatVersion: def.formatVersion, columns: def.columns.length, key: def.keyColumns.join(',') });
    return table;
  }
  const table = await catalog.loadTable(def.id);
  const current = table.schema();
  const update = table.updateSchema();
  let changes = 0;
  for (const c of def.columns) {
    const f = current.fields.find((x) => x.name === c.name);
    if (!f) {
      update.addColumn(c.name, c.type);
      changes++;
      continue;
    }
    if (sameShape(f.type, c.type)) continue;
    if (isPrimitive(f.type) && isPrimitive(c.type) && canPromote(f.type, c.type)) {
      update.updateColumn(c.name, c.type);
      changes++;
    } else if (!(isPrimitive(f.type) && isPrimitive(c.type) && canPromote(c.type, f.type))) {
      throw new ValidationError(
        `table ${name}: source column ${c.name} is now ${typeToString(c.type)} but the table has ${typeToString(f.type)}; Iceberg cannot change that type (allowed: int->long, float->double, decimal precision up). Committed data is kept; create a new table or cast at the source.`,
        { table: name, column: c.name },
      );
    }
  }
  const missingKey = def.keyColumns.filter((k) => !current.identifierFieldNames().includes(k));
  if (missingKey.length > 0 && current.identifierFieldIds.length > 0) {
    throw new ValidationError(`table ${name}: key columns changed from (${current.identifierFieldNames().join(', ')}) to (${def.keyColumns.join(', ')}); an upsert table's key cannot change`, { table: name });
  }
  if (changes > 0) {
    await update.commit();
    log.info('evolved table schema', { table: name, changes });
  }
  return table;
}

/** Type equality ignoring field ids: source schemas carry no Iceberg ids for nested fields. */
function sameShape(a: IcebergType, b: IcebergType): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'struct':
      return b.kind === 'struct' && a.fields.length === b.fields.length && a.fields.every((f, i) => f.name === b.fields[i]!.name && sameShape(f.type, b.fields[i]!.type));
    case 'list':
      return b.kind === 'list' && sameShape(a.element, b.element);
    case 'map':
      return b.kind === 'map' && sameShape(a.key, b.key) && sameShape(a.value, b.value);
    case 'decimal':
      return b.kind === 'decimal' && a.precision === b.precision && a.scale === b.scale;
    case 'fixed':
      return b.kind === 'fixed' && a.length === b.length;
    default:
      return true;
  }
}
