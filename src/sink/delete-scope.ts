import { partitionKey } from '../iceberg/partition-key.js';
import { snapshotManifests } from '../iceberg/snapshot-files.js';
import { isUnpartitioned } from '../iceberg/spec/partition-spec.js';
import type { Table } from '../iceberg/table.js';
import type { PartitionOf } from './partitioner.js';

/**
 * Where an upsert's equality delete of a key must go so that it reaches every row of that key
 * (DESIGN.md "Writing": the old row's place is never guessed from a before-image, which real
 * streams send key-only or default-filled: Postgres REPLICA IDENTITY DEFAULT, MySQL MINIMAL).
 *
 * - `key-partition`: the partition is a function of the key columns alone (or the table is
 *   unpartitioned) and every data file is in the default spec, so the key's partition is the
 *   only one that can hold it.
 * - `global`: the delete is written under an unpartitioned spec, which applies to every
 *   partition of every spec (spec "Scan Planning": "the delete file's partition spec is
 *   unpartitioned"). The spec is added to the table (not as the default) when it has none.
 */
export type DeleteScope = { readonly kind: 'key-partition' } | { readonly kind: 'global'; readonly partition: PartitionOf };

export async function openDeleteScope(table: Table, partitionSourceColumns: readonly string[], keyColumns: readonly string[]): Promise<DeleteScope> {
  const spec = table.spec();
  if (isUnpartitioned(spec) || (partitionSourceColumns.every((c) => keyColumns.includes(c)) && (await dataOnlyInSpec(table, spec.specId)))) {
    return { kind: 'key-partition' };
  }
  let global = [...table.specs().values()].find(isUnpartitioned);
  if (!global) {
    await table.addPartitionSpec().withFields([]).commit();
    global = [...table.specs().values()].find(isUnpartitioned);
    if (!global) throw new Error(`table ${table.name}: the unpartitioned spec just added is missing`);
  }
  return { kind: 'global', partition: { specId: global.specId, values: [], key: partitionKey(global.specId, []), path: '' } };
}

/** Whether every data manifest of the current snapshot is written in spec `specId` (no files of older specs). */
async function dataOnlyInSpec(table: Table, specId: number): Promise<boolean> {
  const snap = table.currentSnapshot();
  if (!snap) return true;
  const manifests = await snapshotManifests(table.io, table.metadata, snap);
  return manifests.every((m) => m.content !== 'data' || m.partitionSpecId === specId);
}
