import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { main } from '../../src/cli/main.js';
import { scanTable } from '../../src/iceberg/read/table-scan.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { primitive } from '../../src/iceberg/spec/types.js';
import type { Table } from '../../src/iceberg/table.js';
import { parsePartitionValue, partitionEndMs, tableReadiness } from '../../src/pipeline/readiness.js';
import type { ChangeEvent } from '../../src/sink/change-event.js';
import { TableWriter } from '../../src/sink/table-writer.js';
import { startCli } from '../support/cli-process.js';
import { useTempDir } from '../support/temp-dir.js';

const schema = new Schema(0, [
  { id: 1, name: 'id', required: true, type: primitive('long') },
  { id: 2, name: 'ts', required: false, type: primitive('timestamptz') },
], [1]);

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['n', 'icetide', ...args], { out: (t) => (stdout += `${t}\n`), err: (t) => (stderr += `${t}\n`) });
  return { code, stdout, stderr };
}

const ev = (id: number, tsMs: number): ChangeEvent => ({ table: 's', op: 'insert', after: { id: BigInt(id), ts: BigInt(tsMs) * 1000n }, position: id, sourceTsMs: tsMs });

describe('commit-aware readiness (DESIGN.md "Readiness")', () => {
  const tempDir = useTempDir();
  const T0 = Date.parse('2026-11-23T00:00:00Z');

  async function newTable(spec?: 'day'): Promise<{ table: Table; wh: string }> {
    const wh = tempDir();
    const table = await new FilesystemCatalog(wh).createTable({ namespace: ['db'], name: 't' }, {
      schema,
      ...(spec ? { spec: { specId: 0, fields: [{ sourceId: 2, fieldId: 1000, name: 'ts_day', transform: { kind: 'day' as const } }] } } : {}),
    });
    return { table, wh };
  }

  it('ready --until T is 1 before the commit that contains T and 0 right after it, never earlier (100 random timings)', async () => {
    const { table, wh } = await newTable();
    const w = await TableWriter.open(table, { pipelineId: 'p', mode: 'upsert', keyFilter: false });
    let seed = 99;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    let ts = T0;
    let id = 0;
    const reader = await new FilesystemCatalog(wh).loadTable({ namespace: ['db'], name: 't' });
    for (let i = 0; i < 100; i++) {
      // a batch of changes with increasing source times; T falls somewhere inside it
      const events = Array.from({ length: 1 + Math.floor(rnd() * 5) }, () => ev(++id, (ts += 1 + Math.floor(rnd() * 60_000))));
      const T = events[Math.floor(rnd() * events.length)]!.sourceTsMs;
      await w.write(events, 'incremental');
      await new Promise((r) => setTimeout(r, Math.floor(rnd() * 3)));
      await reader.refresh();
      expect(tableReadiness(reader.metadata, T).ready, `iteration ${i}: ready before the commit`).toBe(false);
      await w.commit({ position: id, phase: 'incremental', watermarkMs: ts });
      await reader.refresh();
      expect(tableReadiness(reader.metadata, T).ready).toBe(true);
      // and what it promises is true: every change up to T is in the table
      if (i % 20 === 0) {
        const ids = new Set<bigint>();
        for await (const b of scanTable(reader, { columns: ['id'] })) for (const r of b) ids.add(r['id'] as bigint);
        expect(ids.size).toBe(id);
      }
    }
    // the CLI agrees, exit codes as documented
    expect((await run('ready', 'db.t', '--warehouse', wh, '--until', new Date(ts).toISOString())).code).toBe(0);
    const later = await run('ready', 'db.t', '--warehouse', wh, '--until', new Date(ts + 1).toISOString(), '--json');
    expect(later.code).toBe(1);
    expect(JSON.parse(later.stdout)).toMatchObject({ table: 'db.t', ready: false, watermark: new Date(ts).toISOString() });
  });

  it('errors exit 2: missing table, no watermark yet, bad time', async () => {
    const { wh } = await newTable();
    expect((await run('ready', 'db.nope', '--warehouse', wh, '--until', '2026-11-23T10:00:00Z')).code).toBe(2);
    const none = await run('ready', 'db.t', '--warehouse', wh, '--until', '2026-11-23T10:00:00Z');
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^icetide: table db\.t has no snapshot yet: no pipeline has committed to it/);
    expect((await run('ready', 'db.t', '--warehouse', wh, '--until', '2026-11-23 10:00')).stderr).toMatch(/ISO-8601/);
  });

  it('no watermark: the message says what is missing (a foreign commit, a full load in progress, not caught up)', async () => {
    const { table, wh } = await newTable();
    const until = ['--warehouse', wh, '--until', '2026-11-23T10:00:00Z'];
    await table.updateProperties().set('a', 'b').commit();
    await table.newAppend().set('other', 'x').commit();
    expect((await run('ready', 'db.t', ...until)).stderr).toMatch(/none of its 1 snapshot\(s\) was committed by an icetide pipeline/);
    const w = await TableWriter.open(table, { pipelineId: 'p', mode: 'upsert', keyFilter: false });
    await w.write([ev(1, T0)], 'snapshot');
    await w.commit({ position: 1, phase: 'snapshot' });
    const loading = await run('ready', 'db.t', ...until);
    expect(loading.code).toBe(2);
    expect(loading.stderr).toMatch(/pipeline p is in the middle of its full load .*committed when the load ends/);
    await w.write([ev(2, T0)], 'incremental');
    await w.commit({ position: 2, phase: 'incremental' });
    expect((await run('ready', 'db.t', ...until)).stderr).toMatch(/pipeline p has committed rows .* not yet proven it is caught up/);
  });

  it('maintenance commits carry the watermark forward: readiness reads past them', async () => {
    const { table } = await newTable();
    const w = await TableWriter.open(table, { pipelineId: 'p', mode: 'upsert', keyFilter: false });
    await w.write([ev(1, T0)], 'incremental');
    await w.commit({ position: 1, phase: 'incremental', watermarkMs: T0 + 5 });
    await table.updateProperties().set('a', 'b').commit();
    await table.newAppend().commit(); // another writer's snapshot without a watermark
    expect(tableReadiness(table.metadata, T0 + 5)).toMatchObject({ ready: true, watermarkMs: T0 + 5 });
  });

  it('per partition: a day is ready when the watermark passes its end plus the allowed lateness (late rows)', async () => {
    const { table, wh } = await newTable('day');
    const w = await TableWriter.open(table, { pipelineId: 'p', mode: 'upsert', keyFilter: false });
    const day = 86_400_000;
    await w.write([ev(1, T0 + 1000), ev(2, T0 + day - 1)], 'incremental');
    await w.commit({ position: 2, phase: 'incremental', watermarkMs: T0 + day - 1 });
    const part = ['--partition', 'ts_day=2026-11-23', '--warehouse', wh];
    expect((await run('ready', 'db.t', ...part)).code).toBe(1); // the day has not ended in source time
    // a late row for 2026-11-23 arrives after midnight: with 10m lateness the day waits for it
    await w.write([ev(3, T0 + day + 60_000), ev(4, T0 + day - 500)], 'incremental');
    await w.commit({ position: 4, phase: 'incremental', watermarkMs: T0 + day + 60_000 });
    expect((await run('ready', 'db.t', ...part)).code).toBe(0);
    expect((await run('ready', 'db.t', ...part, '--allowed-lateness', '10m')).code).toBe(1);
    await w.write([ev(5, T0 + day + 11 * 60_000)], 'incremental');
    await w.commit({ position: 5, phase: 'incremental', watermarkMs: T0 + day + 11 * 60_000 });
    expect((await run('ready', 'db.t', ...part, '--allowed-lateness', '10m')).code).toBe(0);
    expect((await run('ready', 'db.t', '--partition', 'ts_day=2026-11', '--warehouse', wh)).stderr).toMatch(/not a day value/);
  });

  it('partition ends for hour/day/month/year', () => {
    const f = (kind: 'hour' | 'day' | 'month' | 'year') => ({ sourceId: 1, fieldId: 1000, name: 'p', transform: { kind } });
    const end = (kind: 'hour' | 'day' | 'month' | 'year', text: string) => new Date(partitionEndMs(f(kind), parsePartitionValue(f(kind), text, 'timestamptz'), 'timestamptz')).toISOString();
    expect(end('hour', '2026-11-23-10')).toBe('2026-11-23T11:00:00.000Z');
    expect(end('day', '2026-11-23')).toBe('2026-11-24T00:00:00.000Z');
    expect(end('month', '2026-12')).toBe('2027-01-01T00:00:00.000Z');
    expect(end('year', '1969')).toBe('1970-01-01T00:00:00.000Z');
  });

  it('ready --wait blocks and returns 0 within 1 s of the commit', async () => {
    const { table, wh } = await newTable();
    const w = await TableWriter.open(table, { pipelineId: 'p', mode: 'upsert', keyFilter: false });
    await w.write([ev(1, T0)], 'incremental');
    await w.commit({ position: 1, phase: 'incremental', watermarkMs: T0 });
    const waiting = startCli(['ready', 'db.t', '--warehouse', wh, '--until', new Date(T0 + 1000).toISOString(), '--wait', '--timeout', '60s'], process.cwd());
    await new Promise((r) => setTimeout(r, 1500));
    await w.write([ev(2, T0 + 1000)], 'incremental');
    await w.commit({ position: 2, phase: 'incremental', watermarkMs: T0 + 1000 });
    const committedAt = Date.now();
    const r = await waiting.done;
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - committedAt).toBeLessThan(1000);
    const timeout = await run('ready', 'db.t', '--warehouse', wh, '--until', new Date(T0 + 5000).toISOString(), '--wait', '--timeout', '300ms');
    expect(timeout.code).toBe(1);
  });

  it('with the source idle, readiness advances within the idle interval', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'changes.jsonl'), `${JSON.stringify({ op: 'c', before: null, after: { id: 1 }, source: { db: 'shop', table: 'orders', ts_ms: T0 } })}\n`);
    fs.writeFileSync(path.join(dir, 'p.yaml'), `pipeline-id: idle
source: { type: file, path: changes.jsonl }
tables:
  - { source: shop.orders, target: orders, key-columns: [id], columns: [{ name: id, type: long, nullable: false }] }
target: { catalog: filesystem, warehouse: wh, namespace: db }
commit: { interval-ms: 100 }
readiness: { idle-commit-interval-ms: 500 }
`);
    const { child, done } = startCli(['ingest', 'p.yaml'], dir);
    const catalog = new FilesystemCatalog(path.join(dir, 'wh'));
    for (let i = 0; i < 200 && !(await catalog.tableExists({ namespace: ['db'], name: 'orders' })); i++) await new Promise((res) => setTimeout(res, 50));
    const started = Date.now();
    const now = new Date(started).toISOString();
    const r = await run('ready', 'db.orders', '--warehouse', path.join(dir, 'wh'), '--until', now, '--wait', '--timeout', '20s');
    const waited = Date.now() - started;
    child.kill('SIGTERM');
    await done;
    expect(r.code, r.stderr).toBe(0); // the source is at T0 (2026-11-23), yet the table is ready up to now
    expect(waited).toBeLessThan(5_000); // about one idle interval, not forever
  }, 60_000);
});

