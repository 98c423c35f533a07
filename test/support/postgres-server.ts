/**
 * A private PostgreSQL server for the state store tests: a fresh cluster (initdb, trust auth,
 * superuser `postgres`) in a temp directory, a free port on 127.0.0.1, its socket in that
 * directory, stopped and removed afterwards. No running server is used. Never skips: when the
 * binaries are missing the test fails naming the Debian package to install.
 *
 * initdb and postgres refuse to run as root; as root (CI) both run as the `postgres` OS user
 * that the Debian package creates, through spawn's uid/gid (no su wrapper, so a signal to the
 * child reaches postgres itself).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';

export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  readonly dir: string;
  /** `postgres://postgres@127.0.0.1:PORT/postgres` (trust auth: no password). */
  readonly url: string;
  /** `url` with another user and database (the password is ignored under trust auth). */
  urlFor(user: string, database?: string, password?: string): string;
  /** Runs SQL as the superuser. */
  query(sql: string, params?: unknown[]): Promise<pg.QueryResult>;
  /** Shuts the server down (fast: clients are disconnected), keeping its data and port. */
  pause(): Promise<void>;
  /** Starts it again after `pause()`, on the same port and data. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

const PACKAGE = 'postgresql-15';

/** The newest /usr/lib/postgresql/<major>/bin holding `name` (Debian puts no server binary on PATH). */
function findBinary(name: string): string {
  const root = '/usr/lib/postgresql';
  const majors = fs.existsSync(root) ? fs.readdirSync(root).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const dir of [...majors.map((m) => path.join(root, m, 'bin')), ...(process.env.PATH ?? '').split(':')]) {
    const p = path.join(dir, name);
    if (fs.existsSync(p)) return p;
  }
  throw new Error(`${name} not found: the state store tests start a private PostgreSQL server; install the Debian package ${PACKAGE} (apt-get install ${PACKAGE})`);
}

/** As root, the ids of the `postgres` OS user to run the server as; otherwise none. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number => {
    const r = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`running as root, and there is no "postgres" OS user to run PostgreSQL as (initdb refuses root): install the Debian package ${PACKAGE}, which creates it`);
    return Number(r.stdout.trim());
  };
  return { uid: id('-u'), gid: id('-g') };
}


const tail = (log: string): string => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').slice(-3000) : '');

async function waitReady(url: string, child: ChildProcess, log: string, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}:\n${tail(log)}`);
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    try {
      await c.connect();
      await c.query('SELECT 1');
      await c.end();
      return;
    } catch {
      await c.end().catch(() => undefined);
      if (Date.now() - t0 > timeoutMs) throw new Error(`postgres did not accept connections at ${url} within ${timeoutMs} ms:\n${tail(log)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export async function startPostgres(): Promise<PostgresServer> {
  const initdb = findBinary('initdb');
  const postgres = findBinary('postgres');
  const user = serverUser();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'icetide-pg-'));
  if (user) fs.chownSync(dir, user.uid, user.gid);
  const data = path.join(dir, 'data');
  const init = spawnSync(initdb, ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--no-instructions'], { encoding: 'utf8', ...user });
  if (init.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.status ?? init.signal}): ${init.stderr}\n${init.stdout}`);
  }
  const port = await freePort();
  const log = path.join(dir, 'server.log');
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | undefined;
  // a test process that dies must not leave a server behind
  const killOnExit = (): void => void child?.kill('SIGKILL');
  process.once('exit', killOnExit);
  const launch = async (): Promise<void> => {
    const logFd = fs.openSync(log, 'a');
    // durability off: a test cluster is thrown away, and fsync would only slow the suite
    const c = spawn(postgres, [
      '-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1',
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=50',
    ], { stdio: ['ignore', logFd, logFd], ...user });
    fs.closeSync(logFd);
    child = c;
    await waitReady(url, c, log);
  };
  const shutdown = async (): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGINT'); // "fast shutdown": disconnects clients instead of waiting for them
    const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit);
    await shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await launch();
  } catch (err) {
    await stop();
    throw err;
  }
  const admin = new pg.Pool({ connectionString: url, max: 2 });
  admin.on('error', () => undefined);
  return {
    host: '127.0.0.1',
    port,
    dir,
    url,
    urlFor: (name, database = 'postgres', password) => `postgres://${encodeURIComponent(name)}${password !== undefined ? `:${encodeURIComponent(password)}` : ''}@127.0.0.1:${port}/${database}`,
    query: (sql, params) => admin.query(sql, params),
    pause: shutdown,
    resume: launch,
    async stop() {
      await admin.end().catch(() => undefined);
      await stop();
    },
  };
}
