import { stringifyJson } from '../spec/lossless-json.js';
import { schemaToJson } from '../spec/schema-json.js';
import type { Schema } from '../spec/schema.js';
import type { FileScanTask } from '../scan-planner.js';
import type { Table } from '../table.js';
import { checkParquet, deletedPositions, identityConstants, readTaskColumns, type MaskedBatch } from './columnar-task-reads.js';
import type { DecodeFileRequest } from './decode-worker.js';
import type { DecoderPool } from './decoder-pool.js';
import type { DeleteLoader } from './delete-loader.js';

export interface OffThreadReadOptions {
  /** Files at most this big (manifest size) are decoded by the pool; bigger ones stream here. */
  readonly maxFileBytes: number;
  /** Files per request to a worker (one transferred buffer back per request; default 8). */
  readonly filesPerRequest?: number;
  /** Bytes (manifest sizes) per request, whatever the file count (default 8 MiB; at least one file). */
  readonly requestBytes?: number;
  /** Requests in flight (default: two per worker, so none waits for the next). */
  readonly inFlight?: number;
}

type Step = { readonly tasks: readonly FileScanTask[]; readonly decoded: Promise<MaskedBatch[][]> } | { readonly task: FileScanTask };

/**
 * readTaskColumns for many tasks, in task order, with the decoding of small files done by a
 * DecoderPool: this thread reads each file's bytes and its position deletes and hands them
 * over; the workers decode. Files above `maxFileBytes` are streamed on this thread (bounded
 * memory). Memory: at most `inFlight` requests of at most `requestBytes` (or one file of at
 * most `maxFileBytes`) each, decoded.
 */
export async function* readTasksColumnsOffThread(
  table: Table,
  tasks: readonly FileScanTask[],
  schema: Schema,
  positions: DeleteLoader,
  pool: DecoderPool,
  o: OffThreadReadOptions,
): AsyncGenerator<{ task: FileScanTask; rows: MaskedBatch }> {
  const perRequest = o.filesPerRequest ?? 8;
  const requestBytes = o.requestBytes ?? 8 * 1024 * 1024;
  const size = (t: FileScanTask) => Number(t.file.fileSizeInBytes);
  const inFlight = o.inFlight ?? 2 * pool.workerCount;
  const schemaText = stringifyJson(schemaToJson(schema));
  const request = async (group: readonly FileScanTask[]): Promise<MaskedBatch[][]> => {
    const files = await Promise.all(group.map(async (task): Promise<DecodeFileRequest> => {
      checkParquet(task);
      const [bytes, deleted] = await Promise.all([table.io.read(task.file.filePath), deletedPositions(task, positions)]);
      return { location: task.file.filePath, bytes, deleted, constants: identityConstants(table, task, schema) };
    }));
    return pool.decode(schemaText, files);
  };
  const steps: Step[] = [];
  let next = 0;
  /** Queues requests (and big files) until `inFlight` requests are pending. */
  const fill = () => {
    let pending = 0;
    for (const s of steps) if ('decoded' in s) pending++;
    while (next < tasks.length && pending < inFlight) {
      const t = tasks[next]!;
      if (size(t) > o.maxFileBytes) {
        steps.push({ task: t });
        next++;
        continue;
      }
      const group: FileScanTask[] = [tasks[next++]!];
      let bytes = size(t);
      for (let u = tasks[next]; u && group.length < perRequest && size(u) <= o.maxFileBytes && bytes + size(u) <= requestBytes; u = tasks[next]) {
        group.push(u);
        bytes += size(u);
        next++;
      }
      const decoded = request(group);
      decoded.catch(() => undefined); // surfaced when awaited below
      steps.push({ tasks: group, decoded });
      pending++;
    }
  };
  fill();
  while (steps.length > 0) {
    const step = steps.shift()!;
    if ('task' in step) {
      for await (const rows of readTaskColumns(table, step.task, schema, positions, { packed: true })) yield { task: step.task, rows };
    } else {
      const files = await step.decoded;
      fill();
      for (let i = 0; i < files.length; i++) for (const rows of files[i]!) yield { task: step.tasks[i]!, rows };
    }
    fill();
  }
}
