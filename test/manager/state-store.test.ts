/**
 * One behavioural suite for every state store (SQLite and PostgreSQL, the latter a private
 * server started here): the daemon, the HTTP API and `icetide manager runs` must not be able to
 * tell them apart. PostgreSQL-only concerns (rights, schema isolation) follow at the end.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStateStore } from '../../manager/state/postgres-state-store.js';
import { SqliteStateStore } from '../../manager/state/sqlite-state-store.js';
import { NoSuchRunError, StateStoreAccessError, StateStoreUnavailableError } from '../../manager/state/state-store-errors.js';
import type { StateStore } from '../../manager/state/state-store.js';
import { startPostgres, type PostgresServer } from '../support/postgres-server.js';
import { useTempDir } from '../support/temp-dir.js';

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

interface Backend {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A new empty store; the returned function opens another instance on the same data. */
  fresh(): () => StateStore;
  /** A store that cannot be reached, and text its error must name (and must not). */
  unreachable(): Promise<{ open: () => StateStore; names: string; hides?: string }>;
}

const tempDir = useTempDir('icetide-state-');

const sqlite: Backend = {
  name: 'SQLite',
  start: async () => undefined,
  stop: async () => undefined,
  fresh() {
    const file = path.join(tempDir(), 'nested', 'manager.db');
    return () => new SqliteStateStore(file);
  },
  async unreachable() {
    const blocker = path.join(tempDir(), 'a-file');
    fs.writeFileSync(blocker, '');
    const file = path.join(blocker, 'manager.db'); // its "directory" is a file, even for root
    return { open: () => new SqliteStateStore(file), names: file };
  },
};

let server: PostgresServer | undefined;
let schemas = 0;
const postgres: Backend = {
  name: 'PostgreSQL',
  async start() {
    server = await startPostgres();
  },
  async stop() {
    await server?.stop();
  },
  fresh() {
    const schema = `suite_${++schemas}`;
    return () => new PostgresStateStore({ url: server!.url, schema });
  },
  async unreachable() {
    const url = `postgres://icetide:s3cret@127.0.0.1:${await closedPort()}/manager`;
    return { open: () => new PostgresStateStore({ url, schema: 'icetide', connectTimeoutMs: 3000 }), names: url.replace(':s3cret@', ':***@'), hides: 's3cret' };
  },
};

