import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compactTable } from '../../manager/compaction/compact-table.js';
import { compactJob, compactMinorJob } from '../../manager/compaction/compaction-jobs.js';
import { openTable } from '../../src/catalog/open-table.js';
import { scanTable } from '../../src/iceberg/read/table-scan.js';
import type { Table } from '../../src/iceberg/table.js';
import { currentWatermark, findResumeState } from '../../src/sink/resume-state.js';
import { FIXTURES } from '../fixtures-path.js';
import { useTempDir } from '../support/temp-dir.js';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { TableWriter } from '../../src/sink/table-writer.js';
import { duckCounts, localPath, newTable, scanAny, scanRows, schema, UpsertDriver } from './compaction-support.js';

const tempDir = useTempDir('icetide-compact-');

async function liveFiles(t: Table): Promise<{ data: number; deletes: number }> {
  const entries = (await t.entries()).filter((e) => e.status !== 'deleted');
  return { data: entries.filter((e) => e.dataFile.content === 'data').length, deletes: entries.filter((e) => e.dataFile.content !== 'data').length };
}

/** DuckDB reads every data file compaction wrote, with the recorded row counts. */
async function expectDuckReadsWritten(t: Table, before: ReadonlySet<string>): Promise<number> {
  const written = (await t.planFiles()).filter((x) => !before.has(x.file.filePath));
  const counts = await duckCounts(written.map((x) => localPath(t, x.file.filePath)));
  expect(counts).toEqual(written.map((x) => x.file.recordCount));
  return written.length;
}

