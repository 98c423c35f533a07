import { describe, expect, it } from 'vitest';
import { compactTable } from '../../manager/compaction/compact-table.js';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { ancestors } from '../../src/iceberg/metadata-updates.js';
import type { Table } from '../../src/iceberg/table.js';
import { writePositionDeletes } from '../../src/sink/delete-file-writers.js';
import { parquetWriteOptionsFromProperties } from '../../src/parquet/index.js';
import { TableWriter } from '../../src/sink/table-writer.js';
import { useTempDir } from '../support/temp-dir.js';
import { newTable, scanRows, UpsertDriver } from './compaction-support.js';

const tempDir = useTempDir('icetide-compact-conc-');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RUNS = Number(process.env['COMPACTION_RUNS'] ?? 20);

/**
 * For every snapshot: the rows it must scan to. Sink snapshots: the model right after that
 * commit. Compaction (replace) snapshots: the rows of the newest sink snapshot below them
 * (compaction changes files, never rows).
 */
function expectedPerSnapshot(t: Table, sinkRows: ReadonlyMap<bigint, string[]>): Map<bigint, string[]> {
  const out = new Map<bigint, string[]>();
  for (const s of t.snapshots()) {
    for (const a of ancestors(t.metadata, s.snapshotId)) {
      const rows = sinkRows.get(a.snapshotId);
      if (rows) {
        out.set(s.snapshotId, rows);
        break;
      }
    }
  }
  return out;
}

describe('compaction with a streaming writer committing every 100 ms', () => {
  it(`loses no row and resurrects no deleted row (${RUNS} runs)`, async () => {
    let replaced = 0;
    let interleaved = 0;
    for (let run = 0; run < RUNS; run++) {
      const t = await newTable(tempDir());
      const d = await UpsertDriver.open(t, 100 + run, 150, 3, run % 2 === 0);
      const sinkRows = new Map<bigint, string[]>();
      const record = () => sinkRows.set(d.writer.table.currentSnapshot()!.snapshotId, d.modelRows());
      for (let c = 0; c < 8; c++) {
        await d.commit(25);
        record();
      }
      expect(await scanRows(t)).toEqual(d.modelRows());
      // The writer and the compactor use separate Table objects, as two processes would.
      const compactor = await newTableHandle(t);
      let done = false;
      const writer = (async () => {
        while (!done) {
          await d.commit(10);
          record();
          await sleep(100);
        }
      })();
      const report = await compactTable(compactor, { maxCommitGroups: run % 3 === 0 ? 1 : 3 });
      await sleep(150);
      done = true;
      await writer;
      await t.refresh();
      replaced += report.commits.length;
      // the sink committed between the compaction's start and its first commit
      if (report.commits.length > 0 && t.snapshot(report.commits[0]!.snapshotId).parentSnapshotId !== report.startSnapshotId) interleaved++;
      expect(await scanRows(t)).toEqual(d.modelRows());
      // every compaction snapshot scans to the model as of the newest sink commit below it
      // (sink snapshots are immutable: the final scan above covers the newest one)
      const expected = expectedPerSnapshot(t, sinkRows);
      for (const c of report.commits) expect(await scanRows(t, c.snapshotId), `run ${run}, snapshot ${c.snapshotId}`).toEqual(expected.get(c.snapshotId));
      expect(report.dropped).toEqual([]); // the sink's position deletes only name files of its own commit
    }
    expect(replaced).toBeGreaterThanOrEqual(RUNS);
    expect(interleaved).toBeGreaterThan(RUNS / 2);
  }, 120_000);
});

async function newTableHandle(t: Table): Promise<Table> {
  const wh = t.location.replace(/\/m\/t$/, '').replace(/^file:\/\//, '');
  return new FilesystemCatalog(wh).loadTable({ namespace: ['m'], name: 't' });
}

describe('apache/iceberg#10312 shape: deletes committed during a compaction are not lost', () => {
  async function seeded(): Promise<{ t: Table; w: TableWriter }> {
    const t = await newTable(tempDir(), null);
    const w = await TableWriter.open(t, { pipelineId: 'p', mode: 'upsert', keyFilter: false });
    // one file per row, so the compaction has something to bin-pack
    for (const [id, v] of [[1n, 'a'], [2n, 'b'], [3n, 'c']] as const) {
      await w.write([{ table: 's.t', op: 'insert', after: { id, region: 0, v }, position: { id: Number(id) }, sourceTsMs: 0 }], 'incremental');
      await w.commit({ position: { id: Number(id) }, phase: 'incremental' });
    }
    return { t, w };
  }

  it('t1 compaction starts; t2 equality delete id=2; t3 append (4,d); t4 compaction commits -> 1,3,4', async () => {
    const { t, w } = await seeded();
    const compactor = await newTableHandle(t);
    let injected = false;
    const report = await compactTable(compactor, {
      onProgress: async (e) => {
        if (e.kind !== 'group-rewritten' || injected) return;
        injected = true;
        await w.write([{ table: 's.t', op: 'delete', before: { id: 2n, region: 0, v: 'b' }, position: { id: 4 }, sourceTsMs: 0 }], 'incremental');
        await w.commit({ position: { id: 4 }, phase: 'incremental' });
        await w.write([{ table: 's.t', op: 'insert', after: { id: 4n, region: 0, v: 'd' }, position: { id: 5 }, sourceTsMs: 0 }], 'incremental');
        await w.commit({ position: { id: 5 }, phase: 'incremental' });
      },
    });
    expect(injected).toBe(true);
    expect(report.commits).toHaveLength(1);
    await t.refresh();
    expect(t.currentSnapshot()!.summary.operation).toBe('replace');
    expect(await scanRows(t)).toEqual(['1|0|a', '3|0|c', '4|0|d']);
    // and again after a second compaction folds everything together
    await compactTable(t);
    expect(await scanRows(t)).toEqual(['1|0|a', '3|0|c', '4|0|d']);
  });

  it('a concurrent position delete on a rewritten file drops that group (reported), the delete is kept, next run compacts', async () => {
    const { t } = await seeded();
    const compactor = await newTableHandle(t);
    let injected = false;
    const report = await compactTable(compactor, {
      onProgress: async (e) => {
        if (e.kind !== 'group-rewritten' || injected) return;
        injected = true;
        // Delete row id=3 by position in its (rewritten) data file, like a MERGE-on-read engine would.
        await t.refresh();
        const target = (await t.planFiles()).find((x) => x.file.lowerBounds?.get(1) && Buffer.from(x.file.lowerBounds.get(1)!).readBigInt64LE() === 3n)!;
        const [del] = await writePositionDeletes(
          { io: t.io, opts: parquetWriteOptionsFromProperties(t.metadata.properties), newLocation: (f) => t.ops.newDataLocation(f) },
          [{ specId: 0, values: [], path: '', deletes: [{ file_path: target.file.filePath, pos: 0n }] }],
        );
        await t.newRowDelta().addDeletes(del!).validateDataFilesExist([target.file.filePath]).commit();
      },
    });
    expect(injected).toBe(true);
    // only the sink's dangling equality deletes may go; no data file was replaced
    expect(report.commits.every((c) => c.dataFilesRemoved === 0)).toBe(true);
    expect(report.dropped).toHaveLength(1);
    expect(report.dropped[0]!.reason).toMatch(/position delete/);
    await t.refresh();
    expect(await scanRows(t)).toEqual(['1|0|a', '2|0|b']);
    const again = await compactTable(t);
    expect(again.commits).toHaveLength(1);
    expect(await scanRows(t)).toEqual(['1|0|a', '2|0|b']);
  });
});