describe.each([[sqlite.name, sqlite], [postgres.name, postgres]] as const)('%s state store', (_name, backend) => {
  const opened: StateStore[] = [];
  /** Opens a store and closes it after the suite (tests close early to simulate restarts). */
  const track = (s: StateStore): StateStore => (opened.push(s), s);
  beforeAll(() => backend.start());
  afterAll(async () => {
    for (const s of opened.splice(0)) await s.close();
    await backend.stop();
  });

  it('records runs from start to end, lists them newest first, filtered, and survives a reopen', async () => {
    const open = backend.fresh();
    const s = track(open());
    const a = await s.startRun({ table: 'db.a', job: 'expire', startedAtMs: 1000, owner: 'h:1' });
    expect(a).toEqual({ id: 1, table: 'db.a', job: 'expire', startedAtMs: 1000, result: 'running', filesIn: 0, bytesIn: 0, filesOut: 0, bytesOut: 0, owner: 'h:1' });
    expect(await s.lastRun('db.a', 'expire')).toBeUndefined(); // a running run is not "last"
    const done = await s.finishRun(a.id, { endedAtMs: 1500, result: 'succeeded', filesIn: 4, bytesIn: 4096, filesOut: 1, bytesOut: 1024, summary: 'ok' });
    expect(done).toEqual({ ...a, endedAtMs: 1500, result: 'succeeded', filesIn: 4, bytesIn: 4096, filesOut: 1, bytesOut: 1024, summary: 'ok' });
    const b = await s.startRun({ table: 'db.b', job: 'compact', startedAtMs: 2000, owner: 'h:1' });
    await s.finishRun(b.id, { endedAtMs: 2100, result: 'failed', error: 'boom' });
    await s.startRun({ table: 'db.a', job: 'compact', startedAtMs: 3000, owner: 'h:1' });
    await s.close();

    const r = track(open());
    expect((await r.listRuns()).map((x) => [x.table, x.job, x.result])).toEqual([['db.a', 'compact', 'running'], ['db.b', 'compact', 'failed'], ['db.a', 'expire', 'succeeded']]);
    expect((await r.listRuns({ table: 'db.a', limit: 1 })).map((x) => x.job)).toEqual(['compact']);
    expect((await r.listRuns({ job: 'compact', result: 'failed' }))[0]).toMatchObject({ error: 'boom', endedAtMs: 2100 });
    expect(await r.listRuns({ table: 'db.a', job: 'compact', result: 'failed' })).toEqual([]);
    expect(await r.lastRun('db.a', 'expire')).toMatchObject({ bytesIn: 4096, bytesOut: 1024, summary: 'ok' });
    expect(await r.lastRun('db.b', 'compact')).toMatchObject({ result: 'failed', error: 'boom' });
  });

  it('lists at most 50 runs unless told otherwise, newest first, and keeps large byte counts exact', async () => {
    const s = track(backend.fresh()());
    for (let i = 0; i < 55; i++) await s.startRun({ table: 'db.t', job: i % 2 ? 'compact' : 'expire', startedAtMs: 10_000 + i, owner: 'h:1' });
    const all = await s.listRuns();
    expect(all).toHaveLength(50);
    expect(all[0]!.startedAtMs).toBe(10_054);
    expect(all.map((r) => r.id)).toEqual([...all.map((r) => r.id)].sort((x, y) => y - x));
    expect(await s.listRuns({ limit: 100 })).toHaveLength(55);
    expect((await s.listRuns({ job: 'compact', limit: 3 })).map((r) => r.startedAtMs)).toEqual([10_053, 10_051, 10_049]);
    expect(await s.listRuns({ result: 'running', limit: 1000 })).toHaveLength(55);
    const big = 5_000_000_000_000; // > 2^32: a BIGINT, returned as a number
    await s.finishRun(all[0]!.id, { endedAtMs: 20_000, result: 'succeeded', bytesIn: big, bytesOut: big - 1 });
    expect(await s.lastRun('db.t', 'expire')).toMatchObject({ bytesIn: big, bytesOut: big - 1, endedAtMs: 20_000 });
  });

  it('sums runs per table, job and result in byte order of the names', async () => {
    const s = track(backend.fresh()());
    const run = async (table: string, job: string, result: 'succeeded' | 'failed' | 'noop', n: number): Promise<void> => {
      const r = await s.startRun({ table, job, startedAtMs: 1, owner: 'h:1' });
      await s.finishRun(r.id, { endedAtMs: 2, result, filesIn: n, bytesIn: n * 100, filesOut: 1, bytesOut: n * 10 });
    };
    await run('db.a', 'expire', 'succeeded', 4);
    await run('db.a', 'expire', 'succeeded', 6);
    await run('db.a', 'expire', 'failed', 0);
    await run('db.B', 'compact', 'noop', 2);
    await s.startRun({ table: 'db.a', job: 'compact', startedAtMs: 3, owner: 'h:1' });
    expect(await s.totals()).toEqual([
      { table: 'db.B', job: 'compact', result: 'noop', runs: 1, filesIn: 2, bytesIn: 200, filesOut: 1, bytesOut: 20 },
      { table: 'db.a', job: 'compact', result: 'running', runs: 1, filesIn: 0, bytesIn: 0, filesOut: 0, bytesOut: 0 },
      { table: 'db.a', job: 'expire', result: 'failed', runs: 1, filesIn: 0, bytesIn: 0, filesOut: 1, bytesOut: 0 },
      { table: 'db.a', job: 'expire', result: 'succeeded', runs: 2, filesIn: 10, bytesIn: 1000, filesOut: 2, bytesOut: 100 },
    ]);
    expect(await track(backend.fresh()()).totals()).toEqual([]);
  });

  it('finishing a run that is not there is a NoSuchRunError', async () => {
    const s = track(backend.fresh()());
    await expect(s.finishRun(42, { endedAtMs: 1, result: 'succeeded' })).rejects.toBeInstanceOf(NoSuchRunError);
  });

  it('after a crash, the restarted manager marks what its host left running as aborted, and only that', async () => {
    const open = backend.fresh();
    const crashed = open();
    const mine1 = await crashed.startRun({ table: 'db.a', job: 'compact', startedAtMs: 1000, owner: 'h:1' });
    const mine2 = await crashed.startRun({ table: 'db.b', job: 'expire', startedAtMs: 1100, owner: 'h:2' });
    const finished = await crashed.startRun({ table: 'db.c', job: 'expire', startedAtMs: 1200, owner: 'h:1' });
    await crashed.finishRun(finished.id, { endedAtMs: 1300, result: 'succeeded' });
    // other hosts, including names that a pattern match would confuse with `h`
    for (const owner of ['h2:3', 'H:4', 'x-h:5', 'hh']) await crashed.startRun({ table: 'db.o', job: 'expire', startedAtMs: 1400, owner });
    await crashed.close(); // the process died: its runs stay `running`

    const restarted = track(open());
    expect(await restarted.abandonRunning('other-host', 4000)).toBe(0);
    expect(await restarted.abandonRunning('h', 4000)).toBe(2);
    expect(await restarted.abandonRunning('h', 5000)).toBe(0); // idempotent
    for (const id of [mine1.id, mine2.id]) {
      expect((await restarted.listRuns({ limit: 100 })).find((r) => r.id === id)).toMatchObject({ result: 'aborted', endedAtMs: 4000, error: 'the manager process stopped during the run' });
    }
    expect((await restarted.listRuns({ table: 'db.c' }))[0]).toMatchObject({ result: 'succeeded', endedAtMs: 1300 });
    expect((await restarted.listRuns({ result: 'running', limit: 100 })).map((r) => r.owner).sort()).toEqual(['H:4', 'h2:3', 'hh', 'x-h:5']);
    // an aborted run is a finished one: the scheduler sees it as the last run
    expect(await restarted.lastRun('db.a', 'compact')).toMatchObject({ id: mine1.id, result: 'aborted' });
  });

  it('two daemons share one store: both see every run, ids never collide, recovery stays on its host', async () => {
    const open = backend.fresh();
    // opened at once on an empty store: creating the schema must not race
    const [a, b] = [track(open()), track(open())];
    await Promise.all([a.open(), b.open()]);
    const started = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? b : a).startRun({ table: `db.t${i % 4}`, job: 'expire', startedAtMs: 1000 + i, owner: i % 2 ? 'host-b:7' : 'host-a:9' })));
    expect(new Set(started.map((r) => r.id)).size).toBe(20);
    // each finishes half of its own; the other daemon sees the result at once
    await Promise.all(started.filter((_, i) => i % 4 < 2).map((r, i) => (r.owner.startsWith('host-b') ? b : a).finishRun(r.id, { endedAtMs: 5000 + i, result: 'succeeded', filesIn: 1, bytesIn: 10 })));
    expect(await a.listRuns({ limit: 100 })).toEqual(await b.listRuns({ limit: 100 }));
    expect((await b.lastRun('db.t0', 'expire'))?.owner).toBe('host-a:9');
    expect(await a.totals()).toEqual(await b.totals());
    // daemon b restarts: it aborts its own leftovers, never a's live runs
    expect(await b.abandonRunning('host-b', 9000)).toBe(5);
    const running = await a.listRuns({ result: 'running', limit: 100 });
    expect(running).toHaveLength(5);
    expect(running.every((r) => r.owner === 'host-a:9')).toBe(true);
  });

  it('an unreachable store is a typed, retriable error naming where it is and what to do', async () => {
    const u = await backend.unreachable();
    const err = await (async () => {
      const s = u.open();
      opened.push(s);
      await s.open();
      await s.listRuns();
    })().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(StateStoreUnavailableError);
    const e = err as StateStoreUnavailableError;
    expect(e.retriable).toBe(true);
    expect(e.message).toContain(u.names);
    expect(e.message).toMatch(/check .*state\.(url|path)/);
    if (u.hides) expect(`${e.message} ${JSON.stringify(e.context)}`).not.toContain(u.hides);
  });
});

