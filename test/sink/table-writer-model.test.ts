import fc from 'fast-check';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import type { PartitionSpec } from '../../src/iceberg/spec/partition-spec.js';
import type { Table } from '../../src/iceberg/table.js';
import type { ChangeEvent } from '../../src/sink/change-event.js';
import { TableWriter } from '../../src/sink/table-writer.js';
import { byRegion, regionSchema } from '../support/region-table.js';
import { modelRows, scanAll, toEvents, type ModelRow } from '../support/upsert-model.js';

/**
 * Model-based test of the upsert sink (DESIGN.md "Writing"): random change streams (inserts,
 * updates, deletes, repeated keys inside one commit, partition-moving updates) are applied to
 * an in-memory map and to an Iceberg table; after every commit the scanned table equals the
 * model. Also: a snapshot phase read concurrently with changes, then replay from P0 with
 * overlapping changes, converges to the source. With and without the key filter.
 */
const RUNS = Number(process.env['MODEL_RUNS'] ?? 250); // 8 properties x 250 = 2,000 random streams

type Row = ModelRow;

const schema = regionSchema;
const byIdBucket: PartitionSpec = { specId: 0, fields: [{ sourceId: 1, fieldId: 1000, name: 'id_bucket', transform: { kind: 'bucket', n: 4 } }] };

const intentArb = fc.record({ key: fc.integer({ min: 0, max: 12 }), kind: fc.constantFrom<'upsert' | 'delete'>('upsert', 'upsert', 'delete'), region: fc.integer({ min: 0, max: 2 }), v: fc.string({ maxLength: 3 }) });


const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
async function newTable(spec: PartitionSpec | undefined, n: number): Promise<Table> {
  const wh = fs.mkdtempSync(path.join(os.tmpdir(), 'icetide-model-'));
  dirs.push(wh);
  return new FilesystemCatalog(wh).createTable({ namespace: ['m'], name: `t${n}` }, { schema, ...(spec ? { spec } : {}), properties: { 'write.parquet.compression-codec': 'uncompressed', 'commit.manifest.min-count-to-merge': '3' } }); // merging exercised on every few commits
}

const configs = [
  { name: 'unpartitioned, key filter on', spec: undefined, filter: true },
  { name: 'unpartitioned, key filter off', spec: undefined, filter: false },
  { name: 'partitioned by a non-key column (partition-moving updates), key filter on', spec: byRegion, filter: true },
  { name: 'partitioned by bucket(id), key filter off', spec: byIdBucket, filter: false },
];

describe.each(configs)('upsert sink model: $name', ({ spec, filter }) => {
  it('after every commit the table equals the model', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(intentArb, { maxLength: 12 }), { minLength: 1, maxLength: 5 }), async (commits) => {
        const t = await newTable(spec, n++);
        const w = await TableWriter.open(t, { pipelineId: 'model', mode: 'upsert', keyFilter: filter ? { expectedKeys: 100, fpp: 0.01, checkpointEveryCommits: 2 } : false });
        const model = new Map<bigint, Row>();
        let pos = 0;
        for (const intents of commits) {
          const events = toEvents(intents, model, pos);
          pos += intents.length;
          await w.write(events, 'incremental');
          await w.commit({ position: { line: pos }, phase: 'incremental', force: true });
          expect(await scanAll(t)).toEqual(modelRows(model));
        }
      }),
      { numRuns: RUNS },
    );
  }, 600_000);

  it('snapshot phase (concurrent with changes) then replay from P0 converges with no duplicates', async () => {
    let n = 1000;
    await fc.assert(
      fc.asyncProperty(
        fc.array(intentArb, { maxLength: 10 }), // history before P0
        fc.array(intentArb, { minLength: 1, maxLength: 30 }), // changes after P0
        fc.array(fc.nat(), { minLength: 13, maxLength: 13 }), // when the snapshot reads each key
        fc.integer({ min: 1, max: 4 }), // snapshot rows per commit
        fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 10 }), // replay batch sizes
        async (before, after, readAt, chunk, batchSizes) => {
          const t = await newTable(spec, n++);
          const source = new Map<bigint, Row>();
          toEvents(before, source, 0); // state at P0
          const p0 = before.length;
          // Replay log and the source state after each change (the snapshot reads key k at a random moment).
          const states: Map<bigint, Row>[] = [new Map(source)];
          const replay = after.flatMap((it, i) => {
            const evs = toEvents([it], source, p0 + i);
            states.push(new Map(source));
            return evs;
          });
          const w = await TableWriter.open(t, { pipelineId: 'model', mode: 'upsert', keyFilter: filter ? { expectedKeys: 100, fpp: 0.01, checkpointEveryCommits: 3 } : false });
          const snapshotRows: Row[] = [];
          for (let k = 0; k <= 12; k++) {
            const at = states[readAt[k]! % states.length]!;
            const row = at.get(BigInt(k));
            if (row) snapshotRows.push(row);
          }
          for (let i = 0; i < snapshotRows.length; i += chunk) {
            await w.write(snapshotRows.slice(i, i + chunk).map((r) => ({ table: 'src.t', op: 'insert' as const, after: r, position: { p0 }, sourceTsMs: 0 })), 'snapshot');
            await w.commit({ position: { p0, chunk: i }, phase: 'snapshot', force: true });
          }
          let i = 0;
          for (let b = 0; i < replay.length; b++) {
            const size = batchSizes[b % batchSizes.length]!;
            await w.write(replay.slice(i, i + size), 'incremental');
            i += size;
            await w.commit({ position: { line: i }, phase: 'incremental', force: true });
          }
          expect(await scanAll(t)).toEqual(modelRows(source));
        },
      ),
      { numRuns: RUNS },
    );
  }, 600_000);
});

