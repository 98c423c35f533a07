/**
 * A private MariaDB server for the MySQL connector tests: a fresh datadir in a temp directory,
 * binlog on (ROW, FULL image, FULL metadata), a free port on 127.0.0.1, stopped and removed
 * afterwards. Never skips: when the binaries are missing the test fails naming the Debian
 * packages to install.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { freePort } from './free-port.js';

export interface MariaDbServer {
  readonly host: string;
  readonly port: number;
  readonly dir: string;
  /** `mysql://root@127.0.0.1:PORT` (root has no password). */
  readonly url: string;
  query(sql: string, params?: unknown[]): Promise<unknown>;
  /** Kills (SIGKILL) and starts the server again on the same port and datadir. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface MariaDbOptions {
  /** Extra mariadbd arguments (e.g. `--binlog-format=STATEMENT`, `--skip-log-bin`). */
  readonly extraArgs?: readonly string[];
  /** Binlog on (default true). */
  readonly binlog?: boolean;
}

const PACKAGES = 'mariadb-server mariadb-client';

function findBinary(name: string, alternatives: readonly string[]): string {
  for (const n of [name, ...alternatives]) {
    for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin', ...(process.env.PATH ?? '').split(':')]) {
      const p = path.join(dir, n);
      if (fs.existsSync(p)) return p;
    }
  }
  throw new Error(`${name} not found: the MySQL connector tests start a private MariaDB server; install the Debian packages ${PACKAGES} (apt-get install ${PACKAGES})`);
}


async function waitReady(port: number, child: ChildProcess, log: string, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mariadbd exited with ${child.exitCode}:\n${fs.existsSync(log) ? fs.readFileSync(log, 'utf8').slice(-3000) : ''}`);
    try {
      const c = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root' });
      await c.end();
      return;
    } catch {
      if (Date.now() - t0 > timeoutMs) throw new Error(`mariadbd did not accept connections on ${port} within ${timeoutMs} ms:\n${fs.existsSync(log) ? fs.readFileSync(log, 'utf8').slice(-3000) : ''}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export async function startMariaDb(o: MariaDbOptions = {}): Promise<MariaDbServer> {
  const installDb = findBinary('mariadb-install-db', ['mysql_install_db']);
  const mariadbd = findBinary('mariadbd', ['mysqld']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'icetide-mariadb-'));
  const datadir = path.join(dir, 'data');
  const init = spawnSync(installDb, ['--no-defaults', `--datadir=${datadir}`, '--auth-root-authentication-method=normal', '--skip-test-db', `--user=${os.userInfo().username}`], { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`mariadb-install-db failed (${init.status}): ${init.stderr}\n${init.stdout}`);
  const port = await freePort();
  const log = path.join(dir, 'error.log');
  const args = [
    '--no-defaults', `--datadir=${datadir}`, `--port=${port}`, `--socket=${path.join(dir, 'sock')}`, '--bind-address=127.0.0.1',
    `--log-error=${log}`, `--pid-file=${path.join(dir, 'pid')}`, '--server-id=1', '--innodb-buffer-pool-size=64M',
    '--innodb-flush-log-at-trx-commit=2', '--sync-binlog=0', '--character-set-server=utf8mb4', '--collation-server=utf8mb4_unicode_ci',
    ...(o.binlog === false ? [] : [`--log-bin=${path.join(dir, 'binlog')}`, '--binlog-format=ROW', '--binlog-row-image=FULL', '--binlog-row-metadata=FULL']),
    ...(os.userInfo().uid === 0 ? ['--user=root'] : []),
    ...(o.extraArgs ?? []),
  ];
  let child: ChildProcess;
  const launch = async (): Promise<void> => {
    child = spawn(mariadbd, args, { stdio: 'ignore' });
    await waitReady(port, child, log);
  };
  await launch();
  const pool = (): mysql.Pool => mysql.createPool({ host: '127.0.0.1', port, user: 'root', connectionLimit: 4, multipleStatements: true, supportBigNumbers: true, bigNumberStrings: true, dateStrings: true });
  let p = pool();
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };
  return {
    host: '127.0.0.1',
    port,
    dir,
    url: `mysql://root@127.0.0.1:${port}`,
    async query(sql, params) {
      const [rows] = await p.query(sql, params);
      return rows;
    },
    async restart() {
      await p.end().catch(() => undefined);
      await kill();
      await launch();
      p = pool();
    },
    async stop() {
      await p.end().catch(() => undefined);
      await kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
