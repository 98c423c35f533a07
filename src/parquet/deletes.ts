/**
 * Delete-file schemas (spec "Delete Formats"). Position deletes: `file_path` (id 2147483546,
 * string) and `pos` (id 2147483545, long), sorted by file_path then pos. Equality deletes:
 * the table's equality columns, ids recorded as the data file's `equality_ids`.
 */
import { ValidationError } from '../errors.js';
import { Schema } from '../iceberg/spec/schema.js';
import { isPrimitive, type NestedField } from '../iceberg/spec/types.js';
import { compareStrings } from '../iceberg/spec/value-serialization.js';

/** Spec "Reserved Field IDs". */
export const DELETE_FILE_PATH_ID = 2147483546;
export const DELETE_POS_ID = 2147483545;
export const DELETE_ROW_ID = 2147483544;

export const FILE_PATH_FIELD: NestedField = { id: DELETE_FILE_PATH_ID, name: 'file_path', required: true, type: { kind: 'string' } };
export const POS_FIELD: NestedField = { id: DELETE_POS_ID, name: 'pos', required: true, type: { kind: 'long' } };

export const POSITION_DELETE_SCHEMA = new Schema(0, [FILE_PATH_FIELD, POS_FIELD]);

export interface PositionDelete {
  file_path: string;
  pos: bigint;
}

/** Sorted copy: by file_path (code point order, as Iceberg Java) then pos. */
export function sortPositionDeletes<T extends PositionDelete>(deletes: readonly T[]): T[] {
  return [...deletes].sort((a, b) => {
    if (a.file_path !== b.file_path) return compareStrings(a.file_path, b.file_path);
    return a.pos < b.pos ? -1 : a.pos > b.pos ? 1 : 0;
  });
}

/** Throws unless the deletes are sorted as the spec requires. */
export function checkPositionDeletesSorted(deletes: readonly PositionDelete[]): void {
  for (let i = 1; i < deletes.length; i++) {
    const a = deletes[i - 1]!, b = deletes[i]!;
    const c = a.file_path === b.file_path ? (a.pos < b.pos ? -1 : a.pos > b.pos ? 1 : 0) : compareStrings(a.file_path, b.file_path);
    if (c > 0) throw new ValidationError(`position deletes are not sorted by file_path, pos at index ${i}`, { index: i });
  }
}

/**
 * Schema of an equality delete file for `equalityIds`: those columns (top-level or nested in
 * structs, keeping their parent structs), with their ids. Columns must be primitive and not
 * inside a list or map, and floating-point columns are rejected (spec "Equality Delete Files").
 */
export function equalityDeleteSchema(tableSchema: Schema, equalityIds: readonly number[]): Schema {
  if (equalityIds.length === 0) throw new ValidationError('equality delete needs at least one equality field id');
  const wanted = new Set(equalityIds);
  for (const id of wanted) {
    const f = tableSchema.findField(id);
    if (!f) throw new ValidationError(`equality field id ${id} is not in schema ${tableSchema.schemaId}`, { fieldId: id });
    if (!isPrimitive(f.type)) throw new ValidationError(`equality field ${f.name} (id ${id}) is not a primitive column`, { fieldId: id });
    if (f.type.kind === 'float' || f.type.kind === 'double') throw new ValidationError(`equality field ${f.name} (id ${id}) is ${f.type.kind}; floating point columns cannot be equality columns`, { fieldId: id });
    for (let p = tableSchema.parentId(id); p !== undefined; p = tableSchema.parentId(p)) {
      const pf = tableSchema.findField(p);
      if (pf && pf.type.kind !== 'struct') throw new ValidationError(`equality field id ${id} is inside a ${pf.type.kind}`, { fieldId: id });
    }
  }
  const prune = (fields: readonly NestedField[]): NestedField[] =>
    fields.flatMap((f): NestedField[] => {
      if (wanted.has(f.id)) return [f];
      if (f.type.kind === 'struct') {
        const kids = prune(f.type.fields);
        return kids.length ? [{ ...f, type: { kind: 'struct', fields: kids } }] : [];
      }
      return [];
    });
  return new Schema(tableSchema.schemaId, prune(tableSchema.fields));
}
