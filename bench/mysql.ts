/**
 * MySQL connector throughput and freshness against a private MariaDB (test/support/mariadb-server.ts):
 * - full load of `bench.t` (12 columns): raw reads of the same table (mysql2 query stream that
 *   discards rows; `mariadb --quick -e 'SELECT ...' > /dev/null`) vs the source's snapshot
 *   (chunked keyset reads, decoded to Iceberg values) vs the whole pipeline into Iceberg;
 * - CDC: `cdc-events` binlog row events (multi-row UPDATE transactions of 1,000 rows, plus 10%
 *   single-row INSERT/UPDATE transactions): raw zongji decode vs the source's binlog phase vs the
 *   pipeline into an upsert table;
 * - freshness: a writer commits ~2k rows/s in small transactions into `bench.f` while the
 *   pipeline runs in-process with a 1 s commit interval; per row, the Iceberg snapshot's
 *   timestamp-ms minus the client's commit time (when COMMIT returned) of that row.
 * Each measurement runs `runs` times in one process (the machine is shared: compare the ratios
 * of one run); peak RSS is sampled every 50 ms during each case.
 * Run: npx tsx bench/mysql.ts [rows=2000000] [cdc-events=1000000] [runs=3] [freshness-seconds=40] [case-regex]
 * (freshness-seconds 0 skips freshness; case-regex runs only the matching cases, e.g. to profile:
 * npx tsx bench/mysql.ts 200000 200000 1 0 'pipeline'; with BENCH_CPU_PROFILE=DIR each case of the first
 * run writes DIR/<case>.cpuprofile, covering that case only, not the setup)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2';
import mysqlPromise from 'mysql2/promise';
import ZongJi from '@vlasky/zongji';
import { createMySqlSource } from '../connectors/mysql/index.js';
import type { Snapshot } from '../src/iceberg/spec/snapshot.js';
import type { Table } from '../src/iceberg/table.js';
import { readParquetRows } from '../src/parquet/index.js';
import { parsePipelineConfig } from '../src/pipeline/config-loader.js';
import { buildPipeline } from '../src/pipeline/pipeline-builder.js';
import { startMariaDb, type MariaDbServer } from '../test/support/mariadb-server.js';
import { headlineRow, medianMin, pairedRatios, printTable, reference, report, stats, writeResults, type BenchRow } from './bench-stats.js';

const ROWS = Number(process.argv[2] ?? 2_000_000);
const CDC_EVENTS = Number(process.argv[3] ?? 1_000_000);
const RUNS = Number(process.argv[4] ?? 3);
const FRESHNESS_S = Number(process.argv[5] ?? 40);
const ONLY = new RegExp(process.argv[6] ?? '');
/** Rows per multi-row CDC transaction; 10% of the events are single-row transactions. */
const MULTI_ROWS = 1_000;
/** `snapshot.parallelism` of the full-load cases (BENCH_PARALLELISM). */
const PARALLELISM = Number(process.env.BENCH_PARALLELISM ?? 1);
const FRESH_ROWS_PER_S = 2_000;

const DDL = `CREATE TABLE bench.t (id BIGINT PRIMARY KEY, a INT, b INT UNSIGNED, c DECIMAL(12,2), d DOUBLE, e VARCHAR(40),
  f DATETIME(3), g TIMESTAMP NULL, h DATE, i TEXT, j VARBINARY(16), k ENUM('x','y','z'))`;
const fill = (from: number, to: number): string => `INSERT INTO bench.t SELECT seq, seq % 1000, seq, seq / 100, seq / 7, CONCAT('name-', seq), '2020-01-01' + INTERVAL seq SECOND,
  FROM_UNIXTIME(1600000000 + seq), '2000-01-01' + INTERVAL (seq % 9000) DAY, REPEAT('t', seq % 30), UNHEX(HEX(seq)), ELT(1 + seq % 3, 'x', 'y', 'z')
  FROM (SELECT CAST(seq AS SIGNED) AS seq FROM bench.seq_${from}_to_${to}) q`;

function yaml(s: MariaDbServer, warehouse: string, source: string, table = 'bench.t'): string {
  return `pipeline-id: bench\nsource:\n  type: mysql\n  host: 127.0.0.1\n  port: ${s.port}\n  user: root\n  heartbeat-interval-ms: 200\n${process.env.BENCH_SOURCE_EXTRA ?? ''}${source}\ntables:\n  - source: ${table}\n${process.env.BENCH_TABLE_PROPS ? `    properties: ${process.env.BENCH_TABLE_PROPS}\n` : ''}target:\n  warehouse: ${warehouse}\n  namespace: bench\n`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function tempWarehouse(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'icetide-bench-'));
}