describe('compaction of a streaming-upsert table (TableWriter)', () => {
  it('scans to the same rows with fewer files, deletes applied, dangling deletes removed, watermark kept', async () => {
    const t = await newTable(tempDir());
    const d = await UpsertDriver.open(t, 7);
    for (let c = 0; c < 30; c++) await d.commit(40, 1_000 + c);
    const before = await liveFiles(t);
    const rowsBefore = await scanRows(t);
    expect(rowsBefore).toEqual(d.modelRows());
    const pathsBefore = new Set((await t.planFiles()).map((x) => x.file.filePath));

    const r = await compactTable(t);
    expect(r.commits).toHaveLength(3); // 3 partitions, at most max-commit-groups (10) commits of whole partitions
    expect(r.dropped).toEqual([]);
    const after = await liveFiles(t);
    expect(await scanRows(t)).toEqual(rowsBefore);
    expect(after.data).toBeLessThan(before.data);
    expect(after.data).toBe(3); // one file per region
    expect(after.deletes).toBe(0); // every delete applied and removed as dangling
    expect(await expectDuckReadsWritten(t, pathsBefore)).toBe(3);

    const snap = t.currentSnapshot()!;
    expect(snap.summary.operation).toBe('replace');
    expect(snap.summary['icetide.watermark-ms']).toBe('1029');
    expect(currentWatermark(t.metadata)).toBe(1029);
    // the sink resumes from its own snapshot, past the compaction
    expect(findResumeState(t.metadata, 'p')?.position).toEqual({ line: 1200 });
    // the new files keep the start snapshot's data sequence number (spec "Sequence Numbers")
    const startSeq = t.snapshot(r.startSnapshotId!).sequenceNumber;
    for (const task of await t.planFiles()) expect(task.dataSequenceNumber).toBe(startSeq);

    // a second run finds nothing to do
    const again = await compactTable(t);
    expect(again.plan).toEqual([]);
    expect(again.commits).toEqual([]);

    // the sink keeps writing on top: equality deletes still reach the compacted rows
    for (let c = 0; c < 5; c++) await d.commit(40);
    expect(await scanRows(t)).toEqual(d.modelRows());
  });

  it('unpartitioned table: global equality deletes applied and removed', async () => {
    const t = await newTable(tempDir(), null);
    const d = await UpsertDriver.open(t, 3);
    for (let c = 0; c < 15; c++) await d.commit(30);
    const rows = await scanRows(t);
    await compactTable(t);
    expect(await scanRows(t)).toEqual(rows);
    expect(await liveFiles(t)).toEqual({ data: 1, deletes: 0 });
  });

  it('bounded equality deletes: keys split into hash buckets give the same rows', async () => {
    const t = await newTable(tempDir(), null);
    const d = await UpsertDriver.open(t, 11, 500);
    for (let c = 0; c < 12; c++) await d.commit(100);
    const rows = await scanRows(t);
    const r = await compactTable(t, { maxEqualityKeysInMemory: 50 });
    expect(r.commits).toHaveLength(1);
    expect(r.maxEqualityPasses).toBeGreaterThan(2);
    expect(await scanRows(t)).toEqual(rows);
    expect(await scanRows(t)).toEqual(d.modelRows());
    expect(await liveFiles(t)).toEqual({ data: 1, deletes: 0 });
  });

  it('target-file-size splits the output; dry run changes nothing', async () => {
    const t = await newTable(tempDir(), null);
    const d = await UpsertDriver.open(t, 5, 3000);
    for (let c = 0; c < 10; c++) await d.commit(400);
    const snap = t.currentSnapshot()!.snapshotId;
    const dry = await compactTable(t, { dryRun: true, targetFileSizeBytes: 20_000 });
    expect(dry.plan.length).toBeGreaterThan(0);
    expect(dry.commits).toEqual([]);
    await t.refresh();
    expect(t.currentSnapshot()!.snapshotId).toBe(snap);
    const rows = await scanRows(t);
    const r = await compactTable(t, { targetFileSizeBytes: 20_000, minFileSizeBytes: 15_000 });
    expect(await scanRows(t)).toEqual(rows);
    expect(r.commits[0]!.dataFilesAdded).toBeGreaterThan(1);
  });

  it('partial progress: max-commit-groups splits the run into commits of whole partitions', async () => {
    const t2 = await newTable(tempDir());
    const d = await UpsertDriver.open(t2, 9, 300, 6);
    for (let c = 0; c < 20; c++) await d.commit(50);
    const rows = await scanRows(t2);
    const r = await compactTable(t2, { maxCommitGroups: 3 });
    expect(r.commits).toHaveLength(3);
    expect(await scanRows(t2)).toEqual(rows);
    // every intermediate snapshot scans identically too (a crash between commits loses nothing)
    for (const c of r.commits) expect(await scanRows(t2, c.snapshotId)).toEqual(rows);
    expect((await liveFiles(t2)).data).toBe(6);
  });
});

describe('format v1 (append-only)', () => {
  it('bin-packs a v1 table: no sequence numbers, same rows', async () => {
    const t = await new FilesystemCatalog(tempDir()).createTable({ namespace: ['m'], name: 'v1' }, { schema, formatVersion: 1 });
    const w = await TableWriter.open(t, { pipelineId: 'a', mode: 'append' });
    for (let c = 0; c < 6; c++) {
      await w.write([0, 1, 2].map((k) => ({ table: 's', op: 'insert' as const, after: { id: BigInt(c * 3 + k), region: k, v: `c${c}` }, position: { c }, sourceTsMs: c })), 'incremental');
      await w.commit({ position: { c }, phase: 'incremental' });
    }
    const rows = await scanRows(t);
    const r = await compactTable(t);
    expect(r.commits).toHaveLength(1);
    expect(await scanRows(t)).toEqual(rows);
    expect((await t.planFiles()).length).toBe(1);
  });
});

