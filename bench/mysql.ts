/**
 * MySQL connector throughput against a private MariaDB (test/support/mariadb-server.ts):
 * - full load: raw mysql2 stream of `SELECT *` vs the source's snapshot (chunked keyset reads,
 *   decoding to Iceberg values) vs the whole pipeline into Iceberg (snapshot only);
 * - CDC: raw zongji decode of the row events vs the source's binlog phase (grouping, decoding).
 * Run: npx tsx bench/mysql.ts [rows] [runs]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2';
import ZongJi from '@vlasky/zongji';
import { createMySqlSource } from '../connectors/mysql/index.js';
import { parsePipelineConfig } from '../src/pipeline/config-loader.js';
import { buildPipeline } from '../src/pipeline/pipeline-builder.js';
import { startMariaDb, type MariaDbServer } from '../test/support/mariadb-server.js';
import { printTable, stats, writeResults } from './bench-stats.js';

const ROWS = Number(process.argv[2] ?? 200_000);
const RUNS = Number(process.argv[3] ?? 3);

const DDL = `CREATE TABLE bench.t (id BIGINT PRIMARY KEY, a INT, b INT UNSIGNED, c DECIMAL(12,2), d DOUBLE, e VARCHAR(40),
  f DATETIME(3), g TIMESTAMP NULL, h DATE, i TEXT, j VARBINARY(16), k ENUM('x','y','z'))`;
const FILL = `INSERT INTO bench.t SELECT seq, seq % 1000, seq, seq / 100, seq / 7, CONCAT('name-', seq), '2020-01-01' + INTERVAL seq SECOND,
  FROM_UNIXTIME(1600000000 + seq), '2000-01-01' + INTERVAL (seq % 9000) DAY, REPEAT('t', seq % 30), UNHEX(HEX(seq)), ELT(1 + seq % 3, 'x', 'y', 'z')
  FROM (SELECT CAST(seq AS SIGNED) AS seq FROM bench.seq_1_to_${ROWS}) q`;

function yaml(s: MariaDbServer, warehouse: string, source: string): string {
  return `pipeline-id: bench\nsource:\n  type: mysql\n  host: 127.0.0.1\n  port: ${s.port}\n  user: root\n  heartbeat-interval-ms: 200\n${source}\ntables:\n  - source: bench.t\ntarget:\n  warehouse: ${warehouse}\n  namespace: bench\n`;
}

async function rawSelect(s: MariaDbServer): Promise<number> {
  const c = mysql.createConnection({ host: '127.0.0.1', port: s.port, user: 'root', dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
  let n = 0;
  for await (const row of c.query('SELECT * FROM bench.t').stream({ highWaterMark: 1000 })) if (row) n++;
  c.end();
  return n;
}

async function sourceSnapshot(s: MariaDbServer): Promise<number> {
  const src = createMySqlSource(parsePipelineConfig(yaml(s, '/tmp/unused', '  snapshot: { mode: initial-only }'), 'b.yaml', {}));
  await src.discover();
  let n = 0;
  for await (const b of src.read(undefined, { signal: new AbortController().signal, untilDrained: true })) n += b.events.length;
  return n;
}

async function pipelineSnapshot(s: MariaDbServer): Promise<number> {
  const wh = fs.mkdtempSync(path.join(os.tmpdir(), 'icetide-bench-'));
  try {
    const config = parsePipelineConfig(yaml(s, wh, '  snapshot: { mode: initial-only }'), 'b.yaml', {});
    const { runner } = await buildPipeline(config);
    const r = await runner.run({ once: true, signal: new AbortController().signal, commitIntervalMs: 10_000, commitMaxRows: 100_000 });
    return r.events;
  } finally {
    fs.rmSync(wh, { recursive: true, force: true });
  }
}

interface Z { on(e: string, f: (x: { getEventName(): string; rows?: unknown[] }) => void): void; start(o: object): void; stop(): void }

async function rawZongji(s: MariaDbServer, at: { file: string; pos: number }, expected: number): Promise<number> {
  const zj = new (ZongJi as unknown as new (o: object) => Z)({ host: '127.0.0.1', port: s.port, user: 'root', dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, timezone: 'Z' });
  let n = 0;
  await new Promise<void>((resolve, reject) => {
    zj.on('binlog', (e) => {
      if (e.getEventName() === 'updaterows') n += e.rows!.length;
      if (n >= expected) resolve();
    });
    zj.on('error', (e) => reject(e as unknown as Error));
    zj.start({ serverId: 777, filename: at.file, position: at.pos, includeEvents: ['tablemap', 'updaterows', 'rotate', 'xid'], includeSchema: { bench: ['t'] } });
  });
  zj.stop();
  return n;
}

async function sourceBinlog(s: MariaDbServer, at: { file: string; pos: number }): Promise<number> {
  const src = createMySqlSource(parsePipelineConfig(yaml(s, '/tmp/unused', `  from: position ${at.file}:${at.pos}`), 'b.yaml', {}));
  await src.discover();
  let n = 0;
  for await (const b of src.read(undefined, { signal: new AbortController().signal, untilDrained: true })) n += b.events.length;
  return n;
}

async function time(f: () => Promise<number>): Promise<{ n: number; s: number }> {
  const t0 = performance.now();
  const n = await f();
  return { n, s: (performance.now() - t0) / 1000 };
}

const server = await startMariaDb();
try {
  await server.query('CREATE DATABASE bench');
  await server.query(DDL);
  await server.query(FILL);
  const head = ((await server.query('SHOW MASTER STATUS')) as { File: string; Position: number }[])[0]!;
  const at = { file: head.File, pos: Number(head.Position) };
  for (let i = 0; i < ROWS; i += 50_000) await server.query(`UPDATE bench.t SET a = a + 1, e = CONCAT(e, '!') WHERE id > ${i} AND id <= ${i + 50_000}`);
  const cases: [string, () => Promise<number>][] = [
    ['full load: raw mysql2 stream', () => rawSelect(server)],
    ['full load: source snapshot (decoded)', () => sourceSnapshot(server)],
    ['full load: pipeline into Iceberg', () => pipelineSnapshot(server)],
    ['CDC: raw zongji decode', () => rawZongji(server, at, ROWS)],
    ['CDC: source binlog (grouped, decoded)', () => sourceBinlog(server, at)],
  ];
  const rows: Record<string, string | number>[] = [];
  const all: Record<string, number[]> = {};
  for (const [name, f] of cases) {
    const rates: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const { n, s } = await time(f);
      if (n !== ROWS) throw new Error(`${name}: ${n} rows, expected ${ROWS}`);
      rates.push(n / s);
    }
    all[name] = rates;
    const st = stats(rates);
    rows.push({ case: name, 'rows/s median': Math.round(st.median), 'rows/s max': Math.round(st.max) });
  }
  printTable(rows);
  console.log(`results: ${writeResults('mysql', { rows: ROWS, runs: RUNS, all, table: rows })}`);
} finally {
  await server.stop();
}
