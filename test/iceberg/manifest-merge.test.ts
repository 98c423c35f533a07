import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { planManifestMerge } from '../../src/iceberg/commit/manifest-merge.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { primitive } from '../../src/iceberg/spec/types.js';
import type { ManifestFile } from '../../src/iceberg/spec/manifest-list.js';
import { dataFile, equalityDeletes } from '../support/data-files.js';
import { useTempDir } from '../support/temp-dir.js';

const schema = new Schema(0, [{ id: 1, name: 'id', required: true, type: primitive('long') }], [1]);
const mf = (n: number, len: number, content: 'data' | 'deletes' = 'data', specId = 0): ManifestFile => ({
  manifestPath: `m${n}`, manifestLength: BigInt(len), partitionSpecId: specId, content, sequenceNumber: 1n, minSequenceNumber: 1n, addedSnapshotId: 1n,
});

describe('manifest merging on commit (commit.manifest-merge.enabled)', () => {
  const tempDir = useTempDir();

  it('plans bins per content and spec, only past min-count, never merging big manifests', () => {
    const policy = { enabled: true, minCountToMerge: 3, targetSizeBytes: 100 };
    expect(planManifestMerge([mf(1, 10), mf(2, 10)], policy)).toEqual([]);
    const bins = planManifestMerge([mf(1, 40), mf(2, 40), mf(3, 40), mf(4, 500), mf(5, 10, 'deletes'), mf(6, 10, 'data', 1)], policy);
    expect(bins.map((b) => b.map((m) => m.manifestPath))).toEqual([['m1', 'm2']]); // m3 alone is not a merge; m4 too big; other groups too small
    expect(planManifestMerge([mf(1, 10), mf(2, 10), mf(3, 10)], { ...policy, enabled: false })).toEqual([]);
  });

  it('150 commits stay at a bounded number of manifests with identical plans and sequence numbers', async () => {
    const wh = tempDir();
    const t = await new FilesystemCatalog(wh).createTable({ namespace: ['d'], name: 't' }, { schema, properties: { 'commit.manifest.min-count-to-merge': '10' } });
    const expected = new Map<string, bigint>();
    for (let i = 0; i < 150; i++) {
      const f = dataFile();
      const { snapshot } = i % 10 === 9
        ? await t.newRowDelta().addRows(f).addDeletes(equalityDeletes([1])).commit()
        : await t.newAppend().appendFile(f).commit();
      expected.set(f.filePath, snapshot.sequenceNumber);
    }
    const manifests = await t.manifests();
    expect(manifests.length).toBeLessThan(25);
    const plan = await t.planFiles();
    expect(plan.map((p) => [p.file.filePath, p.dataSequenceNumber] as const).sort()).toEqual([...expected].sort());
    // every equality delete still applies exactly to the data files older than itself
    for (const task of plan) {
      for (const d of task.deletes) expect(d.dataSequenceNumber).toBeGreaterThan(task.dataSequenceNumber);
      // equality deletes were committed at sequence numbers 10, 20, ..., 150
      expect(task.deletes.length).toBe(15 - Math.floor(Number(task.dataSequenceNumber) / 10));
    }
    // manifests merged away were deleted, not left behind
    const onDisk = fs.readdirSync(path.join(wh, 'd', 't', 'metadata')).filter((f) => f.endsWith('.avro') && !f.startsWith('snap-'));
    const reachable = new Set<string>();
    for (const s of t.snapshots()) for (const m of await t.manifests(s.snapshotId)) reachable.add(path.basename(m.manifestPath));
    expect(onDisk.filter((f) => !reachable.has(f))).toEqual([]);
  });
});
