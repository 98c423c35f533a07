import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openTable } from '../../src/catalog/open-table.js';
import { NotFoundError } from '../../src/errors.js';
import { verifyPlannedFiles } from '../../src/iceberg/file-verification.js';
import type { FileScanTask } from '../../src/iceberg/scan-planner.js';
import { FIXTURES, fixtureTables, type OracleTotals, readOracle } from '../fixtures-path.js';

/**
 * Tables written by Spark / PyIceberg plan exactly as Iceberg Java 1.10.2 plans them
 * (expected/oracle-plan.json): same data files, record counts and delete files per data file,
 * for the current snapshot; and the same totals for every readable historical snapshot.
 * Oracle snapshot ids are JSON numbers (imprecise above 2^53), so snapshots are matched by
 * position in the metadata and compared as doubles.
 */
const tables = fixtureTables();

function totalsOf(tasks: readonly FileScanTask[], liveEntries: { content: string; records: bigint; format: string }[], manifests: number): OracleTotals {
  const deletes = new Map<string, FileScanTask['deletes'][number]>();
  for (const t of tasks) for (const d of t.deletes) deletes.set(d.file.filePath, d);
  const sum = (xs: bigint[]) => Number(xs.reduce((a, b) => a + b, 0n));
  const live = (c: string) => liveEntries.filter((e) => e.content === c);
  return {
    manifests,
    liveDataFiles: live('data').length,
    liveDataRecords: sum(live('data').map((e) => e.records)),
    liveDeleteFiles: liveEntries.length - live('data').length,
    livePositionDeleteFiles: live('position-deletes').length,
    liveDeletionVectors: liveEntries.filter((e) => e.format === 'PUFFIN').length,
    liveEqualityDeleteFiles: live('equality-deletes').length,
    livePositionDeleteRecords: sum(live('position-deletes').map((e) => e.records)),
    liveEqualityDeleteRecords: sum(live('equality-deletes').map((e) => e.records)),
    plannedDataFiles: tasks.length,
    plannedDataRecords: sum(tasks.map((t) => t.file.recordCount)),
    plannedDistinctDeleteFiles: deletes.size,
    plannedPositionDeleteRecords: sum([...deletes.values()].filter((d) => d.file.content === 'position-deletes').map((d) => d.file.recordCount)),
    plannedEqualityDeleteRecords: sum([...deletes.values()].filter((d) => d.file.content === 'equality-deletes').map((d) => d.file.recordCount)),
  };
}

