import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { reachableFrom } from '../../manager/expiry/reachable-files.js';
import { parseEquivalences, parseLocation, sameFile, DEFAULT_EQUAL_SCHEMES } from '../../manager/orphans/location-normalizer.js';
import { assertLocationsReconciled, findOrphans, PrefixMismatchError } from '../../manager/orphans/orphan-finder.js';
import { removeOrphans } from '../../manager/orphans/remove-orphans.js';
import { compactTable } from '../../manager/compaction/compact-table.js';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { openTable } from '../../src/catalog/open-table.js';
import { ValidationError } from '../../src/errors.js';
import type { FileInfo, FileIO } from '../../src/io/file-io.js';
import { scanTable } from '../../src/iceberg/read/table-scan.js';
import { Table } from '../../src/iceberg/table.js';
import { isInflightMarker } from '../../src/sink/inflight-marker.js';
import { TableWriter } from '../../src/sink/table-writer.js';
import { FIXTURES } from '../fixtures-path.js';
import { useTempDir } from '../support/temp-dir.js';
import { plant } from '../support/planted-file.js';
import { byRegion, regionSchema } from '../support/region-table.js';

const tempDir = useTempDir('icetide-orphans-');
const DAY = 86_400_000;
const eq = { equalSchemes: DEFAULT_EQUAL_SCHEMES, equalAuthorities: {} };

const schema = regionSchema;

async function newTable(): Promise<Table> {
  return new FilesystemCatalog(tempDir()).createTable({ namespace: ['m'], name: 't' }, { schema, spec: byRegion, properties: { 'write.parquet.compression-codec': 'uncompressed' } });
}

const events = (c: number) => [0, 1, 2, 3].map((k) => ({ table: 's.t', op: 'insert' as const, after: { id: BigInt(k), region: k % 2, v: `c${c}` }, position: { c }, sourceTsMs: c }));

async function writeCommits(t: Table, commits: number): Promise<void> {
  const w = await TableWriter.open(t, { pipelineId: 'p', mode: 'upsert', keyFilter: { expectedKeys: 100, fpp: 0.01, checkpointEveryCommits: 2 } });
  for (let c = 0; c < commits; c++) {
    await w.write(events(c), 'incremental');
    await w.commit({ position: { c }, phase: 'incremental', watermarkMs: c });
  }
}

async function scanRows(t: Table): Promise<string[]> {
  const rows: string[] = [];
  for await (const b of scanTable(t)) for (const r of b) rows.push(`${r['id']}|${r['region']}|${r['v']}`);
  return rows.sort();
}

function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort();
}

const rootOf = (t: Table) => (t.io as { map?: (l: string) => string }).map?.(t.location) ?? t.location;

async function assertEverythingReachableExists(t: Table): Promise<void> {
  await t.refresh();
  const r = await reachableFrom(t.io, t.metadata, undefined, true);
  const all = [...r.manifestLists, ...r.manifests.keys(), ...r.contentFiles, ...r.statisticsFiles, ...r.keyFilterCheckpoints, ...t.metadata.metadataLog.map((e) => e.metadataFile)];
  const missing: string[] = [];
  for (const p of all) if (!(await t.io.exists(p))) missing.push(p);
  expect(missing).toEqual([]);
}

