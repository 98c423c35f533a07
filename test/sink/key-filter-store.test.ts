import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { primitive } from '../../src/iceberg/spec/types.js';
import type { Logger } from '../../src/logging/logger.js';
import type { Table } from '../../src/iceberg/table.js';
import { TableWriter } from '../../src/sink/table-writer.js';
import type { ChangeEvent } from '../../src/sink/change-event.js';
import { useTempDir } from '../support/temp-dir.js';

const schema = new Schema(0, [{ id: 1, name: 'id', required: true, type: primitive('long') }, { id: 2, name: 'v', required: false, type: primitive('string') }], [1]);
const cfg = { expectedKeys: 1000, fpp: 0.001, checkpointEveryCommits: 2 };
const ins = (id: number): ChangeEvent => ({ table: 's', op: 'insert', after: { id: BigInt(id), v: 'x' }, position: id, sourceTsMs: id });

function recordingLogger(): Logger & { warnings: string[]; infos: [string, unknown][] } {
  const warnings: string[] = [];
  const infos: [string, unknown][] = [];
  return { warnings, infos, info: (m, f) => infos.push([m, f]), warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };
}

describe('key filter checkpoints (DESIGN.md "key filter")', () => {
  const tempDir = useTempDir();

  async function tableWithCommits() {
    const t = await new FilesystemCatalog(tempDir()).createTable({ namespace: ['d'], name: 't' }, { schema });
    const w = await TableWriter.open(t, { pipelineId: 'p', mode: 'upsert', keyFilter: cfg });
    for (let c = 0; c < 3; c++) {
      await w.write([ins(c * 10 + 1), ins(c * 10 + 2)], 'incremental');
      await w.commit({ position: c, phase: 'incremental' });
    }
    return t;
  }

  it('is checkpointed every N commits and referenced from the snapshot summary', async () => {
    const t = await tableWithCommits();
    const withCheckpoint = t.snapshots().filter((s) => s.summary['icetide.key-filter']);
    expect(withCheckpoint).toHaveLength(1); // commit 2 of 3
    expect(fs.existsSync(withCheckpoint[0]!.summary['icetide.key-filter']!)).toBe(true);
  });

  it('on restart loads the checkpoint and adds keys of data files committed after it', async () => {
    const t = await tableWithCommits();
    const w = await TableWriter.open(t, { pipelineId: 'p', mode: 'upsert', keyFilter: cfg });
    const f = w.keyFilter!;
    expect(f.isReady).toBe(true);
    for (const k of [1, 2, 11, 12, 21, 22]) expect(f.mightContain([BigInt(k)])).toBe(true); // 21, 22 came after the checkpoint
    const absent = Array.from({ length: 200 }, (_, i) => BigInt(1000 + i)).filter((k) => f.mightContain([k]));
    expect(absent.length).toBeLessThan(10);
  });

  it('a corrupt checkpoint logs a warning, deletes always until rebuilt, then is exact again', async () => {
    const t = await tableWithCommits();
    const file = t.snapshots().find((s) => s.summary['icetide.key-filter'])!.summary['icetide.key-filter']!;
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
    fs.writeFileSync(file, bytes);
    const log = recordingLogger();
    const w = await TableWriter.open(t, { pipelineId: 'p', mode: 'upsert', keyFilter: cfg, log });
    expect(log.warnings.join('\n')).toMatch(/checkpoint unusable/);
    expect(w.keyFilter!.mightContain([999_999n])).toBe(true); // never "delete never" while unsure
    await w.keyFilter!.settled();
    expect(w.keyFilter!.isReady).toBe(true);
    for (const k of [1, 2, 11, 12, 21, 22]) expect(w.keyFilter!.mightContain([BigInt(k)])).toBe(true);
  });

  it('a missing checkpoint file is handled the same way', async () => {
    const t = await tableWithCommits();
    fs.rmSync(t.snapshots().find((s) => s.summary['icetide.key-filter'])!.summary['icetide.key-filter']!);
    const log = recordingLogger();
    const w = await TableWriter.open(t, { pipelineId: 'p', mode: 'upsert', keyFilter: cfg, log });
    expect(log.warnings.length).toBe(1);
    await w.keyFilter!.settled();
    expect(w.keyFilter!.mightContain([21n])).toBe(true);
  });

  it('short runs reach a checkpoint across restarts, and a young table without one is no warning', async () => {
    const t = await new FilesystemCatalog(tempDir()).createTable({ namespace: ['d'], name: 't' }, { schema });
    const every = { ...cfg, checkpointEveryCommits: 3 };
    for (let run = 0; run < 2; run++) {
      const log = recordingLogger();
      const w = await TableWriter.open(t, { pipelineId: 'p', mode: 'upsert', keyFilter: every, log });
      await w.keyFilter!.settled();
      await w.write([ins(run * 10 + 1)], 'incremental');
      await w.commit({ position: run * 10 + 1, phase: 'incremental' });
      await w.write([ins(run * 10 + 2)], 'incremental');
      await w.commit({ position: run * 10 + 2, phase: 'incremental' });
      expect(log.warnings, `run ${run}`).toEqual([]);
    }
    // 2 commits per run, a checkpoint every 3: the second run's second commit is the 4th, past one.
    expect(t.snapshots().filter((s) => s.summary['icetide.key-filter'])).toHaveLength(1);
  });

  it('equality deletes hold only the key columns, de-duplicated, and are skipped for keys never written', async () => {
    const t = await new FilesystemCatalog(tempDir()).createTable({ namespace: ['d'], name: 't' }, { schema });
    const w = await TableWriter.open(t, { pipelineId: 'p', mode: 'upsert', keyFilter: cfg });
    await w.write([ins(1), ins(2)], 'incremental');
    await w.commit({ position: 1, phase: 'incremental' });
    const up = (id: number, v: string): ChangeEvent => ({ table: 's', op: 'update', before: { id: BigInt(id), v: 'x' }, after: { id: BigInt(id), v }, position: 2, sourceTsMs: 2 });
    await w.write([up(1, 'a'), up(1, 'b'), up(1, 'c'), ins(50)], 'incremental');
    const stats = await w.commit({ position: 2, phase: 'incremental' });
    expect(stats!.equalityDeletes).toBe(1); // key 1 once; key 50 never existed
    expect(stats!.positionDeletes).toBe(2); // the first two writes of key 1 in this commit
    expect(stats!.skippedDeletes).toBe(1);
    const eq = (await t.entries()).find((e) => e.dataFile.content === 'equality-deletes')!;
    expect(eq.dataFile.equalityIds).toEqual([1]);
    expect([...eq.dataFile.valueCounts!.keys()]).toEqual([1]); // only the id column is in the file
  });

  it('a full load\'s keys go in after its commit returns, a slice per turn; lookups and checkpoints see all of them', async () => {
    const t = await new FilesystemCatalog(tempDir()).createTable({ namespace: ['d'], name: 'bulk' }, { schema, properties: { 'format-version': '2' } });
    const w = await TableWriter.open(t, { pipelineId: 'p', mode: 'upsert', keyFilter: { expectedKeys: 400_000, fpp: 0.001, checkpointEveryCommits: 2 } });
    const n = 180_000; // several drain slices
    const ids = BigInt64Array.from({ length: n }, (_, i) => BigInt(i * 3));
    await w.writeInserts({ table: 's', length: n, columns: { id: ids }, sourceTsMs: 0, origin: 'snapshot s', positionOf: (i) => i }, 0, n, 'snapshot');
    await w.commit({ position: n, phase: 'snapshot' });
    // a lookup right after the commit adds what is still queued first
    expect(w.keyFilter!.mightContain([ids[n - 1]!])).toBe(true);
    await w.writeInserts({ table: 's', length: n, columns: { id: ids.map((x) => x + 1n) }, sourceTsMs: 0, origin: 'snapshot s', positionOf: (i) => n + i }, 0, n, 'snapshot');
    await w.commit({ position: 2 * n, phase: 'snapshot' }); // the second commit writes a checkpoint
    await new Promise((r) => setTimeout(r, 200)); // the queue drains between other work too
    for (let i = 0; i < n; i += 997) expect([w.keyFilter!.mightContain([ids[i]!]), w.keyFilter!.mightContain([ids[i]! + 1n])]).toEqual([true, true]);
    // the checkpoint holds every key of both commits: a restart finds them all
    const again = await TableWriter.open(t, { pipelineId: 'p', mode: 'upsert', keyFilter: cfg });
    for (let i = 0; i < n; i += 997) expect([again.keyFilter!.mightContain([ids[i]!]), again.keyFilter!.mightContain([ids[i]! + 1n])]).toEqual([true, true]);
  });

  describe('checkpoint-interval (a fake clock, no sleeps)', () => {
    const everyHundred = { expectedKeys: 1000, fpp: 0.001, checkpointEveryCommits: 100, checkpointIntervalMs: 60_000 };
    const checkpoints = (t: Table) => t.snapshots().filter((x) => x.summary['icetide.key-filter']).map((x) => x.snapshotId);

    it('a checkpoint appears at the first commit after the interval, long before N commits, and only when keys changed', async () => {
      const t = await new FilesystemCatalog(tempDir()).createTable({ namespace: ['d'], name: 't' }, { schema, properties: { 'format-version': '2' } });
      let now = 1_000_000;
      const w = await TableWriter.open(t, { pipelineId: 'p', mode: 'upsert', keyFilter: everyHundred, clock: () => now });
      await w.write([ins(1)], 'incremental');
      await w.commit({ position: 1, phase: 'incremental' });
      now += 59_999;
      await w.write([ins(2)], 'incremental');
      await w.commit({ position: 2, phase: 'incremental' });
      expect(checkpoints(t)).toEqual([]);
      now += 1;
      await w.write([ins(3)], 'incremental');
      const third = await w.commit({ position: 3, phase: 'incremental' });
      expect(checkpoints(t)).toEqual([third!.snapshot.snapshotId]);
      // interval passed again, but the commit adds no key: nothing new to checkpoint
      now += 120_000;
      await w.commit({ position: 4, phase: 'incremental', force: true });
      expect(checkpoints(t)).toEqual([third!.snapshot.snapshotId]);
      await w.write([ins(5)], 'incremental');
      const fifth = await w.commit({ position: 5, phase: 'incremental' });
      expect(checkpoints(t)).toEqual([third!.snapshot.snapshotId, fifth!.snapshot.snapshotId]);

      // a restart loads the checkpoint: no data file is read
      const log = recordingLogger();
      const again = await TableWriter.open(t, { pipelineId: 'p', mode: 'upsert', keyFilter: everyHundred, log });
      expect(again.keyFilter!.isReady).toBe(true);
      expect(again.keyFilter!.dataFilesRead).toBe(0);
      expect(log.infos).toContainEqual(['key filter loaded from its checkpoint', expect.objectContaining({ dataFilesRead: 0 })]);
      for (const k of [1, 2, 3, 5]) expect(again.keyFilter!.mightContain([BigInt(k)])).toBe(true);
    });

    it('without one, a restart rebuilds from every data file', async () => {
      const t = await new FilesystemCatalog(tempDir()).createTable({ namespace: ['d'], name: 't' }, { schema, properties: { 'format-version': '2' } });
      const w = await TableWriter.open(t, { pipelineId: 'p', mode: 'upsert', keyFilter: everyHundred, clock: () => 0 });
      for (let c = 1; c <= 3; c++) {
        await w.write([ins(c)], 'incremental');
        await w.commit({ position: c, phase: 'incremental' });
      }
      expect(checkpoints(t)).toEqual([]);
      const again = await TableWriter.open(t, { pipelineId: 'p', mode: 'upsert', keyFilter: everyHundred });
      await again.keyFilter!.settled();
      expect(again.keyFilter!.dataFilesRead).toBe(3);
    });

    it('checkpointOnStop commits a checkpoint at the position already committed, once, and only after keys changed', async () => {
      const t = await new FilesystemCatalog(tempDir()).createTable({ namespace: ['d'], name: 't' }, { schema, properties: { 'format-version': '2' } });
      const w = await TableWriter.open(t, { pipelineId: 'p', mode: 'upsert', keyFilter: everyHundred, clock: () => 0 });
      expect(await w.checkpointOnStop()).toBeUndefined(); // nothing committed yet
      await w.write([ins(1), ins(2)], 'incremental');
      await w.commit({ position: 2, phase: 'incremental', watermarkMs: 7 });
      const stop = await w.checkpointOnStop();
      expect(stop!.rows).toBe(0);
      expect(stop!.snapshot.summary['icetide.key-filter']).toBeDefined();
      expect(stop!.snapshot.summary['icetide.source-position']).toBe('2');
      expect(stop!.snapshot.summary['icetide.watermark-ms']).toBe('7');
      expect(await w.checkpointOnStop()).toBeUndefined();
    });
  });
});
