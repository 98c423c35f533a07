import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { reachableFrom } from '../../manager/expiry/reachable-files.js';
import { newerMetadataFiles } from '../../manager/orphans/newer-metadata.js';
import { OrphanRemovalRaceError, removeOrphans } from '../../manager/orphans/remove-orphans.js';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { openTable } from '../../src/catalog/open-table.js';
import type { ChangeEvent } from '../../src/sink/change-event.js';
import { verifyPlannedFiles } from '../../src/iceberg/file-verification.js';
import { scanTable } from '../../src/iceberg/read/table-scan.js';
import type { TableMetadata } from '../../src/iceberg/spec/table-metadata.js';
import type { Table } from '../../src/iceberg/table.js';
import { TableWriter } from '../../src/sink/table-writer.js';
import { InterleavingFileIO, IO_STEPS, seededRandom, type IoStep } from '../support/interleaving-file-io.js';
import { byRegion, regionSchema } from '../support/region-table.js';
import { plant } from '../support/planted-file.js';
import { useTempDir } from '../support/temp-dir.js';

/**
 * Issue 17: a writer that commits and removes its in-flight marker while orphan removal runs
 * must never lose a file. A real TableWriter commits (appends, upserts with deletes) at one
 * seeded I/O step of the remover; the window is 0 with force, so only the race handling
 * protects the writer's files.
 */
const tempDir = useTempDir('icetide-orphans-race-');
const DAY = 86_400_000;
const RUNS = 40;
/** Above the writer's 1024-row flush: with a 1-byte target size a file is on disk before its commit. */
const ON_DISK_ROWS = 1100;

interface Scenario {
  readonly t: Table;
  readonly junk: string[];
  /** The writer's next step: commits what is in flight and starts another commit (new marker and files). */
  readonly interleave: () => Promise<void>;
  readonly finish: () => Promise<void>;
  readonly expected: Map<bigint, string>;
}

async function scenario(seed: number): Promise<Scenario> {
  const properties: Record<string, string> = { 'write.parquet.compression-codec': 'uncompressed', 'write.target-file-size-bytes': '1' };
  // Half the tables keep one previous version in the log: newer versions are then found by number.
  if (seed % 2 === 0) properties['write.metadata.previous-versions-max'] = '1';
  const t = await new FilesystemCatalog(tempDir()).createTable({ namespace: ['m'], name: 't' }, { schema: regionSchema, spec: byRegion, properties });
  const w = await TableWriter.open(t, { pipelineId: 'p', mode: 'upsert', keyFilter: { expectedKeys: 10_000, fpp: 0.01, checkpointEveryCommits: 2 } });
  const expected = new Map<bigint, string>();
  let nextId = 0;
  let c = 0;
  const upsert = (ids: number[], region: number): ChangeEvent[] =>
    ids.map((id) => {
      const v = `v${id}-c${c}`;
      expected.set(BigInt(id), v);
      return { table: 's.t', op: 'insert', after: { id: BigInt(id), region, v }, position: { c }, sourceTsMs: c };
    });
  const fresh = (n: number) => Array.from({ length: n }, () => nextId++);
  const commit = async () => {
    await w.commit({ position: { c }, phase: 'incremental', watermarkMs: c });
    c++;
  };
  await w.write(upsert(fresh(40), 1), 'incremental');
  await commit();
  await w.write([...upsert(fresh(20), 1), ...upsert([0, 1, 2, 3, 4, 5], 0)], 'incremental');
  await commit();
  // In flight: a marker and a closed data file older than the remover's start, not committed.
  await w.write(upsert(fresh(ON_DISK_ROWS), 0), 'incremental');
  const root = t.location;
  const junk = Array.from({ length: 3 + (seed % 3) }, (_, i) => plant(path.join(root, i % 2 ? 'metadata' : 'data', `junk-${i}.avro`), 5 * DAY));
  return {
    t,
    junk,
    expected,
    interleave: async () => {
      await commit();
      // An overwrite of committed rows (equality deletes) as a second commit.
      if (seed % 3 === 0) {
        await w.write([...upsert([6, 7, 8, 40, 41], 1), ...upsert(fresh(5), 1)], 'incremental');
        await commit();
      }
      await w.write(upsert(fresh(ON_DISK_ROWS), 1), 'incremental');
    },
    finish: commit,
  };
}

async function tableRows(t: Table): Promise<Map<bigint, string>> {
  const rows = new Map<bigint, string>();
  for await (const b of scanTable(t)) for (const r of b) rows.set(r['id'] as bigint, r['v'] as string);
  return rows;
}

