import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expireTable } from '../../manager/expiry/expire-table.js';
import { reachableFrom } from '../../manager/expiry/reachable-files.js';
import { rewriteManifests } from '../../manager/manifests/rewrite-manifests.js';
import { removeOrphans } from '../../manager/orphans/remove-orphans.js';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { scanTable } from '../../src/iceberg/read/table-scan.js';
import type { Table } from '../../src/iceberg/table.js';
import { TableWriter } from '../../src/sink/table-writer.js';
import { useTempDir } from '../support/temp-dir.js';
import { byRegion, regionSchema } from '../support/region-table.js';

/**
 * Model test of expiry + orphan removal: random histories (upserts, deletes of whole data
 * files, tags, manifest rewrites), then expiry with random retain-last / pipeline retention, then orphan removal
 * with a clock far ahead. Every retained snapshot must scan exactly as before and every file
 * the remaining metadata reaches must exist.
 */
const RUNS = Number(process.env['MODEL_RUNS'] ?? 25);
const tempDir = useTempDir('icetide-expiry-model-');
const DAY = 86_400_000;

const schema = regionSchema;

type Step = { kind: 'upsert'; keys: number[] } | { kind: 'drop-file'; pick: number } | { kind: 'tag'; pick: number } | { kind: 'rewrite-manifests' };
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('upsert' as const), keys: fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 1, maxLength: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop-file' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tag' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rewrite-manifests' as const) }) },
);

async function rowsOf(t: Table, snapshotId: bigint): Promise<string[]> {
  const rows: string[] = [];
  for await (const b of scanTable(t, { snapshotId })) for (const r of b) rows.push(`${r['id']}|${r['region']}|${r['v']}`);
  return rows.sort();
}

describe('expiry and orphan removal never delete a reachable file', () => {
  it('random histories', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 4 }), fc.boolean(), async (steps, retainLast, retire) => {
        const t = await new FilesystemCatalog(tempDir()).createTable({ namespace: ['m'], name: 't' }, { schema, spec: byRegion, properties: { 'write.parquet.compression-codec': 'uncompressed' } });
        const w = await TableWriter.open(t, { pipelineId: 'p', mode: 'upsert', keyFilter: { expectedKeys: 50, fpp: 0.01, checkpointEveryCommits: 2 } });
        let pos = 0;
        let tags = 0;
        for (const s of steps) {
          if (s.kind === 'upsert') {
            await w.write(s.keys.map((k) => ({ table: 's.t', op: 'insert' as const, after: { id: BigInt(k), region: k % 2, v: `p${pos}` }, position: { pos }, sourceTsMs: pos })), 'incremental');
            await w.commit({ position: { pos: pos++ }, phase: 'incremental', watermarkMs: pos });
          } else if (s.kind === 'drop-file') {
            const files = (await t.planFiles()).map((x) => x.file.filePath);
            if (files.length > 0) await t.newDelete().deleteFile(files[s.pick % files.length]!).commit();
          } else if (s.kind === 'rewrite-manifests') {
            await rewriteManifests(t);
          } else if (t.snapshots().length > 0) {
            await t.manageSnapshots().setTag(`tag${tags++}`, t.snapshots()[s.pick % t.snapshots().length]!.snapshotId).commit();
          }
        }
        const expected = new Map<bigint, string[]>();
        for (const s of t.snapshots()) expected.set(s.snapshotId, await rowsOf(t, s.snapshotId));
        const now = Date.now() + DAY;
        await expireTable(t, { olderThanMs: 0, retainLast, nowMs: now, ...(retire ? { pipelineRetentionMs: 0 } : {}) });
        await removeOrphans(t, { dryRun: false, nowMs: now + 10 * DAY });
        await t.refresh();
        for (const s of t.snapshots()) expect(await rowsOf(t, s.snapshotId)).toEqual(expected.get(s.snapshotId));
        const r = await reachableFrom(t.io, t.metadata); // live entries: a DELETED entry names a file its snapshot already removed
        for (const p of [...r.manifestLists, ...r.manifests.keys(), ...r.contentFiles, ...r.statisticsFiles, ...r.keyFilterCheckpoints]) expect(await t.io.exists(p)).toBe(true);
        for (const e of t.metadata.metadataLog) expect(await t.io.exists(e.metadataFile)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  }, 600_000);
});
