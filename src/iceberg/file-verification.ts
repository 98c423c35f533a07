import { mapBounded } from '../concurrency/map-bounded.js';
import type { FileIO } from '../io/file-io.js';
import type { FileScanTask } from './scan-planner.js';

export interface FileProblem {
  readonly path: string;
  readonly problem: string;
}

/**
 * Checks that every planned data and delete file exists with the size its manifest records.
 * A mismatch means the file was rewritten behind Iceberg's back (readers seek by the recorded
 * size and fail or read garbage), so it is reported, never silently accepted.
 */
export async function verifyPlannedFiles(io: FileIO, tasks: readonly FileScanTask[]): Promise<FileProblem[]> {
  const files = new Map<string, bigint>();
  for (const t of tasks) {
    files.set(t.file.filePath, t.file.fileSizeInBytes);
    for (const d of t.deletes) files.set(d.file.filePath, d.file.fileSizeInBytes);
  }
  const results = await mapBounded([...files], 16, async ([path, size]): Promise<FileProblem | undefined> => {
    if (!(await io.exists(path))) return { path, problem: 'missing' };
    const actual = await io.length(path);
    if (BigInt(actual) !== size) return { path, problem: `size is ${actual} bytes, manifest records ${size} (file was rewritten outside Iceberg)` };
    return undefined;
  });
  return results.filter((r): r is FileProblem => r !== undefined);
}
