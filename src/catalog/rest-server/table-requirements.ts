import type { TableMetadata } from '../../iceberg/spec/table-metadata.js';
import { requirementFailed } from './rest-errors.js';
import type { TableRequirement } from './rest-wire.js';

/**
 * Checks a commit's requirements against the table's current metadata (`undefined`: the
 * table does not exist), as Iceberg Java's UpdateRequirement.validate does. The first
 * failing one is a 409 CommitFailedException naming it; nothing is written then.
 */
export function checkRequirements(table: string, md: TableMetadata | undefined, requirements: readonly TableRequirement[]): void {
  for (const r of requirements) {
    const problem = requirementProblem(md, r);
    if (problem !== undefined) throw requirementFailed(table, r.type, problem);
  }
}

function mismatch(what: string, expected: unknown, found: unknown): string | undefined {
  return String(expected) === String(found) ? undefined : `${what} expected ${String(expected)}, found ${String(found)}`;
}

function requirementProblem(md: TableMetadata | undefined, r: TableRequirement): string | undefined {
  if (r.type === 'assert-create') return md === undefined ? undefined : 'the table already exists';
  if (md === undefined) return 'the table does not exist';
  switch (r.type) {
    case 'assert-table-uuid':
      return md.tableUuid.toLowerCase() === r.uuid.toLowerCase() ? undefined : `table uuid expected ${r.uuid}, found ${md.tableUuid}`;
    case 'assert-ref-snapshot-id': {
      const ref = md.refs[r.ref];
      if (r['snapshot-id'] === null) return ref === undefined ? undefined : `ref ${r.ref} expected not to exist, found it at snapshot ${ref.snapshotId}`;
      if (ref === undefined) return `ref ${r.ref} expected at snapshot ${r['snapshot-id']}, but the ref does not exist`;
      return BigInt(r['snapshot-id']) === ref.snapshotId ? undefined : `ref ${r.ref} expected at snapshot ${r['snapshot-id']}, found ${ref.snapshotId}`;
    }
    case 'assert-last-assigned-field-id':
      return mismatch('last assigned field id', r['last-assigned-field-id'], md.lastColumnId);
    case 'assert-current-schema-id':
      return mismatch('current schema id', r['current-schema-id'], md.currentSchemaId);
    case 'assert-last-assigned-partition-id':
      return mismatch('last assigned partition id', r['last-assigned-partition-id'], md.lastPartitionId);
    case 'assert-default-spec-id':
      return mismatch('default spec id', r['default-spec-id'], md.defaultSpecId);
    case 'assert-default-sort-order-id':
      return mismatch('default sort order id', r['default-sort-order-id'], md.defaultSortOrderId);
  }
}
