import { randomUUID } from 'node:crypto';
import { dataFileFromMetrics } from '../../src/iceberg/data-file-builder.js';
import { DeleteLoader, fieldResolver, readTaskRows } from '../../src/iceberg/read/table-scan.js';
import type { FileScanTask, PlannedFile } from '../../src/iceberg/scan-planner.js';
import type { DataFile } from '../../src/iceberg/spec/manifest.js';
import { Table } from '../../src/iceberg/table.js';
import { partitionPath } from '../../src/iceberg/partition-path.js';
import { gatherColumns, isFlatProjection, parquetWriteOptionsFromProperties, RollingParquetWriter, type Row } from '../../src/parquet/index.js';
import { readTaskColumns } from '../../src/iceberg/read/columnar-task-reads.js';
import { DecoderPool } from '../../src/iceberg/read/decoder-pool.js';
import { readTasksColumnsOffThread } from '../../src/iceberg/read/off-thread-task-reads.js';
import type { FileGroup } from './compaction-planner.js';
import { EqualityDeleteIndex } from './equality-delete-index.js';
import { PREFETCH_FILES, PREFETCH_MAX_FILE_BYTES, prefetchedRows } from './prefetched-reads.js';
import { WholeFileReads } from './whole-file-reads.js';
import { ExternalSorter, sortComparator } from './sorted-rows.js';

export interface RewriteSettings {
  readonly targetFileSizeBytes: number;
  readonly maxEqualityKeysInMemory: number;
  readonly batchSize?: number;
  /** Rows sorted in memory per spilled run when the table has a sort order (default SORT_RUN_ROWS). */
  readonly sortRunRows?: number;
  /** false: use the row path even where the columnar one applies (tests compare the two). */
  readonly columnar?: boolean;
  /** Worker threads decoding small input files on the columnar path (0 or absent: this thread). */
  readonly decodeWorkers?: number;
}

export interface RewrittenGroup {
  readonly group: FileGroup;
  readonly added: readonly DataFile[];
  readonly rowsWritten: number;
  readonly bytesWritten: number;
  /** Times the group's data was read (one per equality-key bucket). */
  readonly passes: number;
  /** Whether the group went through typed columns or row objects. */
  readonly path: 'columnar' | 'rows';
  /** Worker threads its small files were decoded by (0: this thread). */
  readonly decodeWorkers: number;
}

export { fieldResolver };

/** Below this many small input files a group is decoded on this thread (a hand-over costs more). */
const MIN_OFF_THREAD_FILES = 4;

/**
 * Rewrites one file group into files of about the target size, streaming: rows are read a
 * batch at a time with deletes applied and written straight to a rolling Parquet writer.
 * Flat, unsorted tables take the columnar path: each input row group is decoded into typed
 * columns (strings and binaries as their stored bytes, packed), deletes become a keep-mask,
 * the kept rows are gathered column by column and copied into the writer's buffers; no row
 * object, and no string, is built. With `decodeWorkers`, small inputs are decoded by a
 * DecoderPool while this thread filters, gathers and writes (and decodes a queued group
 * itself when it would otherwise wait).
 *
 * - Position deletes: loaded for the group only (a DeleteLoader per group), so memory holds
 *   at most the deleted positions of the pos-delete files that apply to this group.
 * - Equality deletes: EqualityDeleteIndex, at most `maxEqualityKeysInMemory` keys at once
 *   (hash buckets, one read of the group's data per bucket).
 * Written files land in the group's partition (same spec, same tuple). On failure every file
 * written is deleted.
 */
