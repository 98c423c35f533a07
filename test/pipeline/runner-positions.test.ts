import { describe, expect, it } from 'vitest';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { scanTable } from '../../src/iceberg/read/table-scan.js';
import { primitive } from '../../src/iceberg/spec/types.js';
import { parsePipelineConfig } from '../../src/pipeline/config-loader.js';
import { buildPipeline } from '../../src/pipeline/pipeline-builder.js';
import type { ReadOptions, Source, SourceTable } from '../../src/pipeline/source.js';
import type { ChangeBatch, SourcePosition } from '../../src/sink/change-event.js';
import { findResumeState } from '../../src/sink/resume-state.js';
import { useTempDir } from '../support/temp-dir.js';

/**
 * The runner's position bookkeeping across restarts, with a scripted source (our own Source
 * interface; positions are plain numbers): a table that is already past a batch is never moved
 * back by a later commit, and the source is told what each table committed.
 */
const TABLES: SourceTable[] = ['db.a', 'db.b'].map((name) => ({
  name,
  columns: [{ name: 'id', type: primitive('int'), nullable: false }, { name: 'v', type: primitive('string'), nullable: true }],
  primaryKey: ['id'],
}));

class ScriptedSource implements Source {
  readonly name = 'scripted';
  readonly hints: Record<string, readonly (SourcePosition | undefined)[]> = {};
  constructor(private readonly batches: readonly ChangeBatch[]) {}
  async discover(): Promise<SourceTable[]> {
    return TABLES;
  }
  async *read(from: SourcePosition | undefined, opts: ReadOptions): AsyncGenerator<ChangeBatch> {
    for (const t of TABLES) this.hints[t.name] = opts.committedFor?.(t.name) ?? [];
    for (const b of this.batches) if (from === undefined || (b.position as number) > (from as number)) yield b;
  }
  comparePositions(a: SourcePosition, b: SourcePosition): number {
    return (a as number) - (b as number);
  }
  async close(): Promise<void> {}
}

const insert = (table: string, id: number, position: number) => ({ table, op: 'insert' as const, after: { id, v: `${table}${id}` }, position, sourceTsMs: 1_700_000_000_000 + position });

describe('pipeline runner positions', () => {
  const tempDir = useTempDir();

  it('a table past the batch a restart re-reads keeps its position; the source learns each table\'s position', async () => {
    const wh = tempDir();
    const config = parsePipelineConfig(`pipeline-id: p\nsource:\n  type: file\n  path: unused.jsonl\ntables:\n  - source: db.a\n  - source: db.b\ntarget:\n  warehouse: ${wh}\n  namespace: lake\n`, 'p.yaml', {});
    const script: ChangeBatch[] = [
      { events: [insert('db.a', 1, 1), insert('db.b', 1, 1)], position: 1, phase: 'incremental' },
      { events: [insert('db.a', 2, 2)], position: 2, phase: 'incremental' },
      { events: [insert('db.a', 3, 3)], position: 3, phase: 'incremental' },
    ];
    const run = async (source: ScriptedSource, idleCommitIntervalMs: number) => {
      const { runner } = await buildPipeline(config, { source });
      await runner.run({ once: true, signal: new AbortController().signal, commitIntervalMs: 0, commitMaxRows: 1, idleCommitIntervalMs });
    };
    // Run 1: b has nothing after position 1 and is not forced: a ends at 3, b at 1.
    await run(new ScriptedSource(script), 3_600_000);
    const position = async (name: string) => {
      const t = await new FilesystemCatalog(wh).loadTable({ namespace: ['lake'], name });
      return findResumeState(t.metadata, 'p')?.position;
    };
    expect([await position('a'), await position('b')]).toEqual([3, 1]);
    // Run 2 restarts at 1 and re-reads position 2 (a change of b, and a's row 2 again); every
    // table commits (idle interval 0), but a stays at 3.
    const again = new ScriptedSource([{ events: [insert('db.a', 2, 2), insert('db.b', 2, 2)], position: 2, phase: 'incremental' }]);
    await run(again, 0);
    expect(again.hints).toEqual({ 'db.a': [3], 'db.b': [1] });
    expect([await position('a'), await position('b')]).toEqual([3, 2]);
    // Run 3 restarts at 2 and meets a TRUNCATE of both source tables at 3: b (at 2) is emptied;
    // a already committed position 3, so the TRUNCATE is behind it and its rows stay.
    await run(new ScriptedSource([{ events: [], position: 3, phase: 'incremental', truncated: [{ table: 'db.a', sourceTsMs: 3 }, { table: 'db.b', sourceTsMs: 3 }] }]), 0);
    const ids = async (name: string) => {
      const out: unknown[] = [];
      for await (const b of scanTable(await new FilesystemCatalog(wh).loadTable({ namespace: ['lake'], name }))) for (const r of b) out.push(r['id']);
      return out.sort();
    };
    expect(await ids('a')).toEqual([1, 2, 3]);
    expect(await ids('b')).toEqual([]);
    expect([await position('a'), await position('b')]).toEqual([3, 3]);
  });
});
