import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expireTable } from '../../manager/expiry/expire-table.js';
import { metadataFilesToPrune } from '../../manager/expiry/metadata-file-pruning.js';
import { pipelinePins } from '../../manager/expiry/pipeline-pins.js';
import { reachableFrom } from '../../manager/expiry/reachable-files.js';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { openTable } from '../../src/catalog/open-table.js';
import { scanTable } from '../../src/iceberg/read/table-scan.js';
import { Table } from '../../src/iceberg/table.js';
import { findResumeState } from '../../src/sink/resume-state.js';
import { TableWriter } from '../../src/sink/table-writer.js';
import { FIXTURES } from '../fixtures-path.js';
import { useTempDir } from '../support/temp-dir.js';
import { byRegion, regionSchema } from '../support/region-table.js';

const tempDir = useTempDir('icetide-expiry-');
const DAY = 86_400_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const schema = regionSchema;

async function newTable(props: Record<string, string> = {}): Promise<Table> {
  return new FilesystemCatalog(tempDir()).createTable({ namespace: ['m'], name: 't' }, { schema, spec: byRegion, properties: { 'write.parquet.compression-codec': 'uncompressed', ...props } });
}

/** `commits` upsert commits of pipeline `pipelineId`, each rewriting keys 0..4 (so old files become unreachable). */
async function writeCommits(t: Table, pipelineId: string, commits: number, start = 0): Promise<void> {
  const w = await TableWriter.open(t, { pipelineId, mode: 'upsert', keyFilter: { expectedKeys: 100, fpp: 0.01, checkpointEveryCommits: 2 } });
  for (let c = start; c < start + commits; c++) {
    const events = [0, 1, 2, 3, 4].map((k) => ({ table: 's.t', op: 'insert' as const, after: { id: BigInt(k), region: k % 2, v: `c${c}` }, position: { c }, sourceTsMs: c }));
    await w.write(events, 'incremental');
    await w.commit({ position: { c }, phase: 'incremental', watermarkMs: 1000 + c });
    await sleep(5);
  }
}

async function scanRows(t: Table): Promise<string[]> {
  const rows: string[] = [];
  for await (const b of scanTable(t)) for (const r of b) rows.push(`${r['id']}|${r['region']}|${r['v']}`);
  return rows.sort();
}

const localPath = (t: Table, loc: string) => (t.io as { map?: (l: string) => string }).map?.(loc) ?? loc;

/** Every file the table's metadata (all snapshots, metadata log) reaches exists. */
async function assertEverythingReachableExists(t: Table): Promise<void> {
  await t.refresh();
  const r = await reachableFrom(t.io, t.metadata);
  const all = [...r.manifestLists, ...r.manifests.keys(), ...r.contentFiles, ...r.statisticsFiles, ...r.keyFilterCheckpoints, ...t.metadata.metadataLog.map((e) => e.metadataFile)];
  const missing: string[] = [];
  for (const p of all) if (!(await t.io.exists(p))) missing.push(p);
  expect(missing).toEqual([]);
}

function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort();
}

