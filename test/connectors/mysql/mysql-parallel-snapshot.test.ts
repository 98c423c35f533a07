import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMySqlSource } from '../../../connectors/mysql/index.js';
import { toMySqlPosition } from '../../../connectors/mysql/position.js';
import { FilesystemCatalog } from '../../../src/catalog/filesystem-catalog.js';
import { scanTable } from '../../../src/iceberg/read/table-scan.js';
import type { Logger } from '../../../src/logging/logger.js';
import { parsePipelineConfig } from '../../../src/pipeline/config-loader.js';
import { buildPipeline } from '../../../src/pipeline/pipeline-builder.js';
import type { ChangeBatch } from '../../../src/sink/change-event.js';
import { batchEvents } from '../../../src/sink/insert-columns.js';
import { pipelineYaml } from '../../support/mariadb-fixtures.js';
import { startMariaDb, type MariaDbServer } from '../../support/mariadb-server.js';
import { useTempDir } from '../../support/temp-dir.js';

/**
 * `snapshot.parallelism` > 1: an upsert table is cut into chunk ranges (boundary queries on
 * the key) that several reader workers read at once, each in its own read view; pages are
 * handed over in key order all the same. Append and changelog tables are read in one view.
 */
let server: MariaDbServer;

beforeAll(async () => {
  server = await startMariaDb();
  await server.query('CREATE DATABASE shop');
  // A composite key of text and int: chunk boundaries are row comparisons, not arithmetic.
  await server.query('CREATE TABLE shop.pairs (k VARCHAR(12) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, n INT, v INT, PRIMARY KEY (k, n))');
  await server.query("INSERT INTO shop.pairs SELECT CONCAT('k', LPAD(seq % 97, 3, '0'), IF(seq % 5 = 0, 'é', '')), seq, seq * 3 FROM shop.seq_1_to_6000");
  await server.query('CREATE TABLE shop.events (id INT PRIMARY KEY, v INT)');
  await server.query('INSERT INTO shop.events SELECT seq, seq FROM shop.seq_1_to_3000');
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

function capture(): { log: Logger; lines: { msg: string; fields?: Record<string, unknown> }[] } {
  const lines: { msg: string; fields?: Record<string, unknown> }[] = [];
  const push = (msg: string, fields?: Record<string, unknown>): void => void lines.push({ msg, ...(fields ? { fields } : {}) });
  return { log: { info: push, warn: push, error: push }, lines };
}

describe('parallel full load', () => {
  const tempDir = useTempDir();

  it('hands every row over exactly once, in key order, from chunk ranges read by several workers', async () => {
    const config = parsePipelineConfig(pipelineYaml(server, { warehouse: '/tmp/unused', tables: '  - source: shop.pairs\n  - source: shop.events\n    mode: append', source: '  snapshot:\n    mode: initial-only\n    chunk-size: 250\n    parallelism: 3' }), 't.yaml', {});
    const { log, lines } = capture();
    const source = createMySqlSource(config, { log });
    await source.discover();
    const batches: ChangeBatch[] = [];
    for await (const b of source.read(undefined, { signal: new AbortController().signal, untilDrained: true })) batches.push(b);
    const events = batches.flatMap(batchEvents);
    const pairs = events.filter((e) => e.table === 'shop.pairs').map((e) => `${String(e.after!['k'])}/${String(e.after!['n'])}`);
    expect(pairs.length).toBe(6000);
    expect(new Set(pairs).size).toBe(6000);
    expect(events.filter((e) => e.table === 'shop.events').length).toBe(3000);
    for (let i = 1; i < events.length; i++) expect(source.comparePositions(events[i - 1]!.position, events[i]!.position)).toBeLessThan(0);
    const reading = lines.filter((l) => l.msg === 'snapshot: reading table').map((l) => [l.fields!['table'], l.fields!['parallel']]);
    expect(reading).toEqual([['shop.events', false], ['shop.pairs', true]]);
  });

  it('with writes while it runs, the upsert table converges to the source; positions keep a bounded number of read views', async () => {
    const wh = tempDir();
    const config = parsePipelineConfig(pipelineYaml(server, { warehouse: wh, tables: '  - source: shop.pairs', source: '  snapshot:\n    chunk-size: 100\n    parallelism: 3', commit: 'commit:\n  interval-ms: 300\n  max-rows: 2000' }), 'p.yaml', {});
    const { runner, writers } = await buildPipeline(config);
    const ac = new AbortController();
    const positions: unknown[] = [];
    let incremental = false;
    const run = runner.run({ once: false, signal: ac.signal, commitIntervalMs: 300, commitMaxRows: 2000, idleCommitIntervalMs: 500, onCommit: (p) => { positions.push(p.position); if (p.phase === 'incremental') incremental = true; } });
    run.catch(() => undefined);
    const c = await mysql.createConnection({ host: server.host, port: server.port, user: 'root' });
    let n = 0;
    try {
      while (!incremental && n < 3000) {
        const id = 1 + ((n * 7919) % 6000);
        await c.query('UPDATE shop.pairs SET v = v + 1 WHERE n = ?', [id]);
        if (n % 3 === 0) await c.query('DELETE FROM shop.pairs WHERE n = ?', [id + 1]);
        if (n % 4 === 0) await c.query('INSERT INTO shop.pairs VALUES (?, ?, 0)', [`new${n}`, 100_000 + n]);
        n++;
      }
      const head = ((await server.query('SHOW MASTER STATUS')) as { File: string; Position: number }[])[0]!;
      const deadline = Date.now() + 60_000;
      for (;;) {
        const last = positions.at(-1);
        const p = last ? toMySqlPosition(last as never) : undefined;
        if (p?.kind === 'binlog' && p.at.file === head.File && p.at.pos >= Number(head.Position)) break;
        if (Date.now() > deadline) throw new Error('the pipeline did not catch up');
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      ac.abort();
      await run;
      await c.end();
    }
    expect(n).toBeGreaterThan(10);
    // Every snapshot position's views: at most 16 segments of real views for the table, and
    // past them one at P0 (its later chunks replay every change: an upsert converges).
    for (const pos of positions) {
      const p = toMySqlPosition(pos as never);
      const views = (p.kind === 'snapshot' ? p.at.views : p.views) ?? [];
      const anchor = p.kind === 'snapshot' ? p.at.snapshot : undefined;
      expect(views.length).toBeLessThanOrEqual(17);
      if (views.length === 17 && anchor) expect(views[16]!.at).toEqual(anchor);
    }
    const want = ((await server.query('SELECT k, n, v FROM shop.pairs')) as { k: string; n: number; v: number }[]).map((r) => `${r.k}/${r.n}/${r.v}`).sort();
    const table = await new FilesystemCatalog(wh).loadTable({ namespace: ['lake'], name: 'pairs' });
    const got: string[] = [];
    for await (const b of scanTable(table)) for (const r of b) got.push(`${String(r['k'])}/${String(r['n'])}/${String(r['v'])}`);
    expect(got.sort()).toEqual(want);
    expect(writers.length).toBe(1);
  }, 120_000);
});
