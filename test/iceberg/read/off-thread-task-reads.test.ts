import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilesystemCatalog } from '../../../src/catalog/filesystem-catalog.js';
import { openTable } from '../../../src/catalog/open-table.js';
import { InvalidDataFileError } from '../../../src/errors.js';
import { readTaskColumns, type MaskedBatch } from '../../../src/iceberg/read/columnar-task-reads.js';
import { DecoderPool } from '../../../src/iceberg/read/decoder-pool.js';
import { DeleteLoader } from '../../../src/iceberg/read/delete-loader.js';
import { readTasksColumnsOffThread } from '../../../src/iceberg/read/off-thread-task-reads.js';
import { fieldResolver } from '../../../src/iceberg/read/table-scan.js';
import { Schema } from '../../../src/iceberg/spec/schema.js';
import type { Table } from '../../../src/iceberg/table.js';
import { localPathOf } from '../../../src/io/location.js';
import { columnValue, isFlatProjection } from '../../../src/parquet/index.js';
import { FIXTURES, fixtureTablesWithData } from '../../fixtures-path.js';
import { commitPositionDeletes, writeDataFile } from '../../support/data-files.js';
import { useTempDir } from '../../support/temp-dir.js';

const tempDir = useTempDir('icetide-offthread-');

/** Every row of every batch as text (values, masks), per task, in order. */
function describeBatches(parts: { task: string; rows: MaskedBatch }[]): string[] {
  return parts.map(({ task, rows: { batch, mask, kept } }) => {
    const cols = Object.keys(batch.columns);
    const rows = Array.from({ length: batch.length }, (_, i) =>
      `${mask[i]}:` + cols.map((c) => {
        const v = columnValue(batch, c, i);
        return v instanceof Uint8Array ? Buffer.from(v).toString('hex') : typeof v === 'bigint' ? `${v}n` : String(v);
      }).join(','));
    return `${path.basename(task)} kept=${kept} [${cols.join(',')}] ${rows.join(';')}`;
  });
}

async function inThread(t: Table, schema: Schema): Promise<string[]> {
  const positions = new DeleteLoader(t.io, fieldResolver(t));
  const out: { task: string; rows: MaskedBatch }[] = [];
  for (const task of await t.planFiles()) for await (const rows of readTaskColumns(t, task, schema, positions, { packed: true })) out.push({ task: task.file.filePath, rows });
  return describeBatches(out);
}

/**
 * The batches read through a DecoderPool, twice: with this thread helping while it waits
 * (whichever groups it takes) and without; both must give the same batches in the same order.
 */
async function offThread(t: Table, schema: Schema, workers: number, maxFileBytes: number, filesPerRequest?: number, requestBytes?: number, helps = false): Promise<string[]> {
  const tasks = await t.planFiles();
  const runs: string[][] = [];
  for (const help of [true, false]) {
    const positions = new DeleteLoader(t.io, fieldResolver(t));
    const out: { task: string; rows: MaskedBatch }[] = [];
    const counts = { here: 0, workers: 0 };
    const o = { maxFileBytes, help, counts, ...(filesPerRequest ? { filesPerRequest } : {}), ...(requestBytes ? { requestBytes } : {}) };
    for await (const { task, rows } of readTasksColumnsOffThread(t, tasks, schema, positions, DecoderPool.shared(workers), o)) out.push({ task: task.file.filePath, rows });
    // every group of small files went to a worker or was decoded here, once
    const small = tasks.filter((x) => Number(x.file.fileSizeInBytes) <= maxFileBytes).length;
    expect(counts.here + counts.workers).toBeGreaterThanOrEqual(Math.min(small, 1));
    expect(counts.here + counts.workers).toBeLessThanOrEqual(small);
    if (!help) expect(counts.here).toBe(0);
    // more groups than requests in flight: the first wait finds a queued group to decode here
    if (help && helps) expect(counts.here).toBeGreaterThan(0);
    runs.push(describeBatches(out));
  }
  expect(runs[0]).toEqual(runs[1]);
  return runs[0]!;
}

/** The fixture tables whose current schema is flat (the columnar reads' domain). */
const flatFixtures = await Promise.all(fixtureTablesWithData().map(async (name) => ({ name, flat: isFlatProjection((await openTable(path.join(FIXTURES, name, 'table'))).schema()) })));