describe('location normalisation (pure)', () => {
  const cases: [string, string, boolean][] = [
    ['/t/data/a.parquet', 'file:/t/data/a.parquet', true],
    ['file:/t/data/a.parquet', 'file:///t/data/a.parquet', true],
    ['/t/data/a.parquet', 'file:///t/data/a.parquet', true],
    ['file:///t/data/a%20b.parquet', '/t/data/a b.parquet', true],
    ['s3://b/t/a.parquet', 's3a://b/t/a.parquet', true],
    ['s3n://b/t/a.parquet', 's3://b/t/a.parquet', true],
    ['s3://b/t/a.parquet', 's3://other/t/a.parquet', false],
    ['hdfs://nn:8020/w/t/a.parquet', 'hdfs:/w/t/a.parquet', true],
    ['hdfs://nn1:8020/w/t/a.parquet', 'hdfs://nn2:8020/w/t/a.parquet', false],
    ['hdfs://nn:8020/w/t/a.parquet', '/w/t/a.parquet', false],
    ['s3://b/t/a.parquet', '/t/a.parquet', false],
    ['/t//data/a.parquet', '/t/data/a.parquet', true],
    ['/t/data/a.parquet', '/t/data/b.parquet', false],
  ];
  it.each(cases)('%s vs %s -> %s', (listed, referenced, same) => {
    expect(sameFile(parseLocation(listed), parseLocation(referenced), eq)).toBe(same);
  });

  it('parses scheme, authority and path', () => {
    expect(parseLocation('s3a://bucket/k/x')).toEqual({ scheme: 's3a', authority: 'bucket', path: '/k/x' });
    expect(parseLocation('hdfs:/p/q/')).toEqual({ scheme: 'hdfs', path: '/p/q' });
    expect(parseLocation('file:///x')).toEqual({ scheme: 'file', path: '/x' });
    expect(parseLocation('./rel/x')).toEqual({ path: 'rel/x' });
  });

  it('configurable equivalences', () => {
    const authorities = parseEquivalences('nn1:8020=nn,nn2:8020=nn', '--equal-authorities');
    expect(sameFile(parseLocation('hdfs://nn1:8020/w/a'), parseLocation('hdfs://nn2:8020/w/a'), { equalSchemes: {}, equalAuthorities: authorities })).toBe(true);
    expect(sameFile(parseLocation('gs://b/a'), parseLocation('gcs://b/a'), { equalSchemes: parseEquivalences('gcs=gs', '--equal-schemes'), equalAuthorities: {} })).toBe(true);
    expect(() => parseEquivalences('s3a', '--equal-schemes')).toThrow(/from=to/);
  });
});

describe('orphan set difference (pure)', () => {
  const f = (location: string, modifiedMs = 0): FileInfo => ({ location, size: 1, modifiedMs });
  it('keeps referenced, too-new; returns old unreferenced', () => {
    const v = findOrphans([f('/t/data/a'), f('/t/data/b'), f('/t/data/c', 100)], ['file:/t/data/a'], { ...eq, cutoffMs: 50 });
    expect(v.orphans.map((x) => x.location)).toEqual(['/t/data/b']);
    expect(v.tooNew.map((x) => x.location)).toEqual(['/t/data/c']);
    expect(v.matched).toBe(1);
  });
  it('scheme/authority that cannot be reconciled is a mismatch, an error by default, never an orphan', () => {
    const v = findOrphans([f('hdfs://nn1/w/t/a'), f('hdfs://nn1/w/t/b')], ['hdfs://nn2/w/t/a', 'hdfs://nn2/w/t/x'], { ...eq, cutoffMs: 50 });
    expect(v.orphans.map((x) => x.location)).toEqual(['hdfs://nn1/w/t/b']);
    expect(v.mismatches.map((m) => m.listed.location)).toEqual(['hdfs://nn1/w/t/a']);
    expect(() => assertLocationsReconciled(v, 'error', 2)).toThrow(PrefixMismatchError);
    expect(() => assertLocationsReconciled(v, 'ignore', 2)).not.toThrow();
    expect(() => assertLocationsReconciled(v, 'delete', 2)).not.toThrow();
  });
  it('same file name under another directory is a mismatch (a moved or copied table)', () => {
    const v = findOrphans([f('/copy/t/data/part-0-uuid.parquet')], ['/orig/t/data/part-0-uuid.parquet'], { ...eq, cutoffMs: 50 });
    expect(v.orphans).toEqual([]);
    expect(v.mismatches).toHaveLength(1);
  });
  it('relative references cannot be compared: always an error', () => {
    const v = findOrphans([f('/t/data/a')], ['data/a'], { ...eq, cutoffMs: 50 });
    expect(() => assertLocationsReconciled(v, 'ignore', 0)).toThrow(/relative/);
  });
  it('a listing that matches none of the references under the root is an error', () => {
    const v = findOrphans([f('/t/data/zz')], ['/t/data/a'], { ...eq, cutoffMs: 50 });
    expect(() => assertLocationsReconciled(v, 'error', 1)).toThrow(/different places/);
  });
});

