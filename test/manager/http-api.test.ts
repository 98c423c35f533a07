import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { main } from '../../src/cli/main.js';
import { parseJson } from '../../src/iceberg/spec/lossless-json.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { primitive } from '../../src/iceberg/spec/types.js';
import { LocalFileIO } from '../../src/io/local-file-io.js';
import { writePipelineStatus } from '../../src/pipeline/pipeline-status.js';
import { partitionReadiness, tableReadiness } from '../../src/pipeline/readiness.js';
import type { ChangeEvent } from '../../src/sink/change-event.js';
import { TableWriter } from '../../src/sink/table-writer.js';
import { buildApiServer } from '../../manager/http/server.js';
import { SqliteStateStore } from '../../manager/state/sqlite-state-store.js';
import { useTempDir } from '../support/temp-dir.js';

const schema = new Schema(0, [
  { id: 1, name: 'id', required: true, type: primitive('long') },
  { id: 2, name: 'ts', required: false, type: primitive('timestamptz') },
], [1]);
const DAY = 86_400_000;
const T0 = Date.parse('2026-11-20T00:00:00Z');
const ev = (id: number, tsMs: number): ChangeEvent => ({ table: 's', op: 'insert', after: { id: BigInt(id), ts: BigInt(tsMs) * 1000n }, position: id, sourceTsMs: tsMs });

async function cli(...args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const code = await main(['n', 'icetide', ...args], { out: (t) => (stdout += `${t}\n`), err: () => undefined });
  return { code, stdout };
}

