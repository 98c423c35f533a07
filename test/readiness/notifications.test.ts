import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { LocalFileIO } from '../../src/io/local-file-io.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { primitive } from '../../src/iceberg/spec/types.js';
import { silentLogger } from '../../src/logging/logger.js';
import { partitionsEndingIn, ReadinessNotifier } from '../../src/pipeline/readiness-notifier.js';
import type { ChangeEvent } from '../../src/sink/change-event.js';
import { TableWriter } from '../../src/sink/table-writer.js';
import { startCli } from '../support/cli-process.js';
import { useTempDir } from '../support/temp-dir.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-23T00:00:00Z');
const schema = new Schema(0, [{ id: 1, name: 'id', required: true, type: primitive('long') }, { id: 2, name: 'ts', required: false, type: primitive('timestamptz') }], [1]);
const ev = (id: number, ms: number): ChangeEvent => ({ table: 's', op: 'insert', after: { id: BigInt(id), ts: BigInt(ms) * 1000n }, position: id, sourceTsMs: ms });

describe('ready-partition notifications', () => {
  const tempDir = useTempDir();

  it('finds the partitions whose end falls in a watermark step', () => {
    const day = { sourceId: 2, fieldId: 1000, name: 'ts_day', transform: { kind: 'day' as const } };
    const hour = { ...day, name: 'ts_hour', transform: { kind: 'hour' as const } };
    expect(partitionsEndingIn(day, 'timestamptz', T0 - 1, T0 + 2 * DAY)).toHaveLength(3); // ends at T0, T0+1d, T0+2d
    expect(partitionsEndingIn(day, 'timestamptz', T0, T0 + DAY - 1)).toEqual([]);
    expect(partitionsEndingIn(hour, 'timestamptz', T0, T0 + 3 * 3_600_000)).toHaveLength(3);
  });

  it('posts each ready day once (retrying a failing webhook), writes _SUCCESS markers, resumes without loss', async () => {
    const wh = tempDir();
    const table = await new FilesystemCatalog(wh).createTable({ namespace: ['db'], name: 't' }, { schema, spec: { specId: 0, fields: [{ sourceId: 2, fieldId: 1000, name: 'ts_day', transform: { kind: 'day' } }] } });
    const w = await TableWriter.open(table, { pipelineId: 'p', mode: 'upsert', keyFilter: false });
    const posted: string[] = [];
    let failNext = 2;
    const post = async (_url: string, init: { body: string }) => {
      if (failNext-- > 0) return { ok: false, status: 503 };
      posted.push((JSON.parse(init.body) as { partition: string }).partition);
      return { ok: true, status: 200 };
    };
    const state = ReadinessNotifier.stateLocation(wh, 'p', 'db.t');
    const cfg = { webhook: { url: 'http://hook.invalid/ready', headers: {}, retries: 3 }, markerFile: true, markerName: '_SUCCESS' };
    const n = new ReadinessNotifier(table, new LocalFileIO(), state, cfg, 10 * 60_000, silentLogger, post);
    const commit = async (id: number, ms: number) => {
      await w.write([ev(id, ms)], 'incremental');
      return (await w.commit({ position: id, phase: 'incremental', watermarkMs: ms }))!.snapshot;
    };
    expect(await n.afterCommit(await commit(1, T0 + 1000))).toEqual([]); // first watermark: nothing replayed
    // 11-22 ended at T0: its end + 10 min lateness is passed now; 11-23 ended but is within lateness
    expect((await n.afterCommit(await commit(2, T0 + DAY + 5 * 60_000))).map((p) => p.partition)).toEqual(['ts_day=2026-11-22']);
    expect(posted).toEqual(['ts_day=2026-11-22']); // after two 503s
    const ready = await n.afterCommit(await commit(3, T0 + DAY + 11 * 60_000));
    expect(ready.map((p) => p.partition)).toEqual(['ts_day=2026-11-23']);
    const marker = path.join(table.location, 'data', 'ts_day=2026-11-23', '_SUCCESS');
    expect(JSON.parse(fs.readFileSync(marker, 'utf8'))).toMatchObject({ event: 'partition-ready', partition: 'ts_day=2026-11-23', table: 'db.t' });
    // a new notifier (restart) continues from the saved watermark: 11-24 and 11-25 next, 11-23 not again
    const n2 = new ReadinessNotifier(table, new LocalFileIO(), state, cfg, 10 * 60_000, silentLogger, post);
    const more = await n2.afterCommit(await commit(4, T0 + 3 * DAY + 11 * 60_000));
    expect(more.map((p) => p.partition)).toEqual(['ts_day=2026-11-24', 'ts_day=2026-11-25']);
    expect(posted).toEqual(['ts_day=2026-11-22', 'ts_day=2026-11-23', 'ts_day=2026-11-24', 'ts_day=2026-11-25']);
  });

  it('a webhook that stays down keeps the partition pending: it is announced after recovery (at least once)', async () => {
    const wh = tempDir();
    const table = await new FilesystemCatalog(wh).createTable({ namespace: ['db'], name: 't' }, { schema, spec: { specId: 0, fields: [{ sourceId: 2, fieldId: 1000, name: 'ts_day', transform: { kind: 'day' } }] } });
    const w = await TableWriter.open(table, { pipelineId: 'p', mode: 'upsert', keyFilter: false });
    let down = true;
    const posted: string[] = [];
    const post = async (_url: string, init: { body: string }) => (down ? { ok: false, status: 500 } : (posted.push((JSON.parse(init.body) as { partition: string }).partition), { ok: true, status: 200 }));
    const n = new ReadinessNotifier(table, new LocalFileIO(), ReadinessNotifier.stateLocation(wh, 'p', 'db.t'), { webhook: { url: 'http://x.invalid', headers: {}, retries: 1 }, markerFile: false, markerName: '_SUCCESS' }, 0, silentLogger, post);
    const commit = async (id: number, ms: number) => {
      await w.write([ev(id, ms)], 'incremental');
      return (await w.commit({ position: id, phase: 'incremental', watermarkMs: ms }))!.snapshot;
    };
    await n.afterCommit(await commit(1, T0 + 1));
    await expect(n.afterCommit(await commit(2, T0 + DAY + 1))).rejects.toThrow(/HTTP 500/);
    down = false;
    await n.afterCommit(await commit(3, T0 + DAY + 2));
    expect(posted).toEqual(['ts_day=2026-11-23']);
  });

  it('icetide ingest posts to a real webhook when a day becomes ready', async () => {
    const dir = tempDir();
    const received: string[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push(`${req.headers['authorization']} ${(JSON.parse(body) as { partition: string }).partition}`);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const line = (id: number, ms: number) => JSON.stringify({ op: 'c', after: { id, ts: new Date(ms).toISOString() }, source: { db: 'shop', table: 'orders', ts_ms: ms } });
    fs.writeFileSync(path.join(dir, 'changes.jsonl'), `${line(1, T0 + 1000)}\n`);
    fs.writeFileSync(path.join(dir, 'p.yaml'), `pipeline-id: hooks
source: { type: file, path: changes.jsonl }
tables:
  - source: shop.orders
    target: orders
    key-columns: [id]
    partition-by: ['day(ts)']
    columns: [{ name: id, type: long, nullable: false }, { name: ts, type: timestamptz }]
target: { catalog: filesystem, warehouse: wh, namespace: db }
readiness:
  notify: { webhook: { url: 'http://127.0.0.1:${port}/ready', headers: { authorization: 'Bearer t0k' } } }
`);
    expect((await startCli(['ingest', 'p.yaml', '--once'], dir).done).code).toBe(0);
    fs.appendFileSync(path.join(dir, 'changes.jsonl'), `${line(2, T0 + DAY + 1000)}\n`);
    const r = await startCli(['ingest', 'p.yaml', '--once'], dir).done;
    server.close();
    expect(r.code, r.stderr).toBe(0);
    expect(received).toEqual(['Bearer t0k ts_day=2026-11-23']);
  }, 30_000);
});
