/**
 * The daemon with its run history in PostgreSQL (a private server started here): a real
 * maintenance job runs, a predecessor's crashed run is recovered, and `icetide manager runs`
 * and `manager status` read the same history through the config, as a user would.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { main } from '../../src/cli/main.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { primitive } from '../../src/iceberg/spec/types.js';
import type { Table } from '../../src/iceberg/table.js';
import { TableWriter } from '../../src/sink/table-writer.js';
import { loadManagerConfig } from '../../manager/daemon/config-loader.js';
import { Manager } from '../../manager/daemon/manager.js';
import { PostgresStateStore } from '../../manager/state/postgres-state-store.js';
import { StateStoreUnavailableError } from '../../manager/state/state-store-errors.js';
import type { RunRecord } from '../../manager/state/state-store.js';
import { startPostgres, type PostgresServer } from '../support/postgres-server.js';
import { useTempDir } from '../support/temp-dir.js';

const schema = new Schema(0, [
  { id: 1, name: 'id', required: true, type: primitive('long') },
  { id: 2, name: 'ts', required: false, type: primitive('timestamptz') },
], [1]);
const T0 = Date.parse('2026-11-23T00:00:00Z');

async function tableWithCommits(wh: string, name: string, commits: number): Promise<Table> {
  const t = await new FilesystemCatalog(wh).createTable({ namespace: ['db'], name }, { schema });
  const w = await TableWriter.open(t, { pipelineId: `p-${name}`, mode: 'append', keyFilter: false });
  for (let i = 1; i <= commits; i++) {
    await w.write([{ table: 's', op: 'insert', after: { id: BigInt(i), ts: BigInt(T0 + i) * 1000n }, position: i, sourceTsMs: T0 + i }], 'incremental');
    await w.commit({ position: i, phase: 'incremental', watermarkMs: T0 + i });
  }
  return t;
}

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['n', 'icetide', ...args], { out: (t) => (stdout += `${t}\n`), err: (t) => (stderr += `${t}\n`) });
  return { code, stdout, stderr };
}

const until = async (what: string, cond: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('manager daemon with a PostgreSQL state store', () => {
  const tempDir = useTempDir();
  let pg: PostgresServer;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('runs expire, recovers a crashed run, and `icetide manager runs`/`status` read the history from PostgreSQL', async () => {
    const wh = tempDir();
    const t = await tableWithCommits(wh, 'orders', 4);
    // a predecessor on this host crashed mid-run, leaving its row `running`
    const before = new PostgresStateStore({ url: pg.url, schema: 'ops' });
    const stale = await before.startRun({ table: 'db.orders', job: 'compact', startedAtMs: T0, owner: `${os.hostname()}:999999` });
    await before.close();

    const configFile = path.join(wh, 'manager.yaml');
    fs.writeFileSync(configFile, `
warehouse: ${wh}
http: { port: 0 }
state: { type: postgres, url: "${pg.url}", schema: ops }
scheduler: { poll-interval: 50ms, respect-writer-cadence: false }
policies:
  - tables: db.*
    jobs:
      expire: { interval: 1h, options: { older-than: 0s, retain-last: 2 } }
`);
    const config = await loadManagerConfig(configFile);
    expect(config.state).toEqual({ type: 'postgres', url: pg.url, schema: 'ops' });
    const manager = new Manager(config);
    let runs: RunRecord[] = [];
    try {
      expect(manager.store).toBeInstanceOf(PostgresStateStore);
      await manager.start();
      await until('the expire run is recorded', async () => (runs = await manager.store.listRuns({ table: 'db.orders', job: 'expire' })).some((r) => r.result === 'succeeded'));
    } finally {
      await manager.stop();
    }
    expect(runs[0]).toMatchObject({ result: 'succeeded', owner: `${os.hostname()}:${process.pid}`, summary: expect.stringMatching(/expired 2 snapshot/) });
    expect(runs[0]!.filesIn).toBeGreaterThan(0);
    expect((await t.refresh()).snapshots()).toHaveLength(2);

    // what `icetide manager runs` prints, from the same config (the daemon has stopped)
    const json = await cli('manager', 'runs', '--config', configFile, '--json');
    expect(json.stderr).toBe('');
    const listed = JSON.parse(json.stdout) as RunRecord[];
    expect(listed.map((r) => [r.id, r.job, r.result])).toEqual([[runs[0]!.id, 'expire', 'succeeded'], [stale.id, 'compact', 'aborted']]);
    expect(listed[1]).toMatchObject({ error: 'the manager process stopped during the run' });
    const table = await cli('manager', 'runs', '--config', configFile, '--job', 'expire');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`${runs[0]!.id}\\s+db\\.orders\\s+expire\\s+succeeded`));
    // the run is in PostgreSQL, not in a SQLite file beside the warehouse
    expect(fs.existsSync(path.join(wh, '_icetide', 'manager.db'))).toBe(false);
    expect((await pg.query('SELECT count(*)::int AS n FROM ops.manager_runs')).rows[0]).toEqual({ n: 2 });

    const status = await cli('manager', 'status', '--config', configFile);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/not running/);
    expect(status.stdout).toMatch(new RegExp(`db\\.orders\\s+expire\\s+waiting\\s+next run at .*last run #${runs[0]!.id} succeeded`));
  });

  it('survives PostgreSQL going away: polls fail and are logged, and runs are recorded again once it is back', async () => {
    const wh = tempDir();
    await tableWithCommits(wh, 'orders', 2);
    const configFile = path.join(wh, 'manager.yaml');
    fs.writeFileSync(configFile, `warehouse: ${wh}\nhttp: { port: 0 }\nstate: { type: postgres, url: "${pg.url}", schema: outage }\nscheduler: { poll-interval: 50ms, respect-writer-cadence: false }\npolicies: [{ tables: db.orders, jobs: { expire: { interval: 300ms, options: { older-than: 0s } } } }]\n`);
    const errors: string[] = [];
    const logger = { info: () => undefined, warn: () => undefined, error: (msg: string, f?: Record<string, unknown>) => void errors.push(`${msg}: ${String(f?.['error'])}`) };
    const manager = new Manager(await loadManagerConfig(configFile), { logger });
    const finished = async (): Promise<number> => (await manager.store.listRuns({ limit: 1000 })).filter((r) => r.result !== 'running').length;
    try {
      const url = await manager.start();
      await until('a first run', async () => (await finished()) >= 1);
      await pg.pause();
      await new Promise((r) => setTimeout(r, 800)); // several polls and at least one due run
      // the API says the history is temporarily unavailable (503, retry later), not a bug (500)
      const res = await fetch(`${url}/v1/runs`);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('10');
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unavailable');
      // each failed poll is logged with the typed error, naming the server; none crashed the daemon
      expect(errors.every((e) => /^(scheduler tick failed|could not record a maintenance run)/.test(e))).toBe(true);
      expect(errors.join('\n')).toMatch(/the manager state store at postgres:\/\/postgres@127\.0\.0\.1/);
      await pg.resume();
      expect((await fetch(`${url}/v1/runs`)).status).toBe(200);
      const before = await finished();
      await until('runs recorded again', async () => (await finished()) >= before + 2);
    } finally {
      await manager.stop();
    }
  });

  it('an unreachable PostgreSQL stops the daemon at start and `manager runs` with a typed error, password hidden', async () => {
    const wh = tempDir();
    await tableWithCommits(wh, 'orders', 1);
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const configFile = path.join(wh, 'manager.yaml');
    fs.writeFileSync(configFile, `warehouse: ${wh}\nhttp: { port: 0 }\nstate: { type: postgres, url: "postgres://icetide:\${PG_TEST_PASSWORD}@127.0.0.1:${closed}/ops" }\n`);
    process.env['PG_TEST_PASSWORD'] = 'top-secret';
    try {
      const manager = new Manager(await loadManagerConfig(configFile));
      const err = await manager.start().then(() => undefined, (e: unknown) => e);
      await manager.stop();
      expect(err).toBeInstanceOf(StateStoreUnavailableError);
      expect((err as Error).message).toContain(`postgres://icetide:***@127.0.0.1:${closed}/ops`);
      const r = await cli('manager', 'runs', '--config', configFile);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/icetide: cannot reach the manager state store at postgres:\/\/icetide:\*\*\*@127\.0\.0\.1:\d+\/ops .*check that PostgreSQL is running/);
      expect(r.stderr).not.toContain('top-secret');
    } finally {
      delete process.env['PG_TEST_PASSWORD'];
    }
  });
});