describe('manager HTTP API (against a real warehouse)', () => {
  const tempDir = useTempDir();
  let wh: string;
  let store: SqliteStateStore;
  let app: FastifyInstance;
  const WM = T0 + 2 * DAY + 3_600_000; // 2026-11-22T01:00Z

  beforeEach(async () => {
    wh = tempDir();
    const catalog = new FilesystemCatalog(wh);
    const t = await catalog.createTable({ namespace: ['db'], name: 'orders' }, {
      schema,
      spec: { specId: 0, fields: [{ sourceId: 2, fieldId: 1000, name: 'ts_day', transform: { kind: 'day' as const } }] },
    });
    const w = await TableWriter.open(t, { pipelineId: 'p1', mode: 'upsert', keyFilter: false });
    await w.write([ev(1, T0 + 1000), ev(2, T0 + DAY + 5), ev(3, T0 + 2 * DAY + 10)], 'incremental');
    await w.commit({ position: 3, phase: 'incremental', watermarkMs: WM });
    await catalog.createTable({ namespace: ['db'], name: 'fresh' }, { schema });
    await writePipelineStatus(new LocalFileIO(), wh, {
      pipelineId: 'p1', state: 'streaming', updatedAtMs: Date.now(), pid: 1, host: 'h', source: 'file:x', tables: ['db.orders'],
      events: 3, commits: 1, rowsPerSecond: 12.5, watermarkMs: WM, commitIntervalMs: 1000, lastCommitAtMs: Date.now(),
    });
    await writePipelineStatus(new LocalFileIO(), wh, {
      pipelineId: 'p2', state: 'streaming', updatedAtMs: Date.now() - 3_600_000, pid: 2, host: 'h', source: 'file:y', tables: [],
      events: 0, commits: 0, rowsPerSecond: 0, commitIntervalMs: 1000, lastError: 'connection reset',
    });
    store = new SqliteStateStore(':memory:');
    const run = await store.startRun({ table: 'db.orders', job: 'expire', startedAtMs: Date.now() - 2000, owner: 'test:1' });
    await store.finishRun(run.id, { endedAtMs: Date.now(), result: 'succeeded', filesIn: 3, bytesIn: 3000, summary: 'expired 1 snapshot' });
    const failed = await store.startRun({ table: 'db.orders', job: 'compact', startedAtMs: Date.now() - 1000, owner: 'test:1' });
    await store.finishRun(failed.id, { endedAtMs: Date.now(), result: 'failed', error: 'boom' });
    app = await buildApiServer({ catalog, warehouse: wh, io: new LocalFileIO(), store, token: 'sekret' });
  });

  afterEach(async () => {
    await app.close();
    await store.close();
  });

  const get = async (url: string, token: string | null = 'sekret') => {
    const res = await app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.statusCode, body: res.body, json: () => JSON.parse(res.body) as Record<string, unknown>, type: String(res.headers['content-type']) };
  };

  const ROUTES = ['/', '/openapi.json', '/metrics', '/v1/tables', '/v1/tables/db.orders/readiness?until=2026-11-21T00:00:00Z', '/v1/tables/db.orders/partitions', '/v1/pipelines', '/v1/runs', '/v1/status'];

  it('/healthz needs no token; every other route is 401 without, 401 with a wrong one, 200 with the token', async () => {
    expect((await get('/healthz', null)).json()).toEqual({ status: 'ok' });
    for (const url of ROUTES) {
      const none = await get(url, null);
      expect(none.status, url).toBe(401);
      expect(none.json(), url).toEqual({ error: { code: 'unauthorized', message: expect.stringMatching(/bearer token/) } });
      expect((await get(url, 'wrong')).status, url).toBe(401);
      expect((await get(url)).status, url).toBe(200);
    }
    // a browser may pass the token as ?access_token=
    expect((await get('/v1/tables?access_token=sekret', null)).status).toBe(200);
    const page = await app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(401);
    expect(page.body).toMatch(/<form/);
  });

  it('GET /v1/tables: every table with watermark, lag, last commit and files/bytes; snapshot ids exact as strings', async () => {
    const catalog = new FilesystemCatalog(wh);
    const t = await catalog.loadTable({ namespace: ['db'], name: 'orders' });
    const res = (await get('/v1/tables')).json() as { tables: Record<string, unknown>[] };
    expect(res.tables.map((x) => x['table'])).toEqual(['db.fresh', 'db.orders']);
    const orders = res.tables[1]!;
    expect(orders).toMatchObject({
      table: 'db.orders',
      watermark: new Date(WM).toISOString(),
      snapshotId: t.currentSnapshot()!.snapshotId.toString(),
      commitTime: new Date(t.currentSnapshot()!.timestampMs).toISOString(),
      dataFiles: 3, deleteFiles: 1, snapshots: 1, records: 3, // upsert mode: day(ts) is not a function of the key, so one global equality delete file
    });
    expect(orders['dataBytes']).toBeGreaterThan(0);
    expect(orders['deleteBytes']).toBeGreaterThan(0);
    expect(orders['lagSeconds']).toBeGreaterThan(0);
    expect(res.tables[0]).toMatchObject({ table: 'db.fresh', watermark: null, lagSeconds: null, snapshotId: null, dataFiles: 0 });
    const withUntil = (await get(`/v1/tables?until=${new Date(WM).toISOString()}`)).json() as { tables: Record<string, unknown>[] };
    expect(withUntil.tables.map((x) => x['ready'])).toEqual([false, true]);
    expect((await get('/v1/tables?until=yesterday')).status).toBe(400);
  });

  it('GET readiness agrees with tableReadiness and `icetide ready` for the same table and times', async () => {
    const t = await new FilesystemCatalog(wh).loadTable({ namespace: ['db'], name: 'orders' });
    for (const until of [T0, WM - 1, WM, WM + 1, WM + DAY]) {
      const iso = new Date(until).toISOString();
      const http = (await get(`/v1/tables/db.orders/readiness?until=${encodeURIComponent(iso)}`)).json();
      const lib = tableReadiness(t.metadata, until);
      const c = await cli('ready', 'db.orders', '--warehouse', wh, '--until', iso, '--json');
      const cliJson = parseJson(c.stdout) as Record<string, unknown>; // lossless: the CLI prints the id as a bare 64-bit number
      expect(http['ready'], iso).toBe(lib.ready);
      expect(c.code, iso).toBe(lib.ready ? 0 : 1);
      expect(http).toMatchObject({ table: 'db.orders', until: iso, watermark: cliJson['watermark'], snapshotId: String(cliJson['snapshotId']), commitTime: cliJson['commitTime'], ready: cliJson['ready'] });
      expect(http['snapshotId']).toBe(lib.snapshotId!.toString());
    }
  });

  it('readiness errors are JSON: 400 bad or missing time, 404 unknown table, 409 no watermark yet', async () => {
    const bad = await get('/v1/tables/db.orders/readiness?until=2026-11-23%2010:00');
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual({ error: { code: 'bad_request', message: expect.stringMatching(/ISO-8601/) } });
    expect((await get('/v1/tables/db.orders/readiness')).json()).toMatchObject({ error: { code: 'bad_request' } });
    const missing = await get('/v1/tables/db.nope/readiness?until=2026-11-23T10:00:00Z');
    expect(missing.status).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'not_found', message: expect.stringMatching(/db\.nope/) } });
    expect((await get('/v1/tables/nonamespace/readiness?until=2026-11-23T10:00:00Z')).status).toBe(404);
    const none = await get('/v1/tables/db.fresh/readiness?until=2026-11-23T10:00:00Z');
    expect(none.status).toBe(409);
    expect(none.json()).toMatchObject({ error: { code: 'no_watermark', message: expect.stringMatching(/^table db\.fresh has no snapshot yet: no pipeline has committed to it/) } });
    const route = await get('/v1/nothing');
    expect(route.status).toBe(404);
    expect(route.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('GET partitions: the time partitions of the live data files, judged like `ready --partition`, filterable by ready', async () => {
    const t = await new FilesystemCatalog(wh).loadTable({ namespace: ['db'], name: 'orders' });
    const all = (await get('/v1/tables/db.orders/partitions')).json() as { partitions: { partition: string; ready: boolean; readyAt: string }[] };
    expect(all.partitions.map((p) => [p.partition, p.ready])).toEqual([['ts_day=2026-11-20', true], ['ts_day=2026-11-21', true], ['ts_day=2026-11-22', false]]);
    const late = (await get('/v1/tables/db.orders/partitions?allowed-lateness=2h')).json() as typeof all;
    const kindOf = (id: number) => t.schema().findField(id)?.type.kind ?? 'unknown';
    for (const p of late.partitions) {
      expect(p.ready, p.partition).toBe(partitionReadiness(t.metadata, t.spec(), kindOf, p.partition, 7_200_000).ready);
    }
    expect(late.partitions.map((p) => p.ready)).toEqual([true, false, false]);
    const ready = (await get('/v1/tables/db.orders/partitions?ready=true&allowed-lateness=10m')).json() as typeof all;
    expect(ready.partitions.map((p) => p.partition)).toEqual(['ts_day=2026-11-20', 'ts_day=2026-11-21']);
    const notReady = (await get('/v1/tables/db.orders/partitions?ready=false')).json() as typeof all;
    expect(notReady.partitions.map((p) => p.partition)).toEqual(['ts_day=2026-11-22']);
    expect((await get('/v1/tables/db.orders/partitions?allowed-lateness=soon')).status).toBe(400);
    expect((await get('/v1/tables/db.orders/partitions?ready=maybe')).status).toBe(400);
    expect((await get('/v1/tables/db.fresh/partitions')).json()).toMatchObject({ partitions: [] });
  });

  it('GET /v1/pipelines: state (stalled derived from an old heartbeat), lag, rows/s, last error', async () => {
    const res = (await get('/v1/pipelines')).json() as { pipelines: Record<string, unknown>[] };
    expect(res.pipelines).toHaveLength(2);
    expect(res.pipelines[0]).toMatchObject({ pipelineId: 'p1', state: 'streaming', rowsPerSecond: 12.5, lastError: null, tables: ['db.orders'] });
    expect(res.pipelines[0]!['lagSeconds']).toBeGreaterThan(0);
    expect(res.pipelines[1]).toMatchObject({ pipelineId: 'p2', state: 'stalled', lagSeconds: null, lastError: 'connection reset' });
  });

  it('GET /v1/runs lists recorded runs newest first, filtered; bad limit is 400', async () => {
    const all = (await get('/v1/runs')).json() as { runs: Record<string, unknown>[] };
    expect(all.runs.map((r) => [r['job'], r['result']])).toEqual([['compact', 'failed'], ['expire', 'succeeded']]);
    expect(((await get('/v1/runs?job=expire')).json() as typeof all).runs).toHaveLength(1);
    expect(((await get('/v1/runs?limit=1')).json() as typeof all).runs).toHaveLength(1);
    expect((await get('/v1/runs?limit=0')).json()).toMatchObject({ error: { code: 'bad_request' } });
  });

  it('the OpenAPI document describes every route the server has', async () => {
    const doc = (await get('/openapi.json')).json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    const routes = app.printRoutes({ commonPrefix: false });
    const served = ['/healthz', '/', '/openapi.json', '/metrics', '/v1/tables', '/v1/tables/{table}/readiness', '/v1/tables/{table}/partitions', '/v1/pipelines', '/v1/runs', '/v1/status'];
    for (const p of served) {
      expect(doc.paths, p).toHaveProperty([p]);
      expect(routes.replace(/:table/g, '{table}'), p).toContain(p === '/' ? '/' : p.split('/').pop()!);
    }
    expect(Object.keys(doc.paths).sort()).toEqual([...served].sort());
  });

  it('/metrics exposes the table, maintenance and pipeline gauges', async () => {
    const m = await get('/metrics');
    expect(m.type).toMatch(/text\/plain/);
    for (const line of [
      /icetide_table_watermark_lag_seconds\{table="db.orders"\} \d/,
      /icetide_table_data_files\{table="db.orders"\} 3/,
      /icetide_table_delete_files\{table="db.orders"\} 1/,
      /icetide_table_data_bytes\{table="db.orders"\} [1-9]/,
      /icetide_table_delete_bytes\{table="db.orders"\} [1-9]/,
      /icetide_table_snapshots\{table="db.orders"\} 1/,
      /icetide_maintenance_runs_total\{table="db.orders",job="expire",result="succeeded"\} 1/,
      /icetide_maintenance_errors_total\{table="db.orders",job="compact"\} 1/,
      // at 0 from the start, for every table and job: the first failure is an increase
      /icetide_maintenance_errors_total\{table="db.orders",job="expire"\} 0/,
      /icetide_maintenance_errors_total\{table="db.fresh",job="rewrite-manifests"\} 0/,
      /icetide_maintenance_bytes_total\{table="db.orders",job="expire",direction="in"\} 3000/,
      /icetide_pipeline_state\{pipeline="p2",state="stalled"\} 1/,
    ]) expect(m.body).toMatch(line);
    expect(m.body).not.toMatch(/icetide_table_watermark_lag_seconds\{table="db.fresh"\}/);
  });
});
