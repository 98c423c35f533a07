import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planManifestMerge } from '../../manager/manifests/manifest-merge-plan.js';
import { rewriteManifests } from '../../manager/manifests/rewrite-manifests.js';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { openTable } from '../../src/catalog/open-table.js';
import { scanTable } from '../../src/iceberg/read/table-scan.js';
import type { ManifestFile } from '../../src/iceberg/spec/manifest-list.js';
import type { Table } from '../../src/iceberg/table.js';
import { findResumeState, SUMMARY } from '../../src/sink/resume-state.js';
import { TableWriter } from '../../src/sink/table-writer.js';
import { FIXTURES } from '../fixtures-path.js';
import { useTempDir } from '../support/temp-dir.js';
import { byRegion, regionSchema } from '../support/region-table.js';

const tempDir = useTempDir('icetide-manifests-');

const schema = regionSchema;

async function upsertTable(commits: number): Promise<Table> {
  const t = await new FilesystemCatalog(tempDir()).createTable({ namespace: ['m'], name: 't' }, { schema, spec: byRegion, properties: { 'write.parquet.compression-codec': 'uncompressed' } });
  const w = await TableWriter.open(t, { pipelineId: 'p', mode: 'upsert', keyFilter: false });
  for (let c = 0; c < commits; c++) {
    const events = [0, 1, 2, c + 10].map((k) => ({ table: 's.t', op: 'insert' as const, after: { id: BigInt(k), region: k % 3, v: `c${c}` }, position: { c }, sourceTsMs: c }));
    await w.write(events, 'incremental');
    await w.commit({ position: { c }, phase: 'incremental', watermarkMs: 5000 + c });
  }
  return t;
}

async function scanRows(t: Table, snapshotId?: bigint): Promise<string[]> {
  const rows: string[] = [];
  for await (const b of scanTable(t, snapshotId === undefined ? {} : { snapshotId })) for (const r of b) rows.push(JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  return rows.sort();
}

/** The plan as comparable text: each data file with its sequence numbers and the deletes that apply. */
async function planText(t: Table): Promise<string[]> {
  return (await t.planFiles())
    .map((task) => `${task.file.filePath}@${task.dataSequenceNumber}/${task.fileSequenceNumber} <- ${task.deletes.map((d) => `${d.file.filePath}@${d.dataSequenceNumber}`).sort().join(',')}`)
    .sort();
}

const mf = (path: string, len: number, specId = 0, content: 'data' | 'deletes' = 'data'): ManifestFile => ({
  manifestPath: path, manifestLength: BigInt(len), partitionSpecId: specId, content, sequenceNumber: 1n, minSequenceNumber: 1n, addedSnapshotId: 1n,
});

describe('manifest merge plan (pure)', () => {
  it('groups by spec and content, packs small manifests up to the target, keeps big and lonely ones', () => {
    const plan = planManifestMerge([mf('a', 10), mf('b', 10), mf('c', 100), mf('d', 10, 1), mf('e', 10, 0, 'deletes'), mf('f', 10, 0, 'deletes'), mf('g', 45), mf('h', 45)], 50);
    // g and h do not fit one bin of 50 together, and a bin of one is not worth rewriting.
    expect(plan.keep.map((m) => m.manifestPath).sort()).toEqual(['c', 'd', 'g', 'h']);
    expect(plan.bins.map((b) => b.map((m) => m.manifestPath))).toEqual([['a', 'b'], ['e', 'f']]);
  });
});

describe('rewrite-manifests', () => {
  it('fewer manifests, identical plan and scan, sequence numbers kept, watermark carried forward', async () => {
    const t = await upsertTable(6);
    const before = await t.manifests();
    const plan = await planText(t);
    const rows = await scanRows(t);
    const oldSnapshot = t.currentSnapshot()!;
    const r = await rewriteManifests(t);
    expect(r.snapshotId).toBeDefined();
    const after = await t.manifests();
    expect(after.length).toBeLessThan(before.length);
    expect(after.length).toBe(2); // one data, one delete manifest
    // The report's bytes are the manifests' own lengths: replaced (all of them here) and written.
    expect(r.bytesReplaced).toBe(before.reduce((n, m) => n + Number(m.manifestLength), 0));
    expect(r.bytesCreated).toBe(after.reduce((n, m) => n + Number(m.manifestLength), 0));
    expect(await planText(t)).toEqual(plan);
    expect(await scanRows(t)).toEqual(rows);
    const snap = t.currentSnapshot()!;
    expect(snap.summary['operation']).toBe('replace');
    expect(snap.summary[SUMMARY.watermark]).toBe('5005');
    expect(snap.summary['total-records']).toBe(oldSnapshot.summary['total-records']);
    expect(snap.summary[SUMMARY.pipelineId]).toBeUndefined();
    expect(findResumeState(t.metadata, 'p')?.position).toEqual({ c: 5 });
    // Entries keep the snapshot that added them.
    const entries = await t.entries();
    expect(entries.every((e) => e.status === 'existing')).toBe(true);
    expect(new Set(entries.map((e) => e.snapshotId)).size).toBeGreaterThan(1);
    // Old snapshots still read as before.
    expect(await scanRows(t, oldSnapshot.snapshotId)).toEqual(rows);
    // Nothing left to merge: no new snapshot.
    const again = await rewriteManifests(t);
    expect(again.snapshotId).toBeUndefined();
    expect(t.snapshots()).toHaveLength(7);
  });

  it('aborted before the commit: no snapshot, and the manifests it wrote are removed', async () => {
    const t = await upsertTable(3);
    const metaDir = path.join(t.location, 'metadata');
    const before = fs.readdirSync(metaDir).sort();
    const ac = new AbortController();
    await expect(rewriteManifests(t, { signal: ac.signal, beforeCommit: async () => ac.abort() })).rejects.toThrow();
    expect((await t.refresh()).snapshots()).toHaveLength(3);
    expect(fs.readdirSync(metaDir).sort()).toEqual(before);
  });

  it('respects the target size: small targets make several manifests', async () => {
    const t = await upsertTable(8);
    const before = await t.manifests();
    const plan = await planText(t);
    const total = before.filter((m) => m.content === 'data').reduce((n, m) => n + Number(m.manifestLength), 0);
    const r = await rewriteManifests(t, { targetSizeBytes: Math.ceil(total / 3) });
    expect(r.manifestsAfter).toBeLessThan(r.manifestsBefore);
    expect((await t.manifests()).filter((m) => m.content === 'data').length).toBeGreaterThan(1);
    expect(await planText(t)).toEqual(plan);
  });

  for (const name of ['spark-v2-posdeletes', 'spark-v2-eqdeletes-partitioned', 'spark-v1-overwrites', 'spark-v2-partition-evolution-duckdb-rewritten']) {
    it(`${name} (copy): identical plan and scan after merging`, async () => {
      const src = path.join(FIXTURES, name, 'table');
      if (!fs.existsSync(src)) return;
      const dir = path.join(tempDir(), 'table');
      fs.cpSync(src, dir, { recursive: true });
      const t = await openTable(dir);
      const plan = await planText(t);
      const rows = await scanRows(t);
      const before = (await t.manifests()).length;
      const r = await rewriteManifests(t);
      expect(await planText(t)).toEqual(plan);
      expect(await scanRows(t)).toEqual(rows);
      expect((await t.manifests()).length).toBe(r.manifestsAfter);
      expect(r.manifestsAfter).toBeLessThanOrEqual(before);
    });
  }
});
