import type { FileScanTask } from '../../src/iceberg/scan-planner.js';
import type { DataFile } from '../../src/iceberg/spec/manifest.js';

/**
 * Delete files that apply to no live data file ("dangling deletes", Iceberg Java
 * RemoveDanglingDeletesSparkAction). Pure.
 *
 * `tasks` is the plan of the snapshot the job started from: each data file with the delete
 * files that apply to it under the spec "Scan Planning" rules (sequence numbers, partition,
 * global equality deletes, bounds). A live delete file of that snapshot that is attached to
 * no data file which stays live is dead weight. Files written by the rewrite are not
 * candidates: they carry the start snapshot's data sequence number, so no equality delete
 * of that snapshot applies to them, and no older position delete names their fresh paths.
 * Data files appended later have higher sequence numbers, out of reach of these deletes too.
 */
export function danglingDeleteFiles(tasks: readonly FileScanTask[], liveDeletes: readonly DataFile[], removedData: ReadonlySet<string>): DataFile[] {
  const used = new Set<string>();
  for (const t of tasks) {
    if (removedData.has(t.file.filePath)) continue;
    for (const d of t.deletes) used.add(d.file.filePath);
  }
  return liveDeletes.filter((d) => d.content !== 'data' && !used.has(d.filePath));
}
