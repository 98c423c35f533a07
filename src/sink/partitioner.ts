import { ValidationError } from '../errors.js';
import { partitionKey } from '../iceberg/partition-key.js';
import { partitionSourceType } from '../iceberg/partition-type.js';
import type { PartitionSpec } from '../iceberg/spec/partition-spec.js';
import type { Schema } from '../iceberg/spec/schema.js';
import { partitionPathSegment, transformFunction, transformResultType, type TransformFunction } from '../iceberg/spec/transforms.js';
import type { PrimitiveType } from '../iceberg/spec/types.js';
import type { PartitionValues, PrimitiveValue } from '../iceberg/spec/values.js';
import type { RowValues } from './change-event.js';

export interface PartitionOf {
  /** The spec the values belong to (a global equality delete's differs from the table's default). */
  readonly specId: number;
  readonly values: PartitionValues;
  /** Stable key for maps: same spec + same values -> same key. */
  readonly key: string;
  /** `name=value/...` directory (Iceberg Java's partitionToPath). */
  readonly path: string;
}

/**
 * Computes a row's partition tuple for a spec (transforms resolved once per field, applied
 * per row). Only top-level source columns are supported, which is what CDC tables have.
 */
export class Partitioner {
  private readonly fields: { column: string; fn: TransformFunction; resultType: PrimitiveType; name: string; spec: PartitionSpec['fields'][number] }[];
  /** An unpartitioned spec puts every row in the same partition: computed once, not per row. */
  private readonly unpartitioned: PartitionOf | undefined;

  constructor(
    readonly spec: PartitionSpec,
    schema: Schema,
  ) {
    this.fields = spec.fields.map((pf) => {
      const source = schema.findField(pf.sourceId);
      const column = schema.fields.find((f) => f.id === pf.sourceId)?.name;
      if (!source || !column) throw new ValidationError(`partition field ${pf.name}: source ${pf.sourceId} is not a top-level column of the current schema`);
      const type = partitionSourceType(spec, pf.sourceId, [schema]);
      return { column, fn: transformFunction(pf.transform, type), resultType: transformResultType(pf.transform, type), name: pf.name, spec: pf };
    });
    this.unpartitioned = this.fields.length === 0 ? { specId: spec.specId, values: [], key: partitionKey(spec.specId, []), path: '' } : undefined;
  }

  /** Top-level columns the partition depends on. */
  get sourceColumns(): string[] {
    return this.fields.map((f) => f.column);
  }

  partition(row: RowValues): PartitionOf {
    if (this.unpartitioned) return this.unpartitioned;
    const values = this.fields.map((f) => f.fn((row[f.column] ?? null) as PrimitiveValue | null));
    return {
      specId: this.spec.specId,
      values,
      key: partitionKey(this.spec.specId, values),
      path: this.fields.map((f, i) => partitionPathSegment(f.name, f.spec.transform, f.resultType, values[i] ?? null)).join('/'),
    };
  }
}
