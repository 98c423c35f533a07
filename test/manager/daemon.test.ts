import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { SqlCatalog } from '../../src/catalog/sql-catalog.js';
import { main } from '../../src/cli/main.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { primitive } from '../../src/iceberg/spec/types.js';
import type { Table } from '../../src/iceberg/table.js';
import type { ChangeEvent } from '../../src/sink/change-event.js';
import { TableWriter } from '../../src/sink/table-writer.js';
import { parseManagerConfig } from '../../manager/daemon/config-loader.js';
import { DEFAULT_JOBS, defaultJobRegistry, Manager } from '../../manager/daemon/manager.js';
import type { JobStatus } from '../../manager/daemon/scheduler.js';
import { JobRegistry, type JobResult, type MaintenanceJob } from '../../manager/jobs.js';
import { startCli } from '../support/cli-process.js';
import { useTempDir } from '../support/temp-dir.js';

const schema = new Schema(0, [
  { id: 1, name: 'id', required: true, type: primitive('long') },
  { id: 2, name: 'ts', required: false, type: primitive('timestamptz') },
], [1]);
const T0 = Date.parse('2026-11-23T00:00:00Z');
const ev = (id: number): ChangeEvent => ({ table: 's', op: 'insert', after: { id: BigInt(id), ts: BigInt(T0 + id) * 1000n }, position: id, sourceTsMs: T0 + id });

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['n', 'icetide', ...args], { out: (t) => (stdout += `${t}\n`), err: (t) => (stderr += `${t}\n`) });
  return { code, stdout, stderr };
}

/** A table with `commits` appends; the writer's commits carry `icetide.pipeline-id`. */
async function tableWithCommits(wh: string, name: string, commits: number, catalog: Catalog = new FilesystemCatalog(wh)): Promise<Table> {
  const t = await catalog.createTable({ namespace: ['db'], name }, { schema });
  const w = await TableWriter.open(t, { pipelineId: `p-${name}`, mode: 'append', keyFilter: false });
  for (let i = 1; i <= commits; i++) {
    await w.write([ev(i)], 'incremental');
    await w.commit({ position: i, phase: 'incremental', watermarkMs: T0 + i });
  }
  return t;
}

/** A job that holds the table until released (or aborted), counting how many run at once. */
function gateJob(name: 'compact' | 'rewrite-manifests') {
  const active = new Map<string, number>();
  let maxPerTable = 0;
  let maxOverall = 0;
  let overall = 0;
  const waiters: (() => void)[] = [];
  const job: MaintenanceJob = {
    name,
    description: 'test gate',
    async run(table, _o, signal): Promise<JobResult> {
      active.set(table.name, (active.get(table.name) ?? 0) + 1);
      overall++;
      maxPerTable = Math.max(maxPerTable, active.get(table.name)!);
      maxOverall = Math.max(maxOverall, overall);
      try {
        await new Promise<void>((resolve, reject) => {
          waiters.push(resolve);
          signal.addEventListener('abort', () => reject(new Error('stop requested')), { once: true });
        });
        return { filesIn: 2, bytesIn: 200, filesOut: 1, bytesOut: 150, summary: 'gate released' };
      } finally {
        active.set(table.name, active.get(table.name)! - 1);
        overall--;
      }
    },
  };
  return { job, release: () => waiters.splice(0).forEach((r) => r()), stats: () => ({ maxPerTable, maxOverall, overall }) };
}

