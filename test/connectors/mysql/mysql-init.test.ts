import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import type { Output } from '../../../src/cli/output.js';
import { parsePipelineConfig } from '../../../src/pipeline/config-loader.js';
import { buildPipeline } from '../../../src/pipeline/pipeline-builder.js';
import { startMariaDb, type MariaDbServer } from '../../support/mariadb-server.js';
import { useTempDir } from '../../support/temp-dir.js';

let server: MariaDbServer;

beforeAll(async () => {
  server = await startMariaDb();
  await server.query("CREATE DATABASE shop; CREATE TABLE shop.orders (id BIGINT PRIMARY KEY, created DATETIME, total DECIMAL(10,2)); CREATE TABLE shop.audit (msg TEXT, created DATE); CREATE TABLE shop.other (id INT PRIMARY KEY)");
  await server.query("INSERT INTO shop.orders VALUES (1, '2026-01-01 10:00:00', 9.99); INSERT INTO shop.audit VALUES ('hi', '2026-01-01')");
  await server.query("CREATE USER 'cdc'@'%' IDENTIFIED BY 's3cret-pw'; GRANT SELECT, RELOAD, REPLICATION SLAVE, REPLICATION CLIENT, BINLOG MONITOR ON *.* TO 'cdc'@'%'");
});

afterAll(async () => {
  await server?.stop();
});

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const output: Output = { out: (s) => (out += s), err: (s) => (err += s) };
  const code = await main(['node', 'icetide', ...args], output);
  return { code, out, err };
}

describe('icetide init mysql://', () => {
  const tempDir = useTempDir();

  it('writes a runnable pipeline: upsert v2 for keyed tables, append v1 otherwise, day partitions; never prints the password', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'p.yaml');
    const r = await cli(['init', `mysql://cdc:s3cret-pw@127.0.0.1:${server.port}/shop`, '--tables', 'orders|audit', '--warehouse', path.join(dir, 'wh'), '--out', out, '--partition-by-date', 'created']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('shop.orders: upsert (v2, primary key), partitioned by day');
    expect(r.out).toContain('shop.audit: append (v1, no primary key), partitioned by day');
    expect(r.out).toContain('binlog settings ok');
    const yaml = fs.readFileSync(out, 'utf8');
    expect(`${r.out}${yaml}`).not.toContain('s3cret-pw');
    expect(yaml).toContain('password: ${MYSQL_PASSWORD}');
    expect(yaml).not.toContain('shop.other');
    const config = parsePipelineConfig(yaml, out, { MYSQL_PASSWORD: 's3cret-pw' });
    const { runner } = await buildPipeline(config);
    const stats = await runner.run({ once: true, signal: new AbortController().signal, commitIntervalMs: 1000, commitMaxRows: 1000 });
    expect(stats.events).toBe(2);
  });

  it('says exactly which binlog settings to change', async () => {
    await server.query("SET GLOBAL binlog_row_image = 'MINIMAL'");
    try {
      const dir = tempDir();
      const r = await cli(['init', `mysql://root@127.0.0.1:${server.port}/shop`, '--out', path.join(dir, 'p.yaml')]);
      expect(r.code).toBe(1); // a scheduler or script must not go on to ingest
      const check = await cli(['init', `mysql://root@127.0.0.1:${server.port}/shop`, '--check', '--out', path.join(dir, 'q.yaml')]);
      expect(check.code).toBe(1);
      expect(check.err).toContain('binlog_row_image is MINIMAL');
      expect(fs.existsSync(path.join(dir, 'q.yaml'))).toBe(false);
      expect(r.err).toContain("binlog_row_image is MINIMAL, CDC needs whole rows: SET GLOBAL binlog_row_image = 'FULL'");
      expect(fs.readFileSync(path.join(dir, 'p.yaml'), 'utf8')).toContain('# FIX BEFORE RUNNING: binlog_row_image is MINIMAL');
    } finally {
      await server.query("SET GLOBAL binlog_row_image = 'FULL'");
    }
  });

  it('reads the password from $MYSQL_PASSWORD when the URL has none; --check on a ready server exits 0 and writes nothing', async () => {
    const dir = tempDir();
    process.env['MYSQL_PASSWORD'] = 's3cret-pw';
    try {
      const check = await cli(['init', `mysql://cdc@127.0.0.1:${server.port}/shop`, '--check', '--out', path.join(dir, 'p.yaml')]);
      expect(check.err).toBe('');
      expect(check.code).toBe(0);
      expect(check.out).toContain('binlog settings ok');
      expect(fs.existsSync(path.join(dir, 'p.yaml'))).toBe(false);
      const r = await cli(['init', `mysql://cdc@127.0.0.1:${server.port}/shop`, '--tables', 'orders', '--out', path.join(dir, 'p.yaml')]);
      expect(r.code).toBe(0);
      const yaml = fs.readFileSync(path.join(dir, 'p.yaml'), 'utf8');
      expect(yaml).toContain('password: ${MYSQL_PASSWORD}');
      expect(`${r.out}${yaml}`).not.toContain('s3cret-pw');
    } finally {
      delete process.env['MYSQL_PASSWORD'];
    }
  });

  it('a wrong URL names the part at fault, before the output file is looked at', async () => {
    const existing = path.join(tempDir(), 'p.yaml');
    fs.writeFileSync(existing, 'x');
    const scheme = await cli(['init', 'postgres://cdc@127.0.0.1/shop', '--out', existing]);
    expect(scheme.code).toBe(2);
    expect(scheme.err).toMatch(/^icetide: the URL scheme is postgres:\/\/, expected mysql:\/\//);
    const port = await cli(['init', 'mysql://cdc:pw-x@127.0.0.1:33o6/shop', '--out', existing]);
    expect(port.err).toMatch(/the PORT "33o6" is not a number/);
    expect(port.err).not.toContain('pw-x');
    expect((await cli(['init', 'mysql://127.0.0.1/shop', '--out', existing])).err).toMatch(/has no USER/);
    expect((await cli(['init', `mysql://cdc@127.0.0.1:${server.port}/shop`, '--out', existing])).err).toMatch(/exists: use --force/);
  });

  it('wrong password: exit 2 with the fix, the password not shown', async () => {
    const r = await cli(['init', `mysql://cdc:wrong-pw@127.0.0.1:${server.port}/shop`, '--out', path.join(tempDir(), 'p.yaml')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/access denied/);
    expect(r.err).not.toContain('wrong-pw');
  });
});
