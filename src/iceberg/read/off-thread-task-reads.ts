import { setImmediate as nextTurn } from 'node:timers/promises';
import { stringifyJson } from '../spec/lossless-json.js';
import { schemaToJson } from '../spec/schema-json.js';
import type { Schema } from '../spec/schema.js';
import type { FileScanTask } from '../scan-planner.js';
import type { Table } from '../table.js';
import { checkParquet, deletedPositions, identityConstants, readTaskColumns, type MaskedBatch } from './columnar-task-reads.js';
import type { DecoderPool } from './decoder-pool.js';
import type { DeleteLoader } from './delete-loader.js';
import { decodeFileBytes, type DecodeFileRequest } from './file-bytes-decoding.js';

export interface OffThreadReadOptions {
  /** Files at most this big (manifest size) are decoded by the pool; bigger ones stream here. */
  readonly maxFileBytes: number;
  /** Files per request to a worker (one transferred buffer back per request; default 8). */
  readonly filesPerRequest?: number;
  /** Bytes (manifest sizes) per request, whatever the file count (default 8 MiB; at least one file). */
  readonly requestBytes?: number;
  /** Requests in flight (default: two per worker, so none waits for the next). */
  readonly inFlight?: number;
  /** false: this thread never decodes a group itself while it waits (tests). */
  readonly help?: boolean;
  /** Incremented per group of small files: decoded here or by a worker. */
  readonly counts?: { here: number; workers: number };
}

/** A file too big to hold whole: streamed on this thread when its turn comes. */
interface BigStep {
  readonly task: FileScanTask;
}

/** A request's worth of small files: queued, sent to the pool, or decoded here. */
interface GroupStep {
  readonly tasks: readonly FileScanTask[];
  sent?: Promise<MaskedBatch[][]>;
  settled: boolean;
  decoded?: MaskedBatch[][];
}

type Step = BigStep | GroupStep;

/**
 * readTaskColumns for many tasks, in task order, with the decoding of small files done by a
 * DecoderPool: this thread reads each file's bytes and its position deletes and hands them
 * over; the workers decode. While the next group it needs is still on a worker, this thread
 * decodes a group queued further on itself rather than wait (on few cores the workers share
 * them with the page encoder; on many, it is seldom idle). Files above `maxFileBytes` are
 * streamed on this thread (bounded memory). Memory: at most 2 x `inFlight` groups of at most
 * `requestBytes` (or one file of at most `maxFileBytes`) each, decoded.
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
  const prepare = (group: readonly FileScanTask[]): Promise<DecodeFileRequest[]> =>
    Promise.all(group.map(async (task) => {
      checkParquet(task);
      const [bytes, deleted] = await Promise.all([table.io.read(task.file.filePath), deletedPositions(task, positions)]);
      return { location: task.file.filePath, bytes, deleted, constants: identityConstants(table, task, schema) };
    }));
  const decodeHere = async (step: GroupStep): Promise<void> => {
    if (o.counts) o.counts.here++;
    const files = await prepare(step.tasks);
    step.decoded = [];
    for (const f of files) {
      const out: MaskedBatch[] = [];
      await decodeFileBytes(f, schema, true, out);
      step.decoded.push(out);
    }
    step.settled = true;
  };
  const steps: Step[] = [];
  let next = 0;
  const isGroup = (s: Step): s is GroupStep => 'tasks' in s;
  /** Plans groups up to 2 x inFlight ahead and sends the first inFlight of them. */
  const fill = () => {
    let planned = 0;
    let sent = 0;
    for (const s of steps) {
      if (!isGroup(s)) continue;
      planned++;
      if (s.sent && !s.settled) sent++;
    }
    while (next < tasks.length && planned < 2 * inFlight) {
      const t = tasks[next++]!;
      if (size(t) > o.maxFileBytes) {
        steps.push({ task: t });
        continue;
      }
      const group: FileScanTask[] = [t];
      let bytes = size(t);
      for (let u = tasks[next]; u && group.length < perRequest && size(u) <= o.maxFileBytes && bytes + size(u) <= requestBytes; u = tasks[next]) {
        group.push(u);
        bytes += size(u);
        next++;
      }
      steps.push({ tasks: group, settled: false });
      planned++;
    }
    for (const s of steps) {
      if (sent >= inFlight) break;
      if (!isGroup(s) || s.sent || s.decoded) continue;
      const step = s;
      step.sent = prepare(step.tasks).then((files) => pool.decode(schemaText, files));
      if (o.counts) o.counts.workers++;
      step.sent.then(() => (step.settled = true), () => (step.settled = true)); // failures surface when awaited below
      sent++;
    }
  };
  fill();
  while (steps.length > 0) {
    const step = steps[0]!;
    if (!isGroup(step)) {
      steps.shift();
      for await (const rows of readTaskColumns(table, step.task, schema, positions, { packed: true })) yield { task: step.task, rows };
      fill();
      continue;
    }
    // Help while the head group is on a worker: decode the last queued group here.
    while (o.help !== false && step.sent && !step.settled) {
      const spare = steps.findLast((s): s is GroupStep => isGroup(s) && !s.sent && !s.decoded);
      if (!spare) break;
      await decodeHere(spare);
      await nextTurn(); // let the workers' answers land
    }
    if (!step.sent && !step.decoded) await decodeHere(step);
    const files = step.decoded ?? (await step.sent!);
    steps.shift();
    fill();
    for (let i = 0; i < files.length; i++) for (const rows of files[i]!) yield { task: step.tasks[i]!, rows };
  }
}