describe('snapshot expiry: deletes only what no retained snapshot reaches', () => {
  it('expires old snapshots, keeps retain-last, scans identically, and removes unreachable files', async () => {
    const t = await newTable();
    await writeCommits(t, 'p1', 5);
    // Upserts never remove data files; a delete of a whole file makes one unreachable once expired.
    const victim = (await t.planFiles())[0]!.file.filePath;
    await t.newDelete().deleteFile(victim).commit();
    const before = await scanRows(t);
    const beforeFiles = filesUnder(localPath(t, t.location));
    const oldManifestLists = t.snapshots().slice(0, 4).map((s) => s.manifestList!);
    const report = await expireTable(t, { olderThanMs: 0, retainLast: 2, nowMs: Date.now() + DAY });
    expect(report.expiredSnapshotIds).toHaveLength(4);
    expect(t.snapshots()).toHaveLength(2);
    // The snapshot before the delete still reaches the deleted file: it stays.
    expect(report.files.dataFiles).not.toContain(victim);
    expect(await t.io.exists(victim)).toBe(true);
    // ... and so does p1's resume snapshot, until the pipeline is retired.
    expect((await expireTable(t, { olderThanMs: 0, retainLast: 1, nowMs: Date.now() + DAY })).expiredSnapshotIds).toEqual([]);
    const report2 = await expireTable(t, { olderThanMs: 0, retainLast: 1, nowMs: Date.now() + DAY, pipelineRetentionMs: 0 });
    expect(report2.expiredSnapshotIds).toHaveLength(1);
    expect(report2.files.dataFiles).toEqual([victim]);
    expect(await t.io.exists(victim)).toBe(false);
    expect(await scanRows(t)).toEqual(before);
    await assertEverythingReachableExists(t);
    for (const l of oldManifestLists) expect(await t.io.exists(l)).toBe(false);
    expect(report.files.keyFilterCheckpoints.length).toBeGreaterThan(0);
    for (const f of [...report.files.manifests, ...report.files.keyFilterCheckpoints]) expect(await t.io.exists(f)).toBe(false);
    expect(filesUnder(localPath(t, t.location)).length).toBeLessThan(beforeFiles.length);
    expect(findResumeState(t.metadata, 'p1')).toBeUndefined();
  });

  it('dry run reports the same files and changes nothing', async () => {
    const t = await newTable();
    await writeCommits(t, 'p1', 4);
    const files = filesUnder(localPath(t, t.location));
    const dry = await expireTable(t, { olderThanMs: 0, retainLast: 1, nowMs: Date.now() + DAY, dryRun: true });
    expect(dry.expiredSnapshotIds).toHaveLength(3);
    expect(filesUnder(localPath(t, t.location))).toEqual(files);
    expect((await t.refresh()).snapshots()).toHaveLength(4);
    const real = await expireTable(t, { olderThanMs: 0, retainLast: 1, nowMs: Date.now() + DAY });
    expect(new Set(real.files.dataFiles)).toEqual(new Set(dry.files.dataFiles));
    expect(new Set(real.files.manifests)).toEqual(new Set(dry.files.manifests));
  });

  it('aborted before the commit: nothing changes; beforeCommit runs first', async () => {
    const t = await newTable();
    await writeCommits(t, 'p1', 3);
    const files = filesUnder(localPath(t, t.location));
    const ac = new AbortController();
    const run = expireTable(t, { olderThanMs: 0, retainLast: 1, nowMs: Date.now() + DAY, pipelineRetentionMs: 0, signal: ac.signal, beforeCommit: async () => ac.abort() });
    await expect(run).rejects.toThrow();
    expect((await t.refresh()).snapshots()).toHaveLength(3);
    expect(filesUnder(localPath(t, t.location))).toEqual(files);
  });

  it('keeps snapshots newer than the cutoff and every tag head', async () => {
    const t = await newTable();
    await writeCommits(t, 'p1', 5);
    const tagged = t.snapshots()[1]!.snapshotId;
    await t.manageSnapshots().setTag('keep-me', tagged).commit();
    const before = await scanRows(t);
    const tagRows: string[] = [];
    for await (const b of scanTable(t, { snapshotId: tagged })) for (const r of b) tagRows.push(`${r['id']}|${r['v']}`);
    // cutoff in the past: nothing is old enough
    expect((await expireTable(t, { olderThanMs: DAY, retainLast: 1 })).expiredSnapshotIds).toEqual([]);
    const r = await expireTable(t, { olderThanMs: 0, retainLast: 1, nowMs: Date.now() + DAY });
    expect(r.expiredSnapshotIds).toHaveLength(3);
    expect(t.snapshots().map((s) => s.snapshotId)).toContain(tagged);
    expect(await scanRows(t)).toEqual(before);
    const after: string[] = [];
    for await (const b of scanTable(t, { snapshotId: tagged })) for (const r2 of b) after.push(`${r2['id']}|${r2['v']}`);
    expect(after.sort()).toEqual(tagRows.sort());
    await assertEverythingReachableExists(t);
  });
});

describe('expiry racing a writer', () => {
  it('a commit landing during the expiry commit is kept, with everything it reaches', async () => {
    const t = await newTable();
    await writeCommits(t, 'p1', 4);
    const other = await openTable(localPath(t, t.location));
    let raced = false;
    const racingOps = {
      ...t.ops,
      commit: async (base: Parameters<typeof t.ops.commit>[0], md: Parameters<typeof t.ops.commit>[1]) => {
        if (!raced) {
          raced = true;
          await writeCommits(other, 'p1', 1, 100); // lands first: this attempt loses the race and retries
        }
        return t.ops.commit(base, md);
      },
    };
    const racing = new Table(racingOps, t.state);
    const r = await expireTable(racing, { olderThanMs: 0, retainLast: 1, nowMs: Date.now() + DAY });
    expect(raced).toBe(true);
    await t.refresh();
    expect(findResumeState(t.metadata, 'p1')?.position).toEqual({ c: 100 });
    expect(r.expiredSnapshotIds.length).toBeGreaterThan(0);
    expect(await scanRows(t)).toEqual(['0|0|c100', '1|1|c100', '2|0|c100', '3|1|c100', '4|0|c100']);
    await assertEverythingReachableExists(t);
  });
});