describe('sort order', () => {
  it('rewritten files follow the default sort order (spilled runs merged), sort_order_id recorded', async () => {
    const t = await newTable(tempDir(), null);
    await t.ops.commit(t.state, { ...t.metadata, sortOrders: [...t.metadata.sortOrders, { orderId: 1, fields: [{ sourceId: 3, transform: { kind: 'identity' }, direction: 'desc', nullOrder: 'nulls-last' }] }], defaultSortOrderId: 1 });
    await t.refresh();
    const d = await UpsertDriver.open(t, 13, 400);
    for (let c = 0; c < 10; c++) await d.commit(60);
    const rows = await scanRows(t);
    await compactTable(t, { sortRunRows: 37 });
    expect(await scanRows(t)).toEqual(rows);
    const tasks = await t.planFiles();
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.file.sortOrderId).toBe(1);
    const vs: string[] = [];
    for await (const b of scanTable(t)) for (const r of b) vs.push(r['v'] as string);
    expect(vs).toEqual([...vs].sort().reverse());
  });
});

describe('compaction of fixture tables (copies)', () => {
  // [fixture, files written]: eqdeletes-partitioned has one file per partition and every file
  // with deletes loses all its rows; v1-overwrites has a single file (nothing to gain).
  const fixtures: [string, 'some' | 'none'][] = [
    ['spark-v2-posdeletes', 'some'],
    ['spark-v2-eqdeletes', 'some'],
    ['spark-v2-eqdeletes-partitioned', 'none'],
    ['spark-v1-overwrites', 'none'],
  ];
  it.each(fixtures)('%s scans identically after compaction, with fewer files (or none to gain), readable by DuckDB', async (name, written) => {
    const dir = path.join(tempDir(), name);
    fs.cpSync(path.join(FIXTURES, name, 'table'), dir, { recursive: true });
    const t = await openTable(dir);
    const rows = await scanAny(t);
    const before = await liveFiles(t);
    const pathsBefore = new Set((await t.planFiles()).map((x) => x.file.filePath));
    const r = await compactTable(t);
    await t.refresh();
    expect(await scanAny(t)).toEqual(rows);
    const after = await liveFiles(t);
    if (before.data + before.deletes > 1 && r.plan.length > 0) expect(after.data + after.deletes).toBeLessThan(before.data + before.deletes);
    else expect(r.commits).toEqual([]);
    const n = await expectDuckReadsWritten(t, pathsBefore);
    expect(n > 0).toBe(written === 'some');
    // written under the copy, never next to the original
    for (const x of await t.planFiles()) if (!pathsBefore.has(x.file.filePath)) expect(fs.existsSync(localPath(t, x.file.filePath))).toBe(true);
  });
});

describe('maintenance jobs', () => {
  function parquetFiles(dir: string): string[] {
    return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.parquet')).sort();
  }

  it('compact and compact-minor run as manager jobs; an abort before the commit leaves the table and its files untouched', async () => {
    const wh = tempDir();
    const t = await newTable(wh);
    const d = await UpsertDriver.open(t, 17);
    for (let c = 0; c < 8; c++) await d.commit(30);
    const rows = await scanRows(t);
    const snap = t.currentSnapshot()!.snapshotId;
    const files = parquetFiles(wh);

    const ac = new AbortController();
    await expect(compactJob.run(t, {}, ac.signal, { beforeCommit: async () => ac.abort(new Error('stop')) })).rejects.toThrow(/stop/);
    await t.refresh();
    expect(t.currentSnapshot()!.snapshotId).toBe(snap);
    expect(parquetFiles(wh)).toEqual(files);

    const minor = await compactMinorJob.run(t, {}, new AbortController().signal);
    expect(minor.noop).toBeUndefined();
    const major = await compactJob.run(t, { 'max-commit-groups': 1, 'decode-workers': 2 }, new AbortController().signal);
    expect(major.summary).toMatch(/1 commit\(s\)/);
    expect(await scanRows(t)).toEqual(rows);
    expect((await compactJob.run(t, {}, new AbortController().signal)).noop).toBe(true);
    await expect(compactJob.run(t, { 'target-size': 1 }, new AbortController().signal)).rejects.toThrow(/unknown compact option/);
  });
});
