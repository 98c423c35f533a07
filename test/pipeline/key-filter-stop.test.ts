import { describe, expect, it } from 'vitest';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { primitive } from '../../src/iceberg/spec/types.js';
import { parsePipelineConfig } from '../../src/pipeline/config-loader.js';
import { buildPipeline } from '../../src/pipeline/pipeline-builder.js';
import type { ReadOptions, Source, SourceTable } from '../../src/pipeline/source.js';
import type { ChangeBatch, SourcePosition } from '../../src/sink/change-event.js';
import { useTempDir } from '../support/temp-dir.js';

/**
 * The key filter on a clean stop (DESIGN.md "key filter"): the runner checkpoints every filter
 * that changed since its last checkpoint, so a pipeline restarted often loads it instead of
 * reading the key columns of every data file at each start. A failed run does not. The key
 * index is off: with it on, upsert tables use the index instead of the filter.
 */
const TABLE: SourceTable = { name: 'db.a', columns: [{ name: 'id', type: primitive('int'), nullable: false }], primaryKey: ['id'] };

class ScriptedSource implements Source {
  readonly name = 'scripted';
  constructor(private readonly batches: readonly ChangeBatch[], private readonly failAtEnd = false) {}
  async discover(): Promise<SourceTable[]> {
    return [TABLE];
  }
  async *read(from: SourcePosition | undefined, _opts: ReadOptions): AsyncGenerator<ChangeBatch> {
    for (const b of this.batches) if (from === undefined || (b.position as number) > (from as number)) yield b;
    if (this.failAtEnd) throw new Error('connection lost');
  }
  comparePositions(a: SourcePosition, b: SourcePosition): number {
    return (a as number) - (b as number);
  }
  async close(): Promise<void> {}
}

const batch = (position: number): ChangeBatch => ({ events: [{ table: 'db.a', op: 'insert', after: { id: position }, position, sourceTsMs: position }], position, phase: 'incremental' });

describe('key filter checkpoint on a clean stop', () => {
  const tempDir = useTempDir();

  async function setup() {
    const wh = tempDir();
    const config = parsePipelineConfig(`pipeline-id: p\nsource:\n  type: file\n  path: unused.jsonl\ntables:\n  - source: db.a\ntarget:\n  warehouse: ${wh}\n  namespace: lake\nkey-index: { enabled: false }\n`, 'p.yaml', {});
    const run = async (source: Source, commitMaxRows: number) => {
      const { runner } = await buildPipeline(config, { source });
      return runner.run({ once: true, signal: new AbortController().signal, commitIntervalMs: 3_600_000, commitMaxRows });
    };
    const table = () => new FilesystemCatalog(wh).loadTable({ namespace: ['lake'], name: 'a' });
    const restartFilter = async () => {
      const { writers } = await buildPipeline(config, { source: new ScriptedSource([]) });
      const f = writers[0]!.keyFilter!;
      await f.settled();
      return f;
    };
    return { run, table, restartFilter };
  }

  it('the last commit carries the checkpoint (no extra snapshot); a restart reads no data file', async () => {
    const { run, table, restartFilter } = await setup();
    await run(new ScriptedSource([batch(1), batch(2), batch(3)]), 1_000_000);
    const snaps = (await table()).snapshots();
    expect(snaps).toHaveLength(1);
    expect(snaps[0]!.summary['icetide.key-filter']).toBeDefined();
    const f = await restartFilter();
    expect(f.dataFilesRead).toBe(0);
    for (const k of [1, 2, 3]) expect(f.mightContain([k])).toBe(true);
  });

  it('when every batch was already committed, a metadata-only commit at the committed position carries it', async () => {
    const { run, table, restartFilter } = await setup();
    await run(new ScriptedSource([batch(1), batch(2), batch(3)]), 1);
    const snaps = (await table()).snapshots();
    expect(snaps.map((s) => [s.summary['icetide.source-position'], s.summary['added-records'] ?? '0', s.summary['icetide.key-filter'] !== undefined])).toEqual([
      ['1', '1', false],
      ['2', '1', false],
      ['3', '1', false],
      ['3', '0', true],
    ]);
    expect((await restartFilter()).dataFilesRead).toBe(0);
  });

  it('a failed run writes none: the restart rebuilds from every data file', async () => {
    const { run, table, restartFilter } = await setup();
    await expect(run(new ScriptedSource([batch(1), batch(2), batch(3)], true), 1)).rejects.toThrow(/connection lost/);
    expect((await table()).snapshots().some((s) => s.summary['icetide.key-filter'])).toBe(false);
    expect((await restartFilter()).dataFilesRead).toBe(3);
  });
});