const until = async (what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('manager daemon', () => {
  const tempDir = useTempDir();
  const managers: Manager[] = [];
  afterEach(async () => {
    for (const m of managers.splice(0)) await m.stop();
  });

  function start(wh: string, yaml: string, jobs: MaintenanceJob[] = [], without: readonly string[] = []): { manager: Manager; configFile: string } {
    const configFile = path.join(wh, 'manager.yaml');
    fs.writeFileSync(configFile, `warehouse: ${wh}\nhttp: { port: 0 }\n${yaml}`);
    const registry = without.length === 0 ? defaultJobRegistry() : new JobRegistry(DEFAULT_JOBS.filter((j) => !without.includes(j.name)));
    for (const j of jobs) registry.register(j);
    const manager = new Manager(parseManagerConfig(fs.readFileSync(configFile, 'utf8'), configFile, {}), { registry });
    managers.push(manager);
    return { manager, configFile };
  }

  const statusOf = (m: Manager, table: string, job: string | null): JobStatus | undefined => m.scheduler.status().find((s) => s.table === table && s.job === job);

  it('works on a SQL catalog (catalog: { type: sql }): lists its tables over HTTP and expires them', async () => {
    const wh = tempDir();
    const uri = `sqlite:${path.join(wh, 'catalog.db')}`;
    const sql = new SqlCatalog({ uri, name: 'lake', warehouse: wh });
    await sql.createNamespace(['db']);
    await tableWithCommits(wh, 'orders', 4, sql);
    await sql.close();
    const { manager } = start(wh, `
catalog: { type: sql, uri: "${uri}", name: lake }
scheduler: { poll-interval: 50ms, respect-writer-cadence: false }
policies:
  - tables: db.*
    jobs:
      expire: { interval: 1h, options: { older-than: 0s, retain-last: 1 } }
`);
    expect(manager.catalog).toBeInstanceOf(SqlCatalog);
    await manager.start();
    await until('the expire run', async () => (await manager.store.listRuns({ table: 'db.orders' })).some((r) => r.result === 'succeeded'));
    const res = await (await manager.api()).inject({ method: 'GET', url: '/v1/tables' });
    expect((JSON.parse(res.body) as { tables: { table: string; snapshots: number }[] }).tables).toEqual([expect.objectContaining({ table: 'db.orders', snapshots: 1 })]);
  });

  it('runs expire on schedule, records every run, and lists them (`manager runs`)', async () => {
    const wh = tempDir();
    const t = await tableWithCommits(wh, 'orders', 4);
    expect(t.snapshots()).toHaveLength(4);
    const { manager, configFile } = start(wh, `
scheduler: { poll-interval: 50ms, respect-writer-cadence: false }
policies:
  - tables: db.*
    jobs:
      expire: { interval: 400ms, options: { older-than: 0s, retain-last: 2 } }
`);
    const startedAt = Date.now();
    await manager.start();
    await until('two expire runs', async () => (await manager.store.listRuns({ table: 'db.orders' })).filter((r) => r.result !== 'running').length >= 2);
    const runs = (await manager.store.listRuns({ table: 'db.orders' })).reverse();
    expect(runs[0]).toMatchObject({ job: 'expire', result: 'succeeded', summary: expect.stringMatching(/expired 2 snapshot/) });
    expect(runs[0]!.filesIn).toBeGreaterThan(0);
    expect(runs[0]!.bytesIn).toBeGreaterThan(0);
    expect(runs[1]).toMatchObject({ job: 'expire', result: 'noop' });
    // on schedule: the second run starts one interval after the first, not at the next poll
    expect(runs[1]!.startedAtMs - runs[0]!.startedAtMs).toBeGreaterThanOrEqual(400);
    expect(runs[0]!.startedAtMs - startedAt).toBeLessThan(5000); // the first poll, not after an interval
    expect((await t.refresh()).snapshots()).toHaveLength(2);
    await until('status shows the schedule', () => /next run at .* \(every 400ms; last run #\d+ (noop|succeeded)/.test(statusOf(manager, 'db.orders', 'expire')?.reason ?? ''));

    const listed = await cli('manager', 'runs', '--config', configFile, '--table', 'db.orders', '--limit', '1');
    expect(listed.code).toBe(0);
    expect(listed.stdout.trim().split('\n')).toHaveLength(3); // header, rule, one run
    expect(listed.stdout).toMatch(/db\.orders\s+expire/);
    const json = JSON.parse((await cli('manager', 'runs', '--config', configFile, '--json')).stdout) as { job: string }[];
    expect(json.length).toBeGreaterThanOrEqual(2);
    expect((await cli('manager', 'runs', '--config', configFile, '--table', 'db.none')).stdout).toMatch(/no runs recorded/);
  });

  it('status says why a table is not processed: thresholds, window, unregistered job, last failure, no policy', async () => {
    const wh = tempDir();
    await tableWithCommits(wh, 'small', 1);
    await tableWithCommits(wh, 'night', 1);
    await tableWithCommits(wh, 'broken', 1);
    await new FilesystemCatalog(wh).createTable({ namespace: ['other'], name: 'free' }, { schema });
    const nowMin = new Date().getUTCHours() * 60 + new Date().getUTCMinutes();
    const hhmm = (m: number) => `${String(Math.floor(m / 60) % 24).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    const closed = `${hhmm((nowMin + 120) % 1440)}-${hhmm((nowMin + 180) % 1440)}`;
    const { manager, configFile } = start(wh, `
scheduler: { poll-interval: 50ms, respect-writer-cadence: false }
policies:
  - tables: db.small
    jobs:
      expire: { when: { min-snapshots: 50, min-data-files: 100 } }
      rewrite-manifests: {}
  - tables: db.night
    windows: ["${closed}"]
    jobs: { expire: {} }
  - tables: db.broken
    jobs: { expire: { interval: 1h, options: { retain-last: 0 } } }
`, [], ['rewrite-manifests']);
    await manager.start();
    await until('the failing run is recorded', async () => (await manager.store.listRuns({ table: 'db.broken' })).some((r) => r.result === 'failed'));
    await until('status re-evaluated', () => /failed/.test(statusOf(manager, 'db.broken', 'expire')?.reason ?? ''));
    expect(statusOf(manager, 'db.small', 'expire')).toMatchObject({ state: 'below-thresholds', reason: 'below thresholds: snapshots 1 < 50, data files 1 < 100' });
    expect(statusOf(manager, 'db.small', 'rewrite-manifests')).toMatchObject({ state: 'unavailable', reason: expect.stringMatching(/not registered/) });
    expect(statusOf(manager, 'db.night', 'expire')).toMatchObject({ state: 'waiting', reason: `waiting for its window ${closed} UTC` });
    expect(statusOf(manager, 'db.broken', 'expire')).toMatchObject({ state: 'waiting', reason: expect.stringMatching(/^last run #\d+ failed at .* with: expire option retain-last takes an integer >= 1, got 0; next try at /) });
    expect(statusOf(manager, 'other.free', null)).toMatchObject({ state: 'unmanaged', reason: expect.stringMatching(/no policy/) });
    // the API and page show the same
    const app = await manager.api();
    const api = JSON.parse((await app.inject({ url: '/v1/status' })).body) as { jobs: JobStatus[] };
    expect(api.jobs.find((j) => j.table === 'db.small' && j.job === 'expire')?.reason).toMatch(/below thresholds/);
    expect((await app.inject({ url: '/' })).body).toMatch(/retain-last takes an integer/);
    // and `icetide manager status` (from the running daemon, or evaluated offline)
    await manager.stop();
    managers.splice(managers.indexOf(manager), 1);
    const offline = await cli('manager', 'status', '--config', configFile);
    expect(offline.stderr).toBe('');
    expect(offline.code).toBe(0);
    expect(offline.stdout).toMatch(/not running/);
    expect(offline.stdout).toMatch(/db\.small\s+expire\s+below-thresholds\s+below thresholds: snapshots 1 < 50/);
    expect(offline.stdout).toMatch(/db\.broken\s+expire\s+waiting\s+last run #\d+ failed .* retain-last takes an integer/);
    expect(offline.stdout).toMatch(/db\.night\s+expire\s+waiting\s+waiting for its window/);
  });

  it('one job per table at a time, a bounded number overall; the others say why they wait', async () => {
    const wh = tempDir();
    for (const n of ['a', 'b', 'c']) await tableWithCommits(wh, n, 3);
    const gate = gateJob('compact');
    const { manager } = start(wh, `
scheduler: { poll-interval: 30ms, max-concurrent-jobs: 2, respect-writer-cadence: false }
policies:
  - tables: db.*
    jobs:
      compact: { interval: 1h }
      expire: { interval: 1h, options: { older-than: 0s } }
`, [gate.job]);
    await manager.start();
    await until('two compactions hold their tables', () => gate.stats().overall === 2);
    const running = manager.scheduler.runningJobs();
    expect(running).toHaveLength(2);
    const held = running[0]!.table;
    const idle = ['db.a', 'db.b', 'db.c'].find((t) => !running.some((r) => r.table === t))!;
    const locked = /^locked by run #\d+ \(compact, started .*\): one job per table at a time$/;
    await until('the next polls explain the waits', () => locked.test(statusOf(manager, held, 'expire')?.reason ?? '') && statusOf(manager, idle, 'compact')?.state === 'waiting');
    expect(statusOf(manager, held, 'expire')).toMatchObject({ state: 'waiting', reason: expect.stringMatching(locked) });
    expect(statusOf(manager, idle, 'compact')).toMatchObject({ state: 'waiting', reason: 'waiting for a free job slot (2 of 2 running)' });
    await new Promise((r) => setTimeout(r, 150)); // more polls while they hold: still two
    gate.release();
    await until('every table got both jobs', async () => {
      gate.release();
      const runs = await manager.store.listRuns({ limit: 100 });
      return runs.filter((r) => r.result !== 'running').length === 6;
    });
    expect(gate.stats().maxPerTable).toBe(1);
    expect(gate.stats().maxOverall).toBe(2);
    const runs = await manager.store.listRuns({ limit: 100 });
    // no two runs of one table overlap in time
    for (const t of ['db.a', 'db.b', 'db.c']) {
      const mine = runs.filter((r) => r.table === t).sort((x, y) => x.startedAtMs - y.startedAtMs);
      expect(mine.map((r) => r.job).sort()).toEqual(['compact', 'expire']);
      expect(mine[1]!.startedAtMs).toBeGreaterThanOrEqual(mine[0]!.endedAtMs!);
    }
    expect(runs.find((r) => r.job === 'compact')).toMatchObject({ result: 'succeeded', filesIn: 2, bytesIn: 200, filesOut: 1, bytesOut: 150 });
  });

  it('stop() (SIGTERM) aborts running jobs through their signal, records them as aborted, and the table stays valid', async () => {
    const wh = tempDir();
    const t = await tableWithCommits(wh, 'orders', 2);
    const gate = gateJob('compact');
    const { manager } = start(wh, `
scheduler: { poll-interval: 30ms, respect-writer-cadence: false }
policies: [{ tables: db.orders, jobs: { compact: {} } }]
`, [gate.job]);
    await manager.start();
    await until('the job runs', () => gate.stats().overall === 1);
    await manager.stop();
    managers.splice(managers.indexOf(manager), 1);
    expect(gate.stats().overall).toBe(0);
    const { SqliteStateStore } = await import('../../manager/state/sqlite-state-store.js');
    const store = new SqliteStateStore(path.join(wh, '_icetide', 'manager.db'));
    expect((await store.listRuns())[0]).toMatchObject({ job: 'compact', result: 'aborted', error: 'aborted: stop requested' });
    await store.close();
    expect((await t.refresh()).snapshots()).toHaveLength(2);
  });

  it('`icetide manager --config` serves the API and exits 0 on SIGTERM', async () => {
    const wh = tempDir();
    await tableWithCommits(wh, 'orders', 1);
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    fs.writeFileSync(path.join(wh, 'manager.yaml'), `warehouse: ${wh}\nhttp: { port: ${port} }\nauth: { token: t0k }\nscheduler: { poll-interval: 100ms }\npolicies: [{ tables: "db.*", jobs: { expire: {} } }]\n`);
    const { child, done } = startCli(['manager', '--config', 'manager.yaml'], wh);
    let url = '';
    let text = '';
    child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
    await until('the manager listens', () => {
      const m = /listening on (http:\/\/\S+)/.exec(text);
      if (m) url = m[1]!;
      return url !== '';
    }, 30_000).catch(async (err: unknown) => {
      child.kill('SIGKILL');
      throw new Error(`${(err as Error).message}\n${(await done).stderr}`);
    });
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect((await fetch(`${url}/v1/tables`)).status).toBe(401);
    const tables = await fetch(`${url}/v1/tables`, { headers: { authorization: 'Bearer t0k' } });
    expect(((await tables.json()) as { tables: { table: string }[] }).tables.map((x) => x.table)).toEqual(['db.orders']);
    // `manager status` asks the running daemon (with the token from the config)
    const st = await cli('manager', 'status', '--config', path.join(wh, 'manager.yaml'));
    expect(st.stdout).toMatch(new RegExp(`from the manager at http://127.0.0.1:${port}`));
    expect(st.stdout).toMatch(/db\.orders\s+expire\s+\S+/);
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code).toBe(0);
  });
});