describe('remove-orphans on real tables', () => {
  it('dry run lists old unreferenced files and deletes nothing; --delete removes only them', async () => {
    const t = await newTable();
    await writeCommits(t, 4);
    const root = rootOf(t);
    const rows = await scanRows(t);
    const old1 = plant(path.join(root, 'data', 'region=0', 'stray-old.parquet'), 5 * DAY);
    const old2 = plant(path.join(root, 'metadata', 'stray-manifest-m0.avro'), 5 * DAY);
    const fresh = plant(path.join(root, 'data', 'stray-fresh.parquet'), 60_000);
    const before = filesUnder(root);
    const dry = await removeOrphans(t);
    expect(dry.dryRun).toBe(true);
    expect(dry.orphans.map((f) => f.location).sort()).toEqual([old1, old2].sort());
    expect(dry.keptTooNew).toBeGreaterThanOrEqual(1);
    expect(filesUnder(root)).toEqual(before);
    const real = await removeOrphans(t, { dryRun: false });
    expect(real.orphans.map((f) => f.location).sort()).toEqual([old1, old2].sort());
    expect(fs.existsSync(old1) || fs.existsSync(old2)).toBe(false);
    expect(fs.existsSync(fresh)).toBe(true);
    expect(await scanRows(t)).toEqual(rows);
    await assertEverythingReachableExists(t);
  });

  it('age window: a short window with a clock far ahead deletes every unreferenced file, and nothing reachable', async () => {
    const t = await newTable();
    await writeCommits(t, 3);
    const root = rootOf(t);
    const rows = await scanRows(t);
    const stray = plant(path.join(root, 'data', 'x.parquet'), 0);
    const r = await removeOrphans(t, { dryRun: false, nowMs: Date.now() + 10 * DAY });
    expect(r.orphans.map((f) => f.location)).toEqual([stray]);
    expect(await scanRows(t)).toEqual(rows);
    await assertEverythingReachableExists(t);
    // Every file of old metadata versions is kept too (metadata log).
    for (const e of t.metadata.metadataLog) expect(fs.existsSync(e.metadataFile)).toBe(true);
  });

  it('refuses to run from an old metadata file (newer versions would look unreferenced)', async () => {
    const t = await newTable();
    await writeCommits(t, 2);
    const old = await openTable(t.metadata.metadataLog[0]!.metadataFile);
    await expect(removeOrphans(old, { dryRun: false, nowMs: Date.now() + 10 * DAY })).rejects.toThrow(/newer than the metadata read/);
  });

  it('a table in a relative warehouse (recorded locations relative to the working directory)', async () => {
    const wh = path.relative(process.cwd(), tempDir());
    const t = await new FilesystemCatalog(wh).createTable({ namespace: ['m'], name: 't' }, { schema, spec: byRegion });
    expect(t.location.startsWith('/')).toBe(false);
    await writeCommits(t, 3);
    const rows = await scanRows(t);
    const stray = plant(path.resolve(t.location, 'data', 'stray.parquet'), 5 * DAY);
    const r = await removeOrphans(t, { dryRun: false });
    expect(r.orphans.map((f) => f.location)).toEqual([stray]);
    expect(await scanRows(t)).toEqual(rows);
    await assertEverythingReachableExists(t);
  });

  it('refuses a window under 1 hour without force', async () => {
    const t = await newTable();
    await expect(removeOrphans(t, { olderThanMs: 60_000 })).rejects.toThrow(ValidationError);
    await expect(removeOrphans(t, { olderThanMs: 60_000, force: true })).resolves.toBeDefined();
  });

  it('in-flight marker: files of a writer mid-commit are kept even past the window', async () => {
    const t = await newTable();
    await writeCommits(t, 2);
    await t.updateProperties().set('write.target-file-size-bytes', '1').commit();
    const root = rootOf(t);
    const w = await TableWriter.open(t, { pipelineId: 'p2', mode: 'append' });
    // Rows are flushed every 1024; a 1-byte target size then closes the file: on disk before the commit.
    await w.write(Array.from({ length: 2100 }, (_, i) => ({ table: 's.t', op: 'insert' as const, after: { id: BigInt(100 + i), region: 0, v: 'x' }, position: { i }, sourceTsMs: 0 })), 'incremental');
    const marker = filesUnder(path.join(root, 'metadata')).find((p) => isInflightMarker(p));
    expect(marker).toBeDefined();
    const committed = new Set((await reachableFrom(t.io, t.metadata)).contentFiles);
    const uncommitted = filesUnder(path.join(root, 'data')).filter((p) => !committed.has(p));
    expect(uncommitted.length).toBeGreaterThan(0);
    // The writer started 5 hours ago and is still heartbeating; its files are 4 hours old.
    const now = Date.now();
    fs.writeFileSync(marker!, JSON.stringify({ writerId: 'w', startedMs: now - 5 * 3_600_000, heartbeatMs: now }));
    for (const p of uncommitted) fs.utimesSync(p, new Date(now - 4 * 3_600_000), new Date(now - 4 * 3_600_000));
    const stray = plant(path.join(root, 'data', 'old-stray.parquet'), 10 * DAY);
    const r = await removeOrphans(t, { dryRun: false, olderThanMs: 3_600_000 });
    expect(r.liveMarkers).toHaveLength(1);
    expect(r.orphans.map((f) => f.location)).toEqual([stray]); // older than the marker's start
    for (const p of uncommitted) expect(fs.existsSync(p)).toBe(true);
    // Without the marker, the same run would have taken the writer's files.
    const withoutMarker = await removeOrphans(t, { olderThanMs: 3_600_000, markerDeadAfterMs: 0 });
    expect(withoutMarker.orphans.map((f) => f.location).sort()).toEqual(expect.arrayContaining(uncommitted));
    const rows = (await scanRows(t)).length;
    await w.commit({ position: { i: 2100 }, phase: 'incremental' });
    expect((await scanRows(t)).length).toBe(rows + 2100);
    expect(filesUnder(path.join(root, 'metadata')).some((p) => isInflightMarker(p))).toBe(false);
    expect((await removeOrphans(t, { olderThanMs: 3_600_000 })).orphans).toEqual([]);
  });

  it('a compaction writing its files while orphan removal runs with force and no window: its files are kept (its marker) and its commit is whole', async () => {
    const t = await newTable();
    await writeCommits(t, 4);
    const rows = await scanRows(t);
    const stray = plant(path.join(rootOf(t), 'data', 'stray-old.parquet'), 5 * DAY);
    const removed: string[] = [];
    const sweep = async () => { // before each of the compaction's commits
      removed.push(...(await removeOrphans(await openTable(t.location), { dryRun: false, olderThanMs: 0, force: true })).orphans.map((f) => f.location));
    };
    const r = await compactTable(await openTable(t.location), { decodeWorkers: 0, beforeCommit: sweep });
    expect(r.commits.length).toBeGreaterThan(0);
    expect(removed).toEqual([stray]); // the sweep ran and deleted what it should
    await t.refresh();
    expect(await scanRows(t)).toEqual(rows);
    await assertEverythingReachableExists(t);
  });

  it('a dead marker (no heartbeat for longer than dead-after) protects nothing', async () => {
    const t = await newTable();
    await writeCommits(t, 1);
    const root = rootOf(t);
    const dead = path.join(root, 'metadata', 'icetide-inflight-dead.json');
    fs.writeFileSync(dead, JSON.stringify({ writerId: 'dead', startedMs: Date.now() - 10 * DAY, heartbeatMs: Date.now() - 9 * DAY }));
    const old = new Date(Date.now() - 9 * DAY);
    fs.utimesSync(dead, old, old);
    const stray = plant(path.join(root, 'data', 'old-stray.parquet'), 5 * DAY);
    const r = await removeOrphans(t);
    expect(r.liveMarkers).toEqual([]);
    expect(r.orphans.map((f) => f.location).sort()).toEqual([dead, stray].sort());
  });

  it('a prefix mismatch stops the run and deletes nothing', async () => {
    const t = await newTable();
    await writeCommits(t, 2);
    plant(path.join(rootOf(t), 'data', 'old-stray.parquet'), 10 * DAY);
    // A store whose listing qualifies every path as s3://bucket/..., while the metadata records plain paths.
    const inner = t.io;
    const deleted: string[] = [];
    const s3Listing: FileIO = {
      read: (l) => inner.read(l),
      readRange: (l, o, n) => inner.readRange(l, o, n),
      length: (l) => inner.length(l),
      exists: (l) => inner.exists(l),
      write: (l, d) => inner.write(l, d),
      writeIfAbsent: (l, d) => inner.writeIfAbsent(l, d),
      create: (l) => inner.create(l),
      async *list(prefix) {
        for await (const f of inner.list(prefix)) yield { ...f, location: `s3://bucket${f.location}` };
      },
      delete: async (l) => void deleted.push(l),
    };
    const ops = { ...t.ops, io: s3Listing, name: t.ops.name };
    const mismatched = new Table(ops, t.state);
    await expect(removeOrphans(mismatched, { dryRun: false })).rejects.toThrow(PrefixMismatchError);
    expect(deleted).toEqual([]);
    // Declared equal (the listing's s3 is this local store), the run goes ahead and deletes only the stray.
    const ok = await removeOrphans(mismatched, { dryRun: false, equalSchemes: { s3: 'file' } });
    expect(ok.orphans.map((f) => f.location)).toEqual([`s3://bucket${path.join(rootOf(t), 'data', 'old-stray.parquet')}`]);
    expect(deleted).toHaveLength(1);
  });
});