describe.each(tables)('fixture %s', (name) => {
  const oracle = readOracle(name);
  const dir = path.join(FIXTURES, name, 'table');

  it('loads with the oracle format version and last sequence number', async () => {
    const t = await openTable(dir);
    expect(t.metadata.formatVersion).toBe(oracle.formatVersion);
    expect(t.metadata.lastSequenceNumber).toBe(BigInt(oracle.lastSequenceNumber));
  });

  it('plans the current snapshot exactly as Iceberg Java', async () => {
    const t = await openTable(dir);
    const tasks = await t.planFiles();
    const got = tasks
      .map((tk) => ({
        path: tk.file.filePath,
        recordCount: Number(tk.file.recordCount),
        dataSequenceNumber: Number(tk.dataSequenceNumber),
        deletes: tk.deletes.map((d) => `${d.file.content}:${d.file.filePath}:${d.file.recordCount}:${(d.file.equalityIds ?? []).join('/')}`).sort(),
      }))
      .sort((a, b) => a.path.localeCompare(b.path));
    const want = (oracle.snapshot?.scan.dataFiles ?? [])
      .map((f) => ({
        path: f.path,
        recordCount: f.recordCount,
        dataSequenceNumber: f.dataSequenceNumber,
        deletes: f.deletes
          .map((d) => `${d.content === 'POSITION_DELETES' ? 'position-deletes' : 'equality-deletes'}:${d.path}:${d.recordCount}:${(d.equalityFieldIds ?? []).join('/')}`)
          .sort(),
      }))
      .sort((a, b) => a.path.localeCompare(b.path));
    expect(got).toEqual(want);
  });

  it('matches the oracle totals of every historical snapshot (and fails where Java failed)', async () => {
    const t = await openTable(dir);
    const log = t.snapshots(); // metadata order, as Iceberg Java's table.snapshots()
    expect(log.length).toBe(oracle.history.length);
    for (const [i, h] of oracle.history.entries()) {
      const snap = log[i]!;
      expect(Number(snap.snapshotId)).toBe(h.snapshotId); // same snapshot (within double precision)
      if (h.error) {
        await expect(t.planFiles(snap.snapshotId)).rejects.toBeInstanceOf(NotFoundError);
        continue;
      }
      const entries = (await t.entries(snap.snapshotId)).filter((e) => e.status !== 'deleted');
      const tasks = await t.planFiles(snap.snapshotId);
      const manifests = (await t.manifests(snap.snapshotId)).length;
      expect(totalsOf(tasks, entries.map((e) => ({ content: e.dataFile.content, records: e.dataFile.recordCount, format: e.dataFile.fileFormat })), manifests), `snapshot #${i}`).toEqual(h.totals);
    }
  });

  it('verifies file sizes: only the DuckDB-rewritten fixture is reported as stale', async () => {
    const t = await openTable(dir);
    const problems = await verifyPlannedFiles(t.io, await t.planFiles());
    const oracleFilesOk = (oracle.snapshot?.scan.dataFiles ?? []).every((f) => f.exists);
    if (name === 'spark-v2-partition-evolution-duckdb-rewritten') {
      expect(problems.length).toBeGreaterThan(0);
      expect(problems.every((p) => p.problem.includes('manifest records'))).toBe(true);
    } else {
      expect(oracleFilesOk).toBe(true);
      expect(problems).toEqual([]);
    }
  });
});

describe('fixture layout quirks', () => {
  it('reads lineitem whose location is ./lineitem_iceberg while paths start with lineitem_iceberg/', async () => {
    const t = await openTable(path.join(FIXTURES, 'spark-v2-lineitem-cow', 'table'));
    expect(t.location).toBe('./lineitem_iceberg');
    const [task] = await t.planFiles();
    expect(task!.file.filePath.startsWith('lineitem_iceberg/')).toBe(true);
    expect(await t.io.exists(task!.file.filePath)).toBe(true);
  });

  it('opens a table from one metadata file (read-only, that exact version)', async () => {
    const meta = path.join(FIXTURES, 'spark-v2-eqdeletes', 'table', 'metadata', 'v2.metadata.json');
    const t = await openTable(meta);
    expect(t.metadata.snapshots.length).toBe(1);
    await expect(t.updateProperties().set('a', 'b').commit()).rejects.toThrow(/read-only/);
  });

  it('PyIceberg tables (NNNNN-uuid.metadata.json, no version hint) load the newest metadata and refuse filesystem commits', async () => {
    const t = await openTable(path.join(FIXTURES, 'pyiceberg-v2-day-partition', 'table'));
    expect(t.metadataLocation).toMatch(/00002-.*\.metadata\.json$/);
    await expect(t.updateProperties().set('a', 'b').commit()).rejects.toThrow(/commit through that catalog/);
  });

  it('legacy v1 snapshots with embedded manifests plan without a manifest list', async () => {
    const t = await openTable(path.join(FIXTURES, 'v1-legacy-embedded-manifests', 'table'));
    const snap = t.currentSnapshot()!;
    expect(snap.manifestList).toBeUndefined();
    expect(snap.manifests?.length).toBeGreaterThan(0);
    expect((await t.planFiles()).map((x) => Number(x.file.recordCount)).reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('every fixture directory is covered', () => {
    expect(fs.readdirSync(FIXTURES).filter((n) => n !== 'metadata-json-examples' && n !== 'README.md').sort()).toEqual(tables);
  });
});
