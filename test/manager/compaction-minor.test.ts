import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { minorCompactTable } from '../../manager/compaction/minor-compaction.js';
import { openTable } from '../../src/catalog/open-table.js';
import type { Table } from '../../src/iceberg/table.js';
import { FIXTURES } from '../fixtures-path.js';
import { useTempDir } from '../support/temp-dir.js';
import { duckCounts, localPath, newTable, scanAny, scanRows, UpsertDriver } from './compaction-support.js';

const tempDir = useTempDir('icetide-compact-minor-');

async function liveByContent(t: Table): Promise<Record<string, number>> {
  const out: Record<string, number> = { data: 0, 'position-deletes': 0, 'equality-deletes': 0 };
  for (const e of await t.entries()) if (e.status !== 'deleted') out[e.dataFile.content] = (out[e.dataFile.content] ?? 0) + 1;
  return out;
}

describe('minor compaction: equality deletes -> position deletes', () => {
  it.each([
    ['partitioned', undefined],
    ['unpartitioned (global equality deletes)', null],
  ] as const)('%s: scans identically, no equality deletes left, data files untouched', async (_name, spec) => {
    const t = await newTable(tempDir(), spec === null ? null : undefined);
    const d = await UpsertDriver.open(t, 21);
    for (let c = 0; c < 15; c++) await d.commit(40, 500 + c);
    const rows = await scanRows(t);
    const before = await liveByContent(t);
    expect(before['equality-deletes']).toBeGreaterThan(0);
    const dataBefore = new Set((await t.planFiles()).map((x) => x.file.filePath));

    const r = await minorCompactTable(t, { maxEqualityKeysInMemory: 40 });
    expect(r.conflict).toBeUndefined();
    expect(r.positionDeletesWritten).toBeGreaterThan(0);
    const after = await liveByContent(t);
    expect(after['equality-deletes']).toBe(0);
    expect(after.data).toBe(before.data);
    expect(new Set((await t.planFiles()).map((x) => x.file.filePath))).toEqual(dataBefore);
    expect(await scanRows(t)).toEqual(rows);
    expect(t.currentSnapshot()!.summary.operation).toBe('replace');
    expect(t.currentSnapshot()!.summary['icetide.watermark-ms']).toBe('514');
    // DuckDB reads the position delete files written
    const posFiles = (await t.entries()).filter((e) => e.status === 'added' && e.snapshotId === t.currentSnapshot()!.snapshotId && e.dataFile.content === 'position-deletes');
    expect(await duckCounts(posFiles.map((e) => localPath(t, e.dataFile.filePath)))).toEqual(posFiles.map((e) => e.dataFile.recordCount));
    // the sink writes on: still the model
    for (let c = 0; c < 3; c++) await d.commit(40);
    expect(await scanRows(t)).toEqual(d.modelRows());
  });

  it('spark-v2-eqdeletes-partitioned (copy): equality deletes become position deletes or go as dangling', async () => {
    const dir = path.join(tempDir(), 'eq');
    fs.cpSync(path.join(FIXTURES, 'spark-v2-eqdeletes-partitioned', 'table'), dir, { recursive: true });
    const t = await openTable(dir);
    const rows = await scanAny(t);
    await minorCompactTable(t);
    await t.refresh();
    expect(await scanAny(t)).toEqual(rows);
    expect((await liveByContent(t))['equality-deletes']).toBe(0);
  });

  it.each([
    ['partitioned', undefined],
    ['unpartitioned (global equality deletes go with the last commit)', null],
  ] as const)('partial progress, %s: max-commit-groups splits the run into commits of whole partitions, each snapshot scans the same', async (_name, spec) => {
    const t = await newTable(tempDir(), spec === null ? null : undefined);
    const d = await UpsertDriver.open(t, 13, 300, 6);
    for (let c = 0; c < 15; c++) await d.commit(50);
    const rows = await scanRows(t);
    const r = await minorCompactTable(t, { maxCommitGroups: 3 });
    expect(r.conflict).toBeUndefined();
    expect(r.commits.length).toBe(spec === null ? 1 : 3); // one partition cannot be split
    // Every intermediate snapshot scans identically (a crash between commits loses nothing).
    for (const c of r.commits) expect(await scanRows(t, c.snapshotId)).toEqual(rows);
    expect((await liveByContent(t))['equality-deletes']).toBe(0);
    expect(r.commits.reduce((n, c) => n + c.equalityDeleteFilesRemoved, 0)).toBe(r.equalityDeleteFilesRemoved);
    // The sink writes on: still the model.
    for (let c = 0; c < 3; c++) await d.commit(40);
    expect(await scanRows(t)).toEqual(d.modelRows());
  });

  it('only dangling deletes: one commit removes them, rows unchanged', async () => {
    const t = await newTable(tempDir());
    const d = await UpsertDriver.open(t, 5);
    for (let c = 0; c < 4; c++) await d.commit(30);
    await minorCompactTable(t); // no equality delete hits a data file any more
    // A delete of a key never written, in a partition without data: an equality delete file that applies to nothing.
    await d.writer.write([{ table: 's.t', op: 'delete', before: { id: 999_999n, region: 7, v: 'x' }, position: { line: 10_000 }, sourceTsMs: 10_000 }], 'incremental');
    await d.writer.commit({ position: { line: 10_000 }, phase: 'incremental', force: true });
    expect((await liveByContent(t))['equality-deletes']).toBe(1);
    const rows = await scanRows(t);
    const r = await minorCompactTable(t);
    expect(r).toMatchObject({ dataFilesScanned: 0, danglingDeleteFilesRemoved: 1, equalityDeleteFilesRemoved: 0, positionDeletesWritten: 0 });
    expect(r.commits).toHaveLength(1);
    expect((await liveByContent(t))['equality-deletes']).toBe(0);
    expect(await scanRows(t)).toEqual(rows);
  });

  it('dry run changes nothing; a table with nothing to do makes no commit', async () => {
    const t = await newTable(tempDir());
    const d = await UpsertDriver.open(t, 2);
    for (let c = 0; c < 4; c++) await d.commit(20);
    const snap = t.currentSnapshot()!.snapshotId;
    const dry = await minorCompactTable(t, { dryRun: true });
    expect(dry.equalityDeleteFilesRemoved + dry.danglingDeleteFilesRemoved).toBeGreaterThan(0);
    await t.refresh();
    expect(t.currentSnapshot()!.snapshotId).toBe(snap);
    await minorCompactTable(t);
    const again = await minorCompactTable(t);
    expect(again.snapshotId).toBeUndefined();
  });
});