export async function rewriteGroup(table: Table, group: FileGroup, s: RewriteSettings): Promise<RewrittenGroup> {
  const schema = table.schema();
  const fieldOf = fieldResolver(table);
  const eqFiles = uniqueDeletes(group.tasks, 'equality-deletes');
  const eq = new EqualityDeleteIndex(table.io, eqFiles, fieldOf, schema, s.maxEqualityKeysInMemory);
  const positions = new DeleteLoader(table.io, fieldOf);
  const dir = partitionPath(table, group.specId, group.partition);
  const writer = new RollingParquetWriter(table.io, schema, () => table.ops.newDataLocation(`compact-${randomUUID()}.parquet`, dir || undefined), {
    ...parquetWriteOptionsFromProperties(table.metadata.properties),
    targetFileSizeBytes: s.targetFileSizeBytes,
    // Encode and compress row groups on a worker while this thread keeps decoding inputs.
    encodeInWorker: true,
  });
  // Spec "Sorting": the table's default sort order, if it has one, orders the written rows.
  const order = table.metadata.sortOrders.find((o) => o.orderId === table.metadata.defaultSortOrderId);
  const compare = order ? sortComparator(order, schema) : undefined;
  const sorter = compare ? new ExternalSorter(schema, compare, s.sortRunRows) : undefined;
  // Small inputs are read with one whole-file read each (see WholeFileReads), through a
  // read-only view of the table; commits still go through `table`.
  const wholeReads = new WholeFileReads(table.io);
  const small = group.tasks.filter((t) => Number(t.file.fileSizeInBytes) <= PREFETCH_MAX_FILE_BYTES);
  for (const t of small) wholeReads.register(t.file.filePath, Number(t.file.fileSizeInBytes));
  const readView = new Table({ ...table.ops, io: wholeReads }, table.state);
  const release = (t: FileScanTask) => wholeReads.release(t.file.filePath);
  // Columnar path (no row objects): flat schemas written in file order; sorted rewrites and
  // nested schemas go through rows.
  const columnar = s.columnar !== false && !sorter && isFlatProjection(schema) && eq.columnar;
  // Small files decoded by worker threads, when there are enough to pay for the hand-over.
  const offThread = columnar && small.length >= MIN_OFF_THREAD_FILES ? (s.decodeWorkers ?? 0) : 0;
  let rows = 0;
  try {
    for (let b = 0; b < eq.passes; b++) {
      const pass = eq.isEmpty ? undefined : await eq.load(b);
      if (columnar) {
        const parts = offThread
          ? readTasksColumnsOffThread(table, group.tasks, schema, positions, DecoderPool.shared(offThread), { maxFileBytes: PREFETCH_MAX_FILE_BYTES })
          : prefetchedRows(group.tasks, (t) => readTaskColumns(readView, t, schema, positions, { packed: true }), PREFETCH_FILES, release);
        for await (const { task, rows: part } of parts) {
          const kept = pass ? pass.filter(part.batch, task.dataSequenceNumber, part.mask) : part.kept;
          if (kept === 0) continue;
          rows += kept;
          await writer.writeColumns(gatherColumns(part.batch, part.mask, kept));
        }
        continue;
      }
      // Position deletes through the scan path; equality deletes here, bucket by bucket.
      const read = (task: FileScanTask) =>
        readTaskRows(readView, { ...task, deletes: task.deletes.filter((d) => d.file.content === 'position-deletes') }, { deletes: positions, ...(s.batchSize ? { batchSize: s.batchSize } : {}) });
      for await (const { task, rows: batch } of prefetchedRows(group.tasks, read, PREFETCH_FILES, release)) {
        let kept: Row[] = batch;
        if (pass) kept = batch.filter((r) => pass.owns(r) && !pass.deletes(r, task.dataSequenceNumber));
        if (kept.length === 0) continue;
        rows += kept.length;
        await (sorter ? sorter.add(kept) : writer.write(kept));
      }
    }
    if (sorter) for await (const batch of sorter.drain()) await writer.write(batch);
  } catch (err) {
    const partial = await writer.abort();
    await Promise.all(partial.map((f) => table.io.delete(f.location).catch(() => undefined)));
    throw err;
  }
  const written = await writer.close();
  const added = written.map((w) =>
    dataFileFromMetrics({ content: 'data', location: w.location, metrics: w.metrics, specId: group.specId, partition: group.partition, schema, ...(order && compare ? { sortOrderId: order.orderId } : {}) }),
  );
  return { group, added, rowsWritten: rows, bytesWritten: added.reduce((n, f) => n + Number(f.fileSizeInBytes), 0), passes: eq.passes, path: columnar ? 'columnar' : 'rows', decodeWorkers: offThread };
}

function uniqueDeletes(tasks: readonly FileScanTask[], content: 'equality-deletes' | 'position-deletes'): PlannedFile[] {
  const seen = new Map<string, PlannedFile>();
  for (const t of tasks) for (const d of t.deletes) if (d.file.content === content) seen.set(d.file.filePath, d);
  return [...seen.values()];
}
