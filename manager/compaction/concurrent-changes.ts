import { partitionKey } from '../../src/iceberg/partition-key.js';
import { DELETE_FILE_PATH_ID, positionDeleteMayReference } from '../../src/iceberg/scan-planner.js';
import type { CommittedChanges } from '../../src/iceberg/commit/changes-since.js';
import type { DataFile } from '../../src/iceberg/spec/manifest.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import type { FileIO } from '../../src/io/file-io.js';
import { readParquetRows } from '../../src/parquet/index.js';

/** Why a concurrent commit invalidates a rewritten file group. */
export interface GroupConflict {
  readonly reason: 'position-delete' | 'removed';
  /** The concurrent delete file, or the data file removed concurrently. */
  readonly file: string;
  readonly dataFile: string;
}

/**
 * Re-validation after a concurrent commit (Iceberg Java validateNoNewDeletesForDataFiles).
 * The rewrite keeps the start snapshot's data sequence number, so concurrent equality
 * deletes still apply to the new files (spec "Sequence Numbers") and appends do not matter.
 * Two things invalidate a group: a position delete that may name one of its input files
 * (committing would drop that delete with the old file: the row would come back), or one of
 * its inputs removed by someone else. Such groups are dropped from this run and retried next run.
 */
export async function conflictFor(
  inputs: readonly DataFile[],
  since: CommittedChanges,
  referencedPaths: (positionDeletes: DataFile) => Promise<ReadonlySet<string>>,
): Promise<GroupConflict | undefined> {
  const paths = new Set(inputs.map((f) => f.filePath));
  for (const f of since.removedFiles) {
    if (f.content === 'data' && paths.has(f.filePath)) return { reason: 'removed', file: f.filePath, dataFile: f.filePath };
  }
  const partitions = new Set(inputs.map((f) => partitionKey(f.specId, f.partition)));
  for (const d of since.addedDeleteFiles) {
    if (d.content !== 'position-deletes') continue;
    // Spec "Position Delete Files": they apply within their own partition only.
    if (!partitions.has(partitionKey(d.specId, d.partition))) continue;
    const maybe = [...paths].filter((p) => positionDeleteMayReference(d, p));
    if (maybe.length === 0) continue;
    // Metadata cannot rule it out (a file holding deletes for several data files): read its
    // file_path column rather than drop a group needlessly.
    const named = d.referencedDataFile !== undefined ? new Set([d.referencedDataFile]) : await referencedPaths(d);
    const hit = maybe.find((p) => named.has(p));
    if (hit) return { reason: 'position-delete', file: d.filePath, dataFile: hit };
  }
  return undefined;
}

const FILE_PATH_ONLY = new Schema(0, [{ id: DELETE_FILE_PATH_ID, name: 'file_path', required: true, type: { kind: 'string' } }]);

/** The data files a position delete file names (reads one column; cached per delete file). */
export function positionDeleteReader(io: FileIO): (d: DataFile) => Promise<ReadonlySet<string>> {
  const cache = new Map<string, Promise<Set<string>>>();
  return (d) => {
    let p = cache.get(d.filePath);
    if (!p) {
      p = (async () => {
        const out = new Set<string>();
        for await (const batch of readParquetRows(io, d.filePath, FILE_PATH_ONLY)) for (const r of batch) out.add(r['file_path'] as string);
        return out;
      })();
      cache.set(d.filePath, p);
    }
    return p;
  };
}