describe('PostgreSQL state store: rights and schemas', () => {
  let pg: PostgresServer;
  const stores: StateStore[] = [];
  const open = (url: string, schema: string): StateStore => {
    const s = new PostgresStateStore({ url, schema });
    stores.push(s);
    return s;
  };
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    for (const s of stores.splice(0)) await s.close();
    await pg?.stop();
  });

  it('a user without rights gets an access error with the GRANTs to run; after them it works without CREATE rights', async () => {
    await pg.query('CREATE ROLE limited LOGIN');
    const url = pg.urlFor('limited', 'postgres', 'pw-never-shown');
    const denied = await open(url, 'shared').open().then(() => undefined, (e: unknown) => e);
    expect(denied).toBeInstanceOf(StateStoreAccessError);
    const e = denied as StateStoreAccessError;
    expect(e.retriable).toBe(false);
    expect(e.message).toContain(`postgres://limited:***@127.0.0.1:${pg.port}/postgres`);
    expect(e.message).not.toContain('pw-never-shown');
    expect(e.message).toMatch(/limited lacks rights .*permission denied for database postgres/);
    expect(e.message).toContain('GRANT USAGE ON SCHEMA "shared" TO "limited"; GRANT SELECT, INSERT, UPDATE ON "shared".manager_runs TO "limited"');
    expect(e.context).toMatchObject({ sqlstate: '42501', schema: 'shared' });

    // an administrator prepares the schema once (by opening a store) and grants what it says
    await open(pg.url, 'shared').open();
    await pg.query('GRANT USAGE ON SCHEMA shared TO limited');
    await pg.query('GRANT SELECT, INSERT, UPDATE ON shared.manager_runs TO limited');
    const s = open(url, 'shared');
    const r = await s.startRun({ table: 'db.a', job: 'expire', startedAtMs: 1, owner: 'h:1' });
    await s.finishRun(r.id, { endedAtMs: 2, result: 'noop' });
    expect(await s.abandonRunning('h', 3)).toBe(0);
    expect((await s.listRuns()).map((x) => x.result)).toEqual(['noop']);
  });

  it('a missing database is an access error that says to create it', async () => {
    const err = await open(pg.urlFor('postgres', 'nowhere'), 'icetide').listRuns().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(StateStoreAccessError);
    expect((err as Error).message).toMatch(/database "nowhere" does not exist; create it/);
  });

  it('each schema holds its own history, and opening creates it only once', async () => {
    const a = open(pg.url, 'team_a');
    const b = open(pg.url, 'team_b');
    await a.startRun({ table: 'db.a', job: 'expire', startedAtMs: 1, owner: 'h:1' });
    expect(await b.listRuns()).toEqual([]);
    await a.open();
    await open(pg.url, 'team_a').open(); // an existing schema: no DDL, no error
    const tables = await pg.query("SELECT table_schema FROM information_schema.tables WHERE table_name = 'manager_runs' ORDER BY 1");
    expect(tables.rows.map((t: { table_schema: string }) => t.table_schema)).toEqual(expect.arrayContaining(['team_a', 'team_b']));
    expect(() => new PostgresStateStore({ url: pg.url, schema: 'Bad-Name' })).toThrow(/state\.schema/);
  });
});