describe('data files decoded by worker threads', () => {
  it.each(flatFixtures.filter((f) => f.flat).map((f) => f.name))('%s: the same batches, masks and values as decoding on this thread', async (name) => {
    const t = await openTable(path.join(FIXTURES, name, 'table'));
    const expected = await inThread(t, t.schema());
    expect(expected.length).toBeGreaterThan(0);
    const sizes = (await t.planFiles()).map((x) => Number(x.file.fileSizeInBytes)).sort((a, b) => a - b);
    // all files to workers; then the bigger half streamed on this thread, in between the others
    expect(await offThread(t, t.schema(), 2, Infinity, 3)).toEqual(expected);
    expect(await offThread(t, t.schema(), 1, sizes[Math.floor(sizes.length / 2)]!, 2)).toEqual(expected);
  });

  it('position deletes, every column kind (strings, binary, booleans, wide decimals, nulls), a projection', async () => {
    const schema = new Schema(0, [
      { id: 1, name: 'id', required: true, type: { kind: 'long' } },
      { id: 2, name: 's', required: false, type: { kind: 'string' } },
      { id: 3, name: 'b', required: false, type: { kind: 'boolean' } },
      { id: 4, name: 'd', required: false, type: { kind: 'decimal', precision: 38, scale: 2 } },
      { id: 5, name: 'bin', required: false, type: { kind: 'binary' } },
      { id: 6, name: 'f', required: false, type: { kind: 'float' } },
      { id: 7, name: 'i', required: false, type: { kind: 'int' } },
    ]);
    const t = await new FilesystemCatalog(tempDir()).createTable({ namespace: ['x'], name: 't' }, { schema });
    const files = [];
    const append = t.newAppend();
    for (let f = 0; f < 9; f++) {
      const df = await writeDataFile(t, Array.from({ length: 1100 }, (_, j) => {
        const k = f * 1100 + j;
        const nul = k % 5 === 4;
        return { id: BigInt(k), s: nul ? null : `v${k}-ü`, b: nul ? null : k % 3 === 0, d: nul ? null : 10n ** 30n + BigInt(k), bin: nul ? null : Uint8Array.of(k & 255, 7), f: nul ? null : k / 8, i: nul ? null : -k };
      }), { rowGroupSizeBytes: 2048, pageRowLimit: 50 });
      files.push(df);
      append.appendFile(df);
    }
    await append.commit();
    await commitPositionDeletes(t, [files[1]!, files[4]!, files[8]!], Array.from({ length: 40 }, (_, j) => j * 7));
    const expected = await inThread(t, schema);
    // several row groups per file, and position deletes cleared in the masks
    expect(expected.length).toBeGreaterThan(9);
    expect(expected.some((b) => b.includes(';0:') || b.includes(' 0:'))).toBe(true);
    expect(await offThread(t, schema, 2, Infinity)).toEqual(expected);
    // one file per request (the byte cap), several requests in flight on one worker
    expect(await offThread(t, schema, 1, Infinity, 8, 1, true)).toEqual(expected);
    const projection = new Schema(0, ['s', 'id', 'b'].map((n) => schema.fields.find((x) => x.name === n)!));
    expect(await offThread(t, projection, 1, Infinity, 4)).toEqual(await inThread(t, projection));
  });

  it('a request that cannot be handed over fails by itself; the pool keeps working', async () => {
    const schema = new Schema(0, [{ id: 1, name: 'id', required: true, type: { kind: 'long' } }]);
    const t = await new FilesystemCatalog(tempDir()).createTable({ namespace: ['x'], name: 't' }, { schema });
    const df = await writeDataFile(t, [{ id: 1n }, { id: 2n }]);
    const pool = DecoderPool.shared(1);
    const text = JSON.stringify({ type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'id', required: true, type: 'long' }] });
    const file = async (constants: Map<number, unknown>) => ({ location: df.filePath, bytes: await t.io.read(df.filePath), deleted: new Float64Array(0), constants });
    await expect(pool.decode(text, [await file(new Map([[9, () => 1]]))])).rejects.toThrow(/handing .* to a decoder worker/);
    const [[batch]] = await pool.decode(text, [await file(new Map())]) as [[MaskedBatch]];
    expect([...(batch.batch.columns['id'] as BigInt64Array)]).toEqual([1n, 2n]);
    expect(batch.kept).toBe(2);
  });

  it('a corrupt data file fails with InvalidDataFileError naming it, as on this thread', async () => {
    const schema = new Schema(0, [{ id: 1, name: 'id', required: true, type: { kind: 'long' } }]);
    const t = await new FilesystemCatalog(tempDir()).createTable({ namespace: ['x'], name: 't' }, { schema });
    const append = t.newAppend();
    const files = [];
    for (let f = 0; f < 5; f++) files.push(await writeDataFile(t, Array.from({ length: 10 }, (_, j) => ({ id: BigInt(f * 10 + j) }))));
    for (const df of files) append.appendFile(df);
    await append.commit();
    const bad = localPathOf(files[3]!.filePath);
    const bytes = fs.readFileSync(bad);
    bytes.fill(0x41, bytes.length - 40, bytes.length - 8); // footer overwritten
    fs.writeFileSync(bad, bytes);
    const here = inThread(t, schema);
    await expect(here).rejects.toBeInstanceOf(InvalidDataFileError);
    const there = offThread(t, schema, 1, Infinity);
    await expect(there).rejects.toBeInstanceOf(InvalidDataFileError);
    await expect(there).rejects.toThrow(path.basename(bad));
    const err = (await there.catch((e: unknown) => e)) as InvalidDataFileError;
    expect(err.context['location']).toBe(files[3]!.filePath);
  });
});