/** Every file any snapshot of the final metadata mentions, and every logged metadata file, that is gone. */
async function missingReferenced(t: Table): Promise<string[]> {
  const md: TableMetadata = t.metadata;
  const r = await reachableFrom(t.io, md, undefined, true);
  const all = [...r.manifestLists, ...r.manifests.keys(), ...r.contentFiles, ...r.keyFilterCheckpoints, ...md.metadataLog.map((e) => e.metadataFile)];
  const missing: string[] = [];
  for (const p of all) if (!fs.existsSync(p)) missing.push(p);
  return missing;
}

const raceOptions = { dryRun: false, olderThanMs: 0, force: true } as const;

describe('orphan removal never deletes a committed file (issue 17)', () => {
  it(`${RUNS} seeded runs: a real writer commits at one I/O step of the remover`, async () => {
    const hits: Record<IoStep, number> = { list: 0, 'marker-read': 0, 'metadata-read': 0, 'manifest-read': 0, delete: 0 };
    let reevaluated = 0;
    for (let seed = 1; seed <= RUNS; seed++) {
      const s = await scenario(seed);
      const rng = seededRandom(seed);
      // A dry pass counts the steps of each kind; the real pass interleaves at one of them.
      const probeIo = new InterleavingFileIO(s.t.io, rng);
      const probe = await removeOrphans(await openTable(s.t.location, probeIo), { ...raceOptions, dryRun: true });
      expect(probe.orphans.map((f) => f.location).sort(), `seed ${seed}: probe`).toEqual([...s.junk].sort());
      const step = IO_STEPS[seed % IO_STEPS.length]!;
      const count = step === 'delete' ? probe.orphans.length : probeIo.counts[step];
      const index = Math.floor(rng() * count);
      const io = new InterleavingFileIO(s.t.io, rng, { step, index, interleave: s.interleave });
      const r = await removeOrphans(await openTable(s.t.location, io), { ...raceOptions, deleteBatchSize: 1 + (seed % 3) });
      expect(io.fired, `seed ${seed}: ${step} #${index} of ${count} reached`).toBe(true);
      hits[step]++;
      if (r.reevaluations > 0) reevaluated++;
      if (step === 'marker-read') expect(r.vanishedMarkers, `seed ${seed}`).toHaveLength(1);
      await s.finish();
      await s.t.refresh();
      const context = `seed ${seed}, writer committed at ${step} #${index}`;
      expect(await missingReferenced(s.t), context).toEqual([]);
      expect(await verifyPlannedFiles(s.t.io, await s.t.planFiles()), context).toEqual([]);
      expect(await tableRows(s.t), context).toEqual(s.expected);
      // Not vacuous: the junk went, whatever step the commit landed at.
      for (const j of s.junk) expect(fs.existsSync(j), `${context}: ${j}`).toBe(false);
    }
    for (const step of IO_STEPS) expect(hits[step], step).toBeGreaterThan(0);
    expect(reevaluated).toBeGreaterThan(RUNS / 2);
  }, 60_000);

  it('out of rounds: OrphanRemovalRaceError names the table and what to do; nothing is deleted', async () => {
    const s = await scenario(1);
    const io = new InterleavingFileIO(s.t.io, seededRandom(1), { step: 'marker-read', index: 0, interleave: s.interleave });
    const err: unknown = await removeOrphans(await openTable(s.t.location, io), { ...raceOptions, maxRounds: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OrphanRemovalRaceError);
    expect((err as OrphanRemovalRaceError).retriable).toBe(true);
    expect((err as OrphanRemovalRaceError).message).toMatch(/remove-orphans t: the table changed .* nothing was deleted\. Re-run when commits are less frequent/);
    for (const j of s.junk) expect(fs.existsSync(j)).toBe(true);
    await s.finish();
    await s.t.refresh();
    expect(await missingReferenced(s.t)).toEqual([]);
  });

  it('a commit between two delete batches re-chooses what is left', async () => {
    const s = await scenario(4);
    const io = new InterleavingFileIO(s.t.io, seededRandom(4), { step: 'delete', index: 0, interleave: s.interleave });
    const r = await removeOrphans(await openTable(s.t.location, io), { ...raceOptions, deleteBatchSize: 1 });
    expect(r.reevaluations).toBe(1);
    expect(r.metadataLocation).toBe((await s.t.refresh()).metadataLocation);
    expect(r.orphans.map((f) => f.location).sort()).toEqual([...s.junk].sort());
    await s.finish();
    await s.t.refresh();
    expect(await missingReferenced(s.t)).toEqual([]);
  });
  it('a version pruned from the metadata-log still keeps its files (found by number in the metadata directory)', async () => {
    const properties = { 'write.target-file-size-bytes': '1', 'write.metadata.previous-versions-max': '1' };
    const t = await new FilesystemCatalog(tempDir()).createTable({ namespace: ['m'], name: 't' }, { schema: regionSchema, spec: byRegion, properties });
    const w = await TableWriter.open(t, { pipelineId: 'p', mode: 'append' });
    let c = 0;
    const rows = (n: number): ChangeEvent[] => Array.from({ length: n }, (_, i) => ({ table: 's.t', op: 'insert', after: { id: BigInt(c * 10_000 + i), region: 0, v: 'x' }, position: { c }, sourceTsMs: c }));
    const commit = async (n: number) => {
      await w.write(rows(n), 'incremental');
      await w.commit({ position: { c: c++ }, phase: 'incremental' });
    };
    await commit(10);
    await w.write(rows(ON_DISK_ROWS), 'incremental');
    const committed = new Set((await reachableFrom(t.io, t.metadata)).contentFiles);
    const onDisk = fs.readdirSync(path.join(t.location, 'data', 'region=0')).map((n) => path.join(t.location, 'data', 'region=0', n)).filter((p) => p.endsWith('.parquet') && !committed.has(p));
    expect(onDisk).toHaveLength(1);
    // At the marker read: commit the file, delete it, commit, expire every old snapshot, and commit again,
    // so that neither the final version nor the one its log keeps mentions the file.
    const interleave = async () => {
      await w.commit({ position: { c: c++ }, phase: 'incremental' });
      // Every file of that commit, so no manifest keeps a live entry beside the deleted one.
      const del = t.newDelete();
      for (const e of await t.entries()) if (!committed.has(e.dataFile.filePath)) del.deleteFile(e.dataFile.filePath);
      await del.commit();
      await commit(1);
      await t.expireSnapshots().expireOlderThan(Date.now() + 1).commit();
      await commit(1);
    };
    const io = new InterleavingFileIO(t.io, seededRandom(7), { step: 'marker-read', index: 0, interleave });
    const r = await removeOrphans(await openTable(t.location, io), raceOptions);
    expect(io.fired).toBe(true);
    await t.refresh();
    const final = await reachableFrom(t.io, t.metadata, undefined, true);
    expect(final.contentFiles.has(onDisk[0]!)).toBe(false);
    expect(t.metadata.metadataLog).toHaveLength(1);
    expect(r.vanishedMarkers).toHaveLength(1);
    expect(fs.existsSync(onDisk[0]!)).toBe(true);
    // Unreferenced now by every version: the next run takes it.
    expect((await removeOrphans(t, raceOptions)).orphans.map((f) => f.location)).toContain(onDisk[0]!);
  });
});

describe('newer metadata versions (pure)', () => {
  const state = (metadataLocation: string, log: string[]) => ({ metadataLocation, metadata: { metadataLog: log.map((metadataFile, i) => ({ metadataFile, timestampMs: i })) } as unknown as TableMetadata });
  it('finds versions pruned from the log by their number, and every logged and current file', () => {
    const listed = ['/t/metadata/v2.metadata.json', '/t/metadata/v3.metadata.json', '/t/metadata/v4.metadata.json', '/t/metadata/v5.metadata.json', '/t/metadata/snap-1.avro'];
    expect(newerMetadataFiles('/t/metadata/v3.metadata.json', listed, state('/t/metadata/v6.metadata.json', ['/t/metadata/v5.metadata.json'])).sort()).toEqual(
      ['/t/metadata/v4.metadata.json', '/t/metadata/v5.metadata.json', '/t/metadata/v6.metadata.json'].sort(),
    );
  });
  it('numbered (catalog) layout; a name with no comparable number is included', () => {
    const listed = ['/t/metadata/00001-a.metadata.json', '/t/metadata/00002-b.metadata.json', '/t/metadata/custom.metadata.json'];
    expect(newerMetadataFiles('/t/metadata/00001-a.metadata.json', listed, state('/t/metadata/00002-b.metadata.json', [])).sort()).toEqual(['/t/metadata/00002-b.metadata.json', '/t/metadata/custom.metadata.json']);
  });
});