describe('several pipelines feeding one table', () => {
  const tempDir = useTempDir();

  it('the table is ready only up to the slowest pipeline; maintenance snapshots do not count', async () => {
    const wh = tempDir();
    const table = await new FilesystemCatalog(wh).createTable({ namespace: ['db'], name: 't' }, { schema });
    const shard = (p: string) => TableWriter.open(table, { pipelineId: p, mode: 'upsert', keyFilter: false });
    const a = await shard('shard-a');
    const b = await shard('shard-b');
    const T = Date.parse('2026-11-23T00:00:00Z');
    await a.write([ev(1, T)], 'incremental');
    await a.commit({ position: 1, phase: 'incremental', watermarkMs: T + 100 });
    await b.write([ev(2, T)], 'incremental');
    await b.commit({ position: 1, phase: 'incremental', watermarkMs: T + 50 });
    await a.write([ev(3, T)], 'incremental');
    await a.commit({ position: 2, phase: 'incremental', watermarkMs: T + 300 });
    await table.newAppend().set('icetide.watermark-ms', String(T + 300)).commit(); // a maintenance copy
    expect(tableReadiness(table.metadata, T + 50).ready).toBe(true);
    expect(tableReadiness(table.metadata, T + 51).ready).toBe(false); // shard-b is at T+50
    await b.write([ev(4, T)], 'incremental');
    await b.commit({ position: 2, phase: 'incremental', watermarkMs: T + 400 });
    expect(tableReadiness(table.metadata, T + 300)).toMatchObject({ ready: true, watermarkMs: T + 300 });
  });
});
