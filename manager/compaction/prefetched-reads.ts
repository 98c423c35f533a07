import type { FileScanTask } from '../../src/iceberg/scan-planner.js';

/** Files at most this big are read ahead whole; bigger ones stream batch by batch. */
export const PREFETCH_MAX_FILE_BYTES = 8 * 1024 * 1024;
export const PREFETCH_FILES = 8;

/**
 * Reads the tasks' batches (rows or columns) in task order while up to `ahead` small files
 * are read concurrently: compaction inputs are mostly tiny files, where opening and reading
 * the footer (waiting on I/O) costs more than decoding. Memory: at most `ahead` files of at most
 * PREFETCH_MAX_FILE_BYTES (compressed) are held decoded; larger files are streamed.
 */
export async function* prefetchedRows<T>(
  tasks: readonly FileScanTask[],
  read: (task: FileScanTask) => AsyncIterable<T>,
  ahead: number = PREFETCH_FILES,
  /** Called once a read-ahead file is fully decoded (its raw bytes can go). */
  decoded: (task: FileScanTask) => void = () => undefined,
): AsyncGenerator<{ task: FileScanTask; rows: T }> {
  const small = (t: FileScanTask) => Number(t.file.fileSizeInBytes) <= PREFETCH_MAX_FILE_BYTES;
  const collect = async (t: FileScanTask): Promise<T[]> => {
    const out: T[] = [];
    try {
      for await (const b of read(t)) out.push(b);
    } finally {
      decoded(t);
    }
    return out;
  };
  const pending = new Map<number, Promise<T[]>>();
  let next = 0;
  const fill = (from: number) => {
    while (next < tasks.length && next < from + ahead) {
      const t = tasks[next]!;
      if (small(t)) {
        const p = collect(t);
        p.catch(() => undefined); // surfaced when awaited below
        pending.set(next, p);
      }
      next++;
    }
  };
  for (let i = 0; i < tasks.length; i++) {
    fill(i);
    const t = tasks[i]!;
    const p = pending.get(i);
    if (p) {
      pending.delete(i);
      for (const rows of await p) yield { task: t, rows };
    } else {
      for await (const rows of read(t)) yield { task: t, rows };
    }
  }
}
