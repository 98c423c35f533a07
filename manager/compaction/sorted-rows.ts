import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UnsupportedError } from '../../src/errors.js';
import type { Schema } from '../../src/iceberg/spec/schema.js';
import type { SortOrder } from '../../src/iceberg/spec/sort-order.js';
import { transformFunction, transformResultType } from '../../src/iceberg/spec/transforms.js';
import { isPrimitive } from '../../src/iceberg/spec/types.js';
import type { PrimitiveValue } from '../../src/iceberg/spec/values.js';
import { compareValues } from '../../src/iceberg/spec/value-serialization.js';
import { LocalFileIO } from '../../src/io/local-file-io.js';
import { ParquetFileWriter, readParquetRows, type Row } from '../../src/parquet/index.js';

/** Rows sorted in memory before a run is spilled to a temporary file. */
export const SORT_RUN_ROWS = 200_000;

export type RowComparator = (a: Row, b: Row) => number;

/**
 * Spec "Sorting": rows ordered by each sort field's transform of its source column, in its
 * direction, nulls first or last as the field says. Top-level source columns only.
 */
export function sortComparator(order: SortOrder, schema: Schema): RowComparator | undefined {
  if (order.fields.length === 0) return undefined;
  const keys = order.fields.map((sf) => {
    const f = schema.fields.find((x) => x.id === sf.sourceId);
    if (!f || !isPrimitive(f.type)) throw new UnsupportedError(`sort order ${order.orderId}: source field ${sf.sourceId} is not a top-level primitive column`);
    const fn = transformFunction(sf.transform, f.type);
    const type = transformResultType(sf.transform, f.type);
    return { name: f.name, fn, type, desc: sf.direction === 'desc', nullsFirst: sf.nullOrder === 'nulls-first' };
  });
  return (a, b) => {
    for (const k of keys) {
      const x = k.fn((a[k.name] ?? null) as PrimitiveValue | null);
      const y = k.fn((b[k.name] ?? null) as PrimitiveValue | null);
      if (x === null || y === null) {
        if (x === y) continue;
        return (x === null) === k.nullsFirst ? -1 : 1;
      }
      const c = compareValues(k.type, x, y);
      if (c !== 0) return k.desc ? -c : c;
    }
    return 0;
  };
}

/**
 * External merge sort with bounded memory: rows are buffered up to `runRows`, sorted, and
 * spilled to temporary Parquet files under the OS temp dir; `drain` merges the runs (k-way,
 * one batch per run in memory). With a single run nothing is spilled. Memory: `runRows` rows
 * while collecting, one read batch per run while merging.
 */
export class ExternalSorter {
  private buffer: Row[] = [];
  private readonly runs: string[] = [];
  private readonly io = new LocalFileIO();
  private dir: string | undefined;

  constructor(
    private readonly schema: Schema,
    private readonly compare: RowComparator,
    private readonly runRows: number = SORT_RUN_ROWS,
  ) {}

  async add(rows: readonly Row[]): Promise<void> {
    for (const r of rows) this.buffer.push(r);
    if (this.buffer.length >= this.runRows) await this.spill();
  }

  private async spill(): Promise<void> {
    if (this.buffer.length === 0) return;
    this.buffer.sort(this.compare);
    this.dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'icetide-sort-'));
    const file = path.join(this.dir, `run-${randomUUID()}.parquet`);
    const w = await ParquetFileWriter.open(this.io, file, this.schema, { codec: 'uncompressed' });
    await w.write(this.buffer);
    await w.close();
    this.runs.push(file);
    this.buffer = [];
  }

  /** Yields every row added, in order; removes the temporary files. */
  async *drain(batchRows = 5000): AsyncGenerator<Row[]> {
    try {
      if (this.runs.length === 0) {
        this.buffer.sort(this.compare);
        for (let i = 0; i < this.buffer.length; i += batchRows) yield this.buffer.slice(i, i + batchRows);
        this.buffer = [];
        return;
      }
      await this.spill();
      yield* this.merge(batchRows);
    } finally {
      if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
    }
  }

  private async *merge(batchRows: number): AsyncGenerator<Row[]> {
    const cursors = this.runs.map((f) => ({ it: readParquetRows(this.io, f, this.schema, { batchSize: 2000 })[Symbol.asyncIterator](), batch: [] as Row[], i: 0, done: false }));
    const advance = async (c: (typeof cursors)[number]): Promise<void> => {
      c.i++;
      while (!c.done && c.i >= c.batch.length) {
        const n = await c.it.next();
        if (n.done) c.done = true;
        else {
          c.batch = n.value;
          c.i = 0;
        }
      }
    };
    for (const c of cursors) {
      c.i = -1;
      await advance(c);
    }
    // A binary heap of cursors by their current row.
    const heap = cursors.filter((c) => !c.done);
    const less = (a: number, b: number) => this.compare(heap[a]!.batch[heap[a]!.i]!, heap[b]!.batch[heap[b]!.i]!) < 0;
    const swap = (a: number, b: number) => ([heap[a], heap[b]] = [heap[b]!, heap[a]!]);
    const down = (i: number) => {
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(l, m)) m = l;
        if (r < heap.length && less(r, m)) m = r;
        if (m === i) return;
        swap(i, m);
        i = m;
      }
    };
    for (let i = Math.floor(heap.length / 2) - 1; i >= 0; i--) down(i);
    let out: Row[] = [];
    while (heap.length > 0) {
      const top = heap[0]!;
      out.push(top.batch[top.i]!);
      if (out.length >= batchRows) {
        yield out;
        out = [];
      }
      await advance(top);
      if (top.done) {
        heap[0] = heap[heap.length - 1]!;
        heap.pop();
      }
      if (heap.length > 0) down(0);
    }
    if (out.length > 0) yield out;
  }
}
