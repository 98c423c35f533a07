import { partitionKey } from '../partition-key.js';
import type { DataFile } from '../spec/manifest.js';
import type { SnapshotOperation, SnapshotSummary } from '../spec/snapshot.js';

/**
 * Spec "Snapshot Summary" / Iceberg Java SnapshotSummary: counts of what a snapshot adds and
 * removes, and table totals carried from the parent's summary. A total the parent does not
 * have is left out rather than guessed.
 */
export interface SummaryDelta {
  readonly added: readonly DataFile[];
  readonly removed: readonly DataFile[];
}

const TOTALS = [
  ['total-data-files', 'added-data-files', 'removed-data-files'],
  ['total-delete-files', 'added-delete-files', 'removed-delete-files'],
  ['total-records', 'added-records', 'deleted-records'],
  ['total-files-size', 'added-files-size', 'removed-files-size'],
  ['total-position-deletes', 'added-position-deletes', 'removed-position-deletes'],
  ['total-equality-deletes', 'added-equality-deletes', 'removed-equality-deletes'],
] as const;

function count(files: readonly DataFile[], prefix: 'added' | 'removed'): Map<string, bigint> {
  const m = new Map<string, bigint>();
  const inc = (k: string, by: bigint) => m.set(k, (m.get(k) ?? 0n) + by);
  for (const f of files) {
    inc(`${prefix}-files-size`, f.fileSizeInBytes);
    if (f.content === 'data') {
      inc(`${prefix}-data-files`, 1n);
      inc(prefix === 'added' ? 'added-records' : 'deleted-records', f.recordCount);
    } else {
      inc(`${prefix}-delete-files`, 1n);
      if (f.content === 'position-deletes') {
        inc(`${prefix}-position-delete-files`, 1n);
        inc(`${prefix}-position-deletes`, f.recordCount);
      } else {
        inc(`${prefix}-equality-delete-files`, 1n);
        inc(`${prefix}-equality-deletes`, f.recordCount);
      }
    }
  }
  return m;
}

export function buildSummary(
  operation: SnapshotOperation,
  delta: SummaryDelta,
  parent: SnapshotSummary | undefined,
  extra: Readonly<Record<string, string>> = {},
): SnapshotSummary {
  const out: Record<string, string> = { operation };
  const counts = new Map([...count(delta.added, 'added'), ...count(delta.removed, 'removed')]);
  for (const [k, v] of counts) out[k] = String(v);
  const partitions = new Set([...delta.added, ...delta.removed].map((f) => partitionKey(f.specId, f.partition)));
  out['changed-partition-count'] = String(partitions.size);
  for (const [total, add, remove] of TOTALS) {
    const base = parent === undefined ? '0' : parent[total];
    if (base === undefined || !/^-?\d+$/.test(base)) continue;
    out[total] = String(BigInt(base) + (counts.get(add) ?? 0n) - (counts.get(remove) ?? 0n));
  }
  return { ...out, ...extra, operation } as SnapshotSummary;
}
