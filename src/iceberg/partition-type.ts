import { ValidationError } from '../errors.js';
import type { PartitionSpec } from './spec/partition-spec.js';
import type { Schema } from './spec/schema.js';
import { isPrimitive, type PrimitiveType, type StructType } from './spec/types.js';
import { transformResultType } from './spec/transforms.js';

/**
 * The partition tuple's struct type for a spec (spec "Partitioning": field ids and names from
 * the spec, types from each transform's result type). Partition fields are optional, as in
 * Iceberg Java. A source column dropped since the spec was made is looked up in older schemas.
 */
export function partitionStructType(spec: PartitionSpec, schemas: readonly Schema[]): StructType {
  return {
    kind: 'struct',
    fields: spec.fields.map((pf) => ({
      id: pf.fieldId,
      name: pf.name,
      required: false,
      type: transformResultType(pf.transform, partitionSourceType(spec, pf.sourceId, schemas)),
    })),
  };
}

export function partitionSourceType(spec: PartitionSpec, sourceId: number, schemas: readonly Schema[]): PrimitiveType {
  for (let i = schemas.length - 1; i >= 0; i--) {
    const f = schemas[i]!.findField(sourceId);
    if (f) {
      if (!isPrimitive(f.type)) {
        throw new ValidationError(`partition spec ${spec.specId}: source field ${sourceId} (${f.name}) is not a primitive`, {
          specId: spec.specId,
          sourceId,
        });
      }
      return f.type;
    }
  }
  throw new ValidationError(`partition spec ${spec.specId}: source field id ${sourceId} is in no schema of the table`, {
    specId: spec.specId,
    sourceId,
  });
}