// ---------------------------------------------------------------- full load

async function rawSelect(s: MariaDbServer): Promise<number> {
  const c = mysql.createConnection({ host: '127.0.0.1', port: s.port, user: 'root', dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
  let n = 0;
  for await (const row of c.query('SELECT * FROM bench.t').stream({ highWaterMark: 1000 })) if (row) n++;
  c.end();
  return n;
}

async function rawCli(s: MariaDbServer, rows: number): Promise<number> {
  const out = fs.openSync('/dev/null', 'w');
  try {
    const child = spawn('mariadb', ['--quick', '-h', '127.0.0.1', '-P', String(s.port), '-u', 'root', '-e', 'SELECT * FROM bench.t'], { stdio: ['ignore', out, 'inherit'] });
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    if (code !== 0) throw new Error(`mariadb --quick exited with ${code}`);
  } finally {
    fs.closeSync(out);
  }
  return rows; // the client printed every row (exit 0); it does not count them for us
}

async function sourceSnapshot(s: MariaDbServer): Promise<number> {
  const src = createMySqlSource(parsePipelineConfig(yaml(s, '/tmp/unused', `  snapshot: { mode: initial-only, parallelism: ${PARALLELISM} }`), 'b.yaml', {}));
  await src.discover();
  let n = 0;
  for await (const b of src.read(undefined, { signal: new AbortController().signal, untilDrained: true })) n += b.events.length + (b.inserts?.length ?? 0);
  return n;
}

async function pipelineSnapshot(s: MariaDbServer): Promise<number> {
  const wh = tempWarehouse();
  try {
    const config = parsePipelineConfig(yaml(s, wh, `  snapshot: { mode: initial-only, parallelism: ${PARALLELISM} }`), 'b.yaml', {});
    const { runner } = await buildPipeline(config);
    const r = await runner.run({ once: true, signal: new AbortController().signal, commitIntervalMs: 10_000, commitMaxRows: 1_000_000 });
    return r.events;
  } finally {
    fs.rmSync(wh, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- CDC

interface Z { on(e: string, f: (x: { getEventName(): string; rows?: unknown[] }) => void): void; start(o: object): void; stop(): void }

async function rawZongji(s: MariaDbServer, at: { file: string; pos: number }, expected: number): Promise<number> {
  const zj = new (ZongJi as unknown as new (o: object) => Z)({ host: '127.0.0.1', port: s.port, user: 'root', dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, timezone: 'Z' });
  let n = 0;
  await new Promise<void>((resolve, reject) => {
    zj.on('binlog', (e) => {
      const name = e.getEventName();
      if (name === 'updaterows' || name === 'writerows' || name === 'deleterows') n += e.rows!.length;
      if (n >= expected) resolve();
    });
    zj.on('error', (e) => reject(e as unknown as Error));
    zj.start({ serverId: 777, filename: at.file, position: at.pos, includeEvents: ['tablemap', 'writerows', 'updaterows', 'deleterows', 'rotate', 'xid'], includeSchema: { bench: ['t'] } });
  });
  zj.stop();
  return n;
}

async function sourceBinlog(s: MariaDbServer, at: { file: string; pos: number }): Promise<number> {
  const src = createMySqlSource(parsePipelineConfig(yaml(s, '/tmp/unused', `  from: position ${at.file}:${at.pos}`), 'b.yaml', {}));
  await src.discover();
  let n = 0;
  for await (const b of src.read(undefined, { signal: new AbortController().signal, untilDrained: true })) n += b.events.length + (b.inserts?.length ?? 0);
  return n;
}

async function pipelineBinlog(s: MariaDbServer, at: { file: string; pos: number }): Promise<number> {
  const wh = tempWarehouse();
  try {
    const config = parsePipelineConfig(yaml(s, wh, `  from: position ${at.file}:${at.pos}`), 'b.yaml', {});
    const { runner } = await buildPipeline(config);
    const r = await runner.run({ once: true, signal: new AbortController().signal, commitIntervalMs: 10_000, commitMaxRows: 100_000 });
    return r.events;
  } finally {
    fs.rmSync(wh, { recursive: true, force: true });
  }
}

/** The CDC workload: multi-row UPDATE transactions, each followed by a few single-row INSERT/UPDATE ones. */
async function writeCdcWorkload(s: MariaDbServer): Promise<number> {
  const singles = Math.floor(CDC_EVENTS / 10);
  const multi = CDC_EVENTS - singles;
  const perBlock = Math.ceil(singles / Math.ceil(multi / MULTI_ROWS));
  let events = 0;
  let single = 0;
  for (let done = 0; done < multi; done += MULTI_ROWS) {
    const n = Math.min(MULTI_ROWS, multi - done);
    const lo = done % Math.max(1, ROWS - n);
    await s.query(`UPDATE bench.t SET a = a + 1, d = d + 1 WHERE id > ${lo} AND id <= ${lo + n}`);
    events += n;
    // Single-row transactions, sent in one round trip (each statement its own autocommit transaction).
    const stmts: string[] = [];
    for (; single < singles && stmts.length < perBlock; single++) {
      const j = single;
      stmts.push(j % 2 === 0 ? `INSERT INTO bench.t (id, a, e) VALUES (${ROWS + 1 + j}, ${j}, 'single-${j}')` : `UPDATE bench.t SET a = a + 1 WHERE id = ${1 + ((j * 7919) % ROWS)}`);
    }
    if (stmts.length > 0) await s.query(stmts.join(';'));
    events += stmts.length;
  }
  return events;
}

// ---------------------------------------------------------------- freshness

interface Freshness { rows: number; commits: number; p50: number; p99: number; max: number }

/** The data files a snapshot added, and the `id` values in them. */
async function idsAddedBy(table: Table, snap: Snapshot): Promise<number[]> {
  const ids: number[] = [];
  for (const e of await table.entries(snap.snapshotId)) {
    if (e.snapshotId !== snap.snapshotId || e.status !== 'added' || e.dataFile.content !== 'data') continue;
    for await (const rows of readParquetRows(table.io, e.dataFile.filePath, table.schema())) for (const r of rows) ids.push(Number(r.id as bigint));
  }
  return ids;
}

async function freshness(s: MariaDbServer, run: number): Promise<Freshness> {
  const name = `f${run}`;
  await s.query(`CREATE TABLE bench.${name} (id BIGINT PRIMARY KEY, v VARCHAR(40), ts BIGINT)`);
  const head = ((await s.query('SHOW MASTER STATUS')) as { File: string; Position: number }[])[0]!;
  const wh = tempWarehouse();
  const writer = await mysqlPromise.createConnection({ host: '127.0.0.1', port: s.port, user: 'root' });
  try {
    const config = parsePipelineConfig(yaml(s, wh, `  from: position ${head.File}:${head.Position}`, `bench.${name}`), 'b.yaml', {});
    const { runner, writers } = await buildPipeline(config);
    const snapshots: Snapshot[] = [];
    const ac = new AbortController();
    const running = runner.run({ once: false, signal: ac.signal, commitIntervalMs: 1_000, commitMaxRows: 100_000, onTableCommit: (_t, st) => snapshots.push(st.snapshot) });
    running.catch(() => undefined);
    await sleep(1_000); // the binlog connection is up
    // Client-side commit time of each id: when its autocommit INSERT returned.
    const committedAt: number[] = [0];
    const t0 = Date.now();
    let id = 0;
    let tx = 0;
    while (Date.now() - t0 < FRESHNESS_S * 1000) {
      const due = Math.floor(((Date.now() - t0) * FRESH_ROWS_PER_S) / 1000);
      if (id >= due) {
        await sleep(1);
        continue;
      }
      // Small transactions: 1..9 rows (5 on average, ~400 transactions/s).
      const n = 1 + (tx++ % 9);
      const values = Array.from({ length: n }, (_v, k) => `(${id + 1 + k}, 'row-${id + 1 + k}', ${Date.now()})`);
      await writer.query(`INSERT INTO bench.${name} VALUES ${values.join(',')}`);
      const now = Date.now();
      for (let k = 0; k < n; k++) committedAt[++id] = now;
    }
    const written = id;
    // Let the pipeline commit the tail, then stop it.
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && snapshots.reduce((n, sn) => n + Number(sn.summary['added-records'] ?? 0), 0) < written) await sleep(100);
    ac.abort();
    await running;
    const table = writers[0]!.table;
    await table.refresh();
    const latencies: number[] = [];
    for (const snap of snapshots) for (const i of await idsAddedBy(table, snap)) latencies.push(snap.timestampMs - committedAt[i]!);
    if (latencies.length !== written) throw new Error(`freshness: ${latencies.length} rows committed to Iceberg, ${written} written`);
    latencies.sort((a, b) => a - b);
    const q = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
    return { rows: written, commits: snapshots.length, p50: q(0.5), p99: q(0.99), max: latencies[latencies.length - 1]! };
  } finally {
    await writer.end();
    fs.rmSync(wh, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- driver

const PROFILE_DIR = process.env.BENCH_CPU_PROFILE;
const inspector = PROFILE_DIR ? new Session() : undefined;
inspector?.connect();

/** Runs `f` under the CPU profiler (BENCH_CPU_PROFILE) and writes its profile. */
async function profiled<T>(name: string, f: () => Promise<T>): Promise<T> {
  if (!inspector || !PROFILE_DIR) return f();
  await inspector.post('Profiler.enable');
  await inspector.post('Profiler.start');
  try {
    return await f();
  } finally {
    const { profile } = await inspector.post('Profiler.stop');
    fs.mkdirSync(PROFILE_DIR, { recursive: true });
    fs.writeFileSync(path.join(PROFILE_DIR, `${name.replace(/[^a-z0-9]+/gi, '-')}.cpuprofile`), JSON.stringify(profile));
  }
}

interface Measured { rate: number; peakRssMb: number; /** process CPU (all threads) per row, µs: steadier than rates on a shared machine */ cpuUsPerRow: number }

async function measure(f: () => Promise<number>, expected: number, name: string): Promise<Measured> {
  (globalThis as { gc?: () => void }).gc?.(); // with --expose-gc: each case starts from a collected heap
  let peak = process.memoryUsage.rss();
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    const n = await f();
    if (n !== expected) throw new Error(`${name}: ${n} rows, expected ${expected}`);
    const cpu = process.cpuUsage(cpu0);
    return { rate: n / ((performance.now() - t0) / 1000), peakRssMb: Math.round(Math.max(peak, process.memoryUsage.rss()) / 2 ** 20), cpuUsPerRow: (cpu.user + cpu.system) / n };
  } finally {
    clearInterval(sample);
  }
}

type Results = Record<string, { rates: number[]; peakRssMb: number[]; cpuUsPerRow: number[] }>;

/**
 * Goals: the full load into Iceberg >= 0.85x the mysql2 stream of the same table and >= 300k
 * rows/s; CDC into Iceberg >= 0.7x raw zongji and >= 60k events/s; freshness p99 <= 2 s.
 */
function headline(results: Results, fresh: Freshness[]): BenchRow[] {
  const out: BenchRow[] = [];
  for (const [key, raw, rawName, goalRatio, goalRate] of [
    ['full load: pipeline into Iceberg', 'full load: raw mysql2 stream', 'mysql2 stream', 0.85, 300_000],
    ['CDC: pipeline into Iceberg (upsert)', 'CDC: raw zongji decode', 'raw zongji', 0.7, 60_000],
  ] as const) {
    const r = results[key];
    if (!r) continue; // excluded by the case regex
    const ratio = pairedRatios(r.rates, results[raw]!.rates);
    const rate = stats(r.rates).median;
    out.push(
      headlineRow(`${key} per s`, medianMin(r.rates), { reference: `${rawName} ${medianMin(results[raw]!.rates)}`, ratio: ratio.median, goal: `>= ${goalRatio.toFixed(2)}x`, ok: ratio.median >= goalRatio }),
      headlineRow(`${key} per s, absolute`, rate.toLocaleString('en-US', { maximumFractionDigits: 0 }), { goal: `>= ${goalRate}`, ok: rate >= goalRate }),
      headlineRow(`${key} peak RSS MB (max)`, String(Math.max(...r.peakRssMb))),
    );
  }
  if (fresh.length > 0) {
    const p99 = stats(fresh.map((f) => f.p99));
    out.push(headlineRow(`freshness p99 ms (${FRESH_ROWS_PER_S} rows/s, 1 s commits)`, `${p99.median} (min ${p99.min})`, { goal: '<= 2000', ok: p99.median <= 2000 }));
  }
  return out;
}

const server = await reference('mysql', 'a private MariaDB (test/support/mariadb-server.ts)', () => startMariaDb());
try {
  await server.query('CREATE DATABASE bench');
  await server.query(DDL);
  for (let i = 0; i < ROWS; i += 500_000) await server.query(fill(i + 1, Math.min(ROWS, i + 500_000)));
  const head = ((await server.query('SHOW MASTER STATUS')) as { File: string; Position: number }[])[0]!;
  const at = { file: head.File, pos: Number(head.Position) };
  const cdcEvents = await writeCdcWorkload(server);
  const rowsAfterCdc = ROWS + Math.ceil(Math.floor(CDC_EVENTS / 10) / 2);
  // The full load reads the table as the CDC workload left it.
  const allCases: [string, 'full load' | 'CDC', number, () => Promise<number>][] = [
    ['raw mysql2 stream', 'full load', rowsAfterCdc, () => reference('mysql', 'the mysql2 query stream', () => rawSelect(server))],
    ['raw mariadb --quick', 'full load', rowsAfterCdc, () => reference('mysql', 'the mariadb client (--quick)', () => rawCli(server, rowsAfterCdc))],
    ['source snapshot (decoded)', 'full load', rowsAfterCdc, () => sourceSnapshot(server)],
    ['pipeline into Iceberg', 'full load', rowsAfterCdc, () => pipelineSnapshot(server)],
    ['raw zongji decode', 'CDC', cdcEvents, () => reference('mysql', 'raw zongji', () => rawZongji(server, at, cdcEvents))],
    ['source binlog (grouped, decoded)', 'CDC', cdcEvents, () => sourceBinlog(server, at)],
    ['pipeline into Iceberg (upsert)', 'CDC', cdcEvents, () => pipelineBinlog(server, at)],
  ];
  // Raw reads always run: the ratios need them.
  const cases = allCases.filter(([name, kind]) => name.startsWith('raw') || ONLY.test(`${kind}: ${name}`));
  const results: Results = {};
  // Runs interleave the cases, so a noisy neighbour hits all of them alike.
  for (let r = 0; r < RUNS; r++) {
    for (const [name, kind, expected, f] of cases) {
      const key = `${kind}: ${name}`;
      const m = r === 0 ? await profiled(key, () => measure(f, expected, key)) : await measure(f, expected, key);
      (results[key] ??= { rates: [], peakRssMb: [], cpuUsPerRow: [] }).rates.push(m.rate);
      results[key].peakRssMb.push(m.peakRssMb);
      results[key].cpuUsPerRow.push(m.cpuUsPerRow);
      console.error(`run ${r + 1}: ${key}: ${Math.round(m.rate)}/s, peak RSS ${m.peakRssMb} MB, CPU ${m.cpuUsPerRow.toFixed(2)} µs/row`);
    }
  }
  // Ratios per run (same run, side by side), then min/median over runs.
  const ratio = (a: string, b: string): { min: number; median: number } => pairedRatios(results[a]!.rates, results[b]!.rates);
  const rows: Record<string, string | number>[] = [];
  for (const [name, kind] of cases) {
    const key = `${kind}: ${name}`;
    const st = stats(results[key]!.rates);
    const raw = kind === 'full load' ? 'full load: raw mysql2 stream' : 'CDC: raw zongji decode';
    const cli = ratio(key, 'full load: raw mariadb --quick');
    const rr = ratio(key, raw);
    rows.push({
      case: key, 'per s min': Math.round(st.min), 'per s median': Math.round(st.median),
      'x raw (min/med)': `${rr.min.toFixed(2)}/${rr.median.toFixed(2)}`,
      'x cli (min/med)': kind === 'full load' ? `${cli.min.toFixed(2)}/${cli.median.toFixed(2)}` : '-',
      'CPU µs/row (min/med)': `${stats(results[key]!.cpuUsPerRow).min.toFixed(2)}/${stats(results[key]!.cpuUsPerRow).median.toFixed(2)}`,
      'peak RSS MB (max)': Math.max(...results[key]!.peakRssMb),
    });
  }
  printTable(rows);
  const fresh: Freshness[] = [];
  for (let r = 0; r < (FRESHNESS_S > 0 ? RUNS : 0); r++) {
    const f = await freshness(server, r);
    fresh.push(f);
    console.error(`run ${r + 1}: freshness ${JSON.stringify(f)}`);
  }
  const fs50 = stats(fresh.map((f) => f.p50));
  const fs99 = stats(fresh.map((f) => f.p99));
  const fmax = stats(fresh.map((f) => f.max));
  console.log('');
  if (fresh.length > 0) printTable([
    { freshness: `${FRESH_ROWS_PER_S} rows/s, ${FRESHNESS_S} s, 1 s commits`, 'p50 ms min/med': `${fs50.min}/${fs50.median}`, 'p99 ms min/med': `${fs99.min}/${fs99.median}`, 'max ms min/med': `${fmax.min}/${fmax.median}`, commits: fresh.map((f) => f.commits).join('/') },
  ]);
  report('mysql', headline(results, fresh));
  console.log(`results: ${writeResults('mysql', { rows: ROWS, cdcEvents, runs: RUNS, freshnessSeconds: FRESHNESS_S, results, table: rows, freshness: fresh })}`);
} finally {
  await server.stop();
}