describe('TableWriter details', () => {
  it('stores pipeline id, position, phase and a monotonic watermark; resume reads them back past other writers', async () => {
    const t = await newTable(undefined, 5000);
    const w = await TableWriter.open(t, { pipelineId: 'p1', mode: 'upsert', keyFilter: false });
    await w.write([{ table: 's', op: 'insert', after: { id: 1n, region: 1, v: 'a' }, position: 1, sourceTsMs: 10 }], 'incremental');
    await w.commit({ position: { file: 'a', line: 1 }, phase: 'incremental', watermarkMs: 500 });
    await w.write([{ table: 's', op: 'insert', after: { id: 2n, region: 1, v: 'b' }, position: 2, sourceTsMs: 11 }], 'incremental');
    const stats = await w.commit({ position: { file: 'a', line: 2 }, phase: 'incremental', watermarkMs: 400 });
    expect(stats!.snapshot.summary['icetide.watermark-ms']).toBe('500'); // never goes back
    await t.updateProperties().set('x', 'y').commit();
    await t.newAppend().commit(); // another writer's empty snapshot
    const reopened = await TableWriter.open(await t.refresh(), { pipelineId: 'p1', mode: 'upsert', keyFilter: false });
    expect(reopened.resume?.position).toEqual({ file: 'a', line: 2 });
    expect(reopened.resume?.phase).toBe('incremental');
    expect((await TableWriter.open(t, { pipelineId: 'other', mode: 'upsert', keyFilter: false })).resume).toBeUndefined();
  });

  it('append mode: updates and deletes follow changelog-mode, never silently dropped', async () => {
    const t = await newTable(undefined, 5001);
    const upd: ChangeEvent = { table: 's.t', op: 'update', before: { id: 1n, region: 0, v: 'a' }, after: { id: 1n, region: 0, v: 'b' }, position: 1, sourceTsMs: 1, origin: 'changes.jsonl:7' };
    const del: ChangeEvent = { table: 's.t', op: 'delete', before: { id: 1n, region: 0, v: 'b' }, position: 2, sourceTsMs: 2, origin: 'changes.jsonl:8' };
    const strict = await TableWriter.open(t, { pipelineId: 'a', mode: 'append' });
    await expect(strict.write([upd], 'incremental')).rejects.toThrow(/changes\.jsonl:7.*update event for append table/);
    await strict.abort();
    const dropUb = await TableWriter.open(t, { pipelineId: 'a', mode: 'append', changelogMode: 'drop-update-before' });
    await dropUb.write([upd], 'incremental');
    await expect(dropUb.write([del], 'incremental')).rejects.toThrow(/delete event/);
    await dropUb.abort();
    const all = await TableWriter.open(t, { pipelineId: 'a', mode: 'append', changelogMode: 'append-all' });
    await all.write([upd, del], 'incremental');
    await all.commit({ position: 2, phase: 'incremental' });
    expect(await scanAll(t)).toEqual(['1|0|b', '1|0|b']);
  });

  it('a failed commit leaves no files behind and commits nothing', async () => {
    const t = await newTable(undefined, 5002);
    const w = await TableWriter.open(t, { pipelineId: 'p', mode: 'upsert', keyFilter: false });
    await expect(w.write([{ table: 's', op: 'insert', after: { id: null, region: 1, v: 'x' }, position: 1, sourceTsMs: 1, origin: 'f:1' }], 'incremental')).rejects.toThrow(/f:1.*key column id/);
    await w.abort();
    await w.write([{ table: 's', op: 'insert', after: { id: 1n, region: 'not an int', v: 'x' }, position: 1, sourceTsMs: 1, origin: 'f:2' }], 'incremental').catch(() => undefined);
    await w.abort();
    expect(t.currentSnapshot()).toBeUndefined();
    const dataDir = path.join(t.location, 'data');
    expect(fs.existsSync(dataDir) ? fs.readdirSync(dataDir, { recursive: true }).filter((f) => String(f).endsWith('.parquet')) : []).toEqual([]);
  });
});
