import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compactTable } from '../../manager/compaction/compact-table.js';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import type { PartitionSpec } from '../../src/iceberg/spec/partition-spec.js';
import type { Table } from '../../src/iceberg/table.js';
import type { RowValues } from '../../src/sink/change-event.js';
import { TableWriter } from '../../src/sink/table-writer.js';
import { byRegion, regionSchema } from '../support/region-table.js';
import { useTempDir } from '../support/temp-dir.js';
import { modelRows, scanAll, toEvents, type ModelRow } from '../support/upsert-model.js';

/**
 * Model-based test of the upsert sink with the key index (issue 17): random inserts, updates
 * (some moving rows between partitions) and deletes whose before-images are full, key-only or
 * default-filled, checked against an in-memory model after every commit. Between commits: a
 * restart (the writer reopened from a fresh catalog load: the index comes from its checkpoint
 * and the commits after it), a crash before the commit (the writer dropped with its files
 * unwritten-to-the-table; the source replays from the committed position), or a compaction
 * by another process (the index follows the rewrite).
 */
const RUNS = Number(process.env['MODEL_RUNS'] ?? 250) / 5; // 3 configurations x 50

type Row = ModelRow;
type Between = 'none' | 'restart' | 'crash' | 'compact';

const intentArb = fc.record({
  key: fc.integer({ min: 0, max: 12 }),
  kind: fc.constantFrom<'upsert' | 'delete'>('upsert', 'upsert', 'delete'),
  region: fc.integer({ min: 0, max: 2 }),
  v: fc.string({ maxLength: 3 }),
  before: fc.constantFrom<0 | 1 | 2>(0, 1, 2),
});
const stepArb = fc.record({ intents: fc.array(intentArb, { maxLength: 12 }), then: fc.constantFrom<Between>('none', 'none', 'restart', 'crash', 'compact') });

/** full, key-only, or the key with defaults (what REPLICA IDENTITY DEFAULT sends). */
function beforeImage(row: Row, shape: 0 | 1 | 2): RowValues {
  return shape === 0 ? row : shape === 1 ? { id: row.id } : { id: row.id, region: 0, v: '' };
}


const byIdBucket: PartitionSpec = { specId: 0, fields: [{ sourceId: 1, fieldId: 1000, name: 'id_bucket', transform: { kind: 'bucket', n: 4 } }] };
const configs = [
  { name: 'partitioned by a non-key column (partition-moving updates)', spec: byRegion as PartitionSpec | undefined },
  { name: 'partitioned by bucket(id)', spec: byIdBucket as PartitionSpec | undefined },
  { name: 'unpartitioned', spec: undefined as PartitionSpec | undefined },
];

describe.each(configs)('upsert sink with the key index, model: $name', ({ spec }) => {
  const tempDir = useTempDir();

  it('after every commit, restart, crash and compaction the table equals the model', async () => {
    let n = 0;
    let rewrites = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 3 }), async (steps, every) => {
        const wh = tempDir();
        const id = { namespace: ['m'], name: `t${n++}` };
        const created = await new FilesystemCatalog(wh).createTable(id, { schema: regionSchema, ...(spec ? { spec } : {}), properties: { 'write.parquet.compression-codec': 'uncompressed' } });
        const open = async (t: Table) => TableWriter.open(t, { pipelineId: 'model', mode: 'upsert', keyIndex: { checkpointEveryCommits: every } });
        let t = created;
        let w = await open(t);
        const committed = new Map<bigint, Row>();
        let pos = 0;
        for (const { intents, then } of steps) {
          const model = new Map(committed);
          const events = toEvents(intents, model, pos, (old, it) => beforeImage(old, it.before));
          await w.write(events, 'incremental');
          if (then === 'crash') {
            // killed before the commit: nothing of it reaches the table; a new process starts over
            t = await new FilesystemCatalog(wh).loadTable(id);
            w = await open(t);
            expect(await scanAll(t)).toEqual(modelRows(committed));
            continue;
          }
          pos += intents.length;
          await w.commit({ position: { line: pos }, phase: 'incremental', force: true });
          committed.clear();
          for (const [k, v] of model) committed.set(k, v);
          expect(await scanAll(t)).toEqual(modelRows(committed));
          if (then === 'restart') {
            t = await new FilesystemCatalog(wh).loadTable(id);
            w = await open(t);
          } else if (then === 'compact') {
            rewrites += (await compactTable(await new FilesystemCatalog(wh).loadTable(id), { decodeWorkers: 0 })).commits.length;
            await t.refresh();
            expect(await scanAll(t)).toEqual(modelRows(committed));
          }
        }
      }),
      { numRuns: RUNS },
    );
    expect(rewrites).toBeGreaterThan(0); // compaction really rewrote files under the index
  }, 600_000);
});