describe('remove-orphans on copies of foreign fixture tables', () => {
  for (const name of ['spark-v2-posdeletes', 'spark-v2-eqdeletes', 'spark-v1-overwrites', 'pyiceberg-v2-day-partition', 'spark-v2-lineitem-cow']) {
    it(`${name}: references resolve through prefix mapping; only planted junk goes`, async () => {
      const src = path.join(FIXTURES, name, 'table');
      if (!fs.existsSync(src)) return;
      const dir = path.join(tempDir(), 'table');
      fs.cpSync(src, dir, { recursive: true });
      const t = await openTable(dir);
      const rows = await scanRows(t);
      if (name === 'spark-v2-eqdeletes') {
        // One snapshot's manifest list was never copied into the fixture: what it reaches is unknown, so refuse.
        await expect(removeOrphans(t, { dryRun: false, nowMs: Date.now() + 10 * DAY })).rejects.toThrow(/cannot determine the reachable files/);
        return;
      }
      const stray = plant(path.join(dir, 'data', 'zz-stray.parquet'), 10 * DAY);
      const dry = await removeOrphans(t, { nowMs: Date.now() + 10 * DAY, olderThanMs: DAY });
      // Everything else in the copy is referenced by some metadata version (or is reported).
      expect(dry.orphans.map((f) => f.location)).toContain(stray);
      const real = await removeOrphans(t, { dryRun: false, nowMs: Date.now() + 10 * DAY, olderThanMs: DAY });
      expect(fs.existsSync(stray)).toBe(false);
      expect(await scanRows(t)).toEqual(rows);
      expect(real.mismatches).toEqual([]);
    });
  }
});

describe('readiness markers are not orphans', () => {
  it('findOrphans never lists _SUCCESS marker files (or configured names)', async () => {
    const { findOrphans } = await import('../../manager/orphans/orphan-finder.js');
    const old = 0;
    const listed = [
      { location: '/wh/t/data/day=2026-11-23/_SUCCESS', size: 10, modifiedMs: old },
      { location: '/wh/t/data/day=2026-11-23/READY', size: 10, modifiedMs: old },
      { location: '/wh/t/data/stray.parquet', size: 10, modifiedMs: old },
    ];
    expect(findOrphans(listed, [], { cutoffMs: 1000, equalSchemes: {}, equalAuthorities: {} }).orphans.map((f) => f.location)).toEqual(['/wh/t/data/day=2026-11-23/READY', '/wh/t/data/stray.parquet']);
    expect(findOrphans(listed, [], { cutoffMs: 1000, equalSchemes: {}, equalAuthorities: {}, keepNames: ['_SUCCESS', 'READY'] }).orphans.map((f) => f.location)).toEqual(['/wh/t/data/stray.parquet']);
  });
});