describe('pipeline pinning', () => {
  it('keeps the chain back to each live pipeline resume snapshot, releases retired pipelines', async () => {
    const t = await newTable();
    await writeCommits(t, 'old', 2);
    await sleep(30);
    const boundary = Date.now();
    await sleep(30);
    await writeCommits(t, 'live', 4, 10);
    const oldResume = findResumeState(t.metadata, 'old')!.snapshot.snapshotId;
    const now = Date.now() + DAY;
    // Without retention both pipelines pin: nothing from 'old' onwards may go.
    const pins = pipelinePins(t.metadata, now, undefined);
    expect(pins.pipelines.map((p) => [p.pipelineId, p.pinned])).toEqual([['live', true], ['old', true]]);
    const r1 = await expireTable(t, { olderThanMs: 0, retainLast: 1, nowMs: now });
    expect(r1.expiredSnapshotIds).toHaveLength(1); // only the first 'old' commit
    expect(findResumeState(t.metadata, 'old')?.snapshot.snapshotId).toBe(oldResume);
    expect(findResumeState(t.metadata, 'live')?.position).toEqual({ c: 13 });
    // With a pipeline retention that 'old' exceeds, it is retired and its history goes.
    const r2 = await expireTable(t, { olderThanMs: 0, retainLast: 1, nowMs: now, pipelineRetentionMs: now - boundary });
    expect(r2.pipelines.find((p) => p.pipelineId === 'old')?.pinned).toBe(false);
    expect(findResumeState(t.metadata, 'old')).toBeUndefined();
    expect(findResumeState(t.metadata, 'live')?.position).toEqual({ c: 13 });
    expect(t.snapshots()).toHaveLength(1);
    await assertEverythingReachableExists(t);
  });

  it('a live pipeline pins its resume snapshot even when other commits came after it', async () => {
    const t = await newTable();
    await writeCommits(t, 'a', 3);
    await writeCommits(t, 'b', 3, 10);
    const r = await expireTable(t, { olderThanMs: 0, retainLast: 1, nowMs: Date.now() + DAY });
    expect(r.expiredSnapshotIds).toHaveLength(2);
    expect(findResumeState(t.metadata, 'a')?.position).toEqual({ c: 2 });
  });
});

describe('metadata.json pruning (write.metadata.delete-after-commit.enabled)', () => {
  it('pure rule: older versions absent from the log go; current, logged and newer stay', () => {
    const listed = [1, 2, 3, 4, 5, 6].map((v) => `/t/metadata/v${v}.metadata.json`).concat('/t/metadata/snap-1.avro', '/t/metadata/version-hint.text');
    const log = [{ timestampMs: 0, metadataFile: 'elsewhere/metadata/v3.metadata.json' }, { timestampMs: 0, metadataFile: '/t/metadata/v4.metadata.json' }];
    expect(metadataFilesToPrune(listed, '/t/metadata/v5.metadata.json', log)).toEqual(['/t/metadata/v1.metadata.json', '/t/metadata/v2.metadata.json']);
  });

  it('prunes to previous-versions-max when enabled, and not when disabled', async () => {
    const t = await newTable({ 'write.metadata.previous-versions-max': '2' });
    await writeCommits(t, 'p1', 4);
    const metaDir = path.join(localPath(t, t.location), 'metadata');
    const versions = () => fs.readdirSync(metaDir).filter((n) => n.endsWith('.metadata.json')).length;
    const r0 = await expireTable(t, { olderThanMs: 0, retainLast: 1, nowMs: Date.now() + DAY });
    expect(r0.metadataFiles).toEqual([]);
    expect(versions()).toBe(7); // create, the unpartitioned spec for global deletes (first upsert), 4 commits, expiry
    await t.updateProperties().set('write.metadata.delete-after-commit.enabled', 'true').commit();
    await writeCommits(t, 'p1', 1, 20);
    const r = await expireTable(t, { olderThanMs: 0, retainLast: 1, nowMs: Date.now() + DAY });
    expect(r.metadataFiles.length).toBeGreaterThan(0);
    expect(versions()).toBe(3); // current + 2 previous
    await assertEverythingReachableExists(t);
  });
});

describe('expiry on copies of foreign fixture tables (prefix-mapped locations)', () => {
  for (const name of ['spark-v2-posdeletes', 'spark-v1-overwrites', 'spark-v2-eqdeletes']) {
    it(`${name}: expires all but the current snapshot, scans identically`, async () => {
      const src = path.join(FIXTURES, name, 'table');
      if (!fs.existsSync(src)) return;
      const dir = path.join(tempDir(), 'table');
      fs.cpSync(src, dir, { recursive: true });
      const t = await openTable(dir);
      const before = await scanRows(t);
      const plan = (await t.planFiles()).map((x) => x.file.filePath).sort();
      const r = await expireTable(t, { olderThanMs: 0, retainLast: 1, nowMs: Date.now() });
      expect(r.expiredSnapshotIds.length).toBeGreaterThan(0);
      expect(t.snapshots()).toHaveLength(1);
      expect(await scanRows(t)).toEqual(before);
      expect((await t.planFiles()).map((x) => x.file.filePath).sort()).toEqual(plan);
      await assertEverythingReachableExists(t);
    });
  }
});
