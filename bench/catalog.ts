/**
 * Commit throughput through each catalog: one writer appending one (metadata-only) data file
 * per commit to a fresh table, so a commit is manifest + manifest list + metadata file + the
 * catalog's compare-and-swap. Filesystem: exclusive create of vN.metadata.json; SQL: the
 * conditional UPDATE of iceberg_tables, on SQLite and on PostgreSQL.
 * PostgreSQL: $ICETIDE_BENCH_PG_URI (default postgresql://postgres@127.0.0.1:5432/test) is only
 * used to create a private database icetide_b_<random>, dropped afterwards.
 * Run: npx tsx bench/catalog.ts [commits=200] [runs=3]
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Catalog } from '../src/catalog/catalog.js';
import { FilesystemCatalog } from '../src/catalog/filesystem-catalog.js';
import { SqlCatalog } from '../src/catalog/sql-catalog.js';
import { Schema } from '../src/iceberg/spec/schema.js';
import { primitive } from '../src/iceberg/spec/types.js';
import { medianMin, printTable, reference, report, headlineRow, stats, writeResults } from './bench-stats.js';

const COMMITS = Number(process.argv[2] ?? 200);
const RUNS = Number(process.argv[3] ?? 3);
const PG_ADMIN = process.env['ICETIDE_BENCH_PG_URI'] ?? 'postgresql://postgres@127.0.0.1:5432/test';
const schema = new Schema(0, [{ id: 1, name: 'id', required: true, type: primitive('long') }]);

/** Commits per second of one run on a fresh table. */
async function run(catalog: Catalog, run: number): Promise<number> {
  const table = await catalog.createTable({ namespace: ['bench'], name: `commits_${run}` }, { schema });
  const t0 = performance.now();
  for (let i = 0; i < COMMITS; i++) {
    await table
      .newAppend()
      .appendFile({ content: 'data', filePath: `${table.location}/data/f-${i}.parquet`, fileFormat: 'PARQUET', specId: 0, partition: [], recordCount: 1n, fileSizeInBytes: 100n })
      .commit();
  }
  return COMMITS / ((performance.now() - t0) / 1000);
}

async function measure(label: string, open: (warehouse: string) => Catalog): Promise<{ label: string; rates: number[] }> {
  const rates: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const warehouse = fs.mkdtempSync(path.join(os.tmpdir(), 'icetide-bench-catalog-'));
    const catalog = open(warehouse);
    try {
      rates.push(await run(catalog, r));
    } finally {
      await catalog.close?.();
      fs.rmSync(warehouse, { recursive: true, force: true });
    }
  }
  return { label, rates };
}

function tableRow({ label, rates }: { label: string; rates: number[] }): Record<string, string> {
  const s = stats(rates);
  return { catalog: label, 'min commits/s': s.min.toFixed(1), 'median commits/s': s.median.toFixed(1), 'median ms/commit': (1000 / s.median).toFixed(2) };
}

const admin = new pg.Client({ connectionString: PG_ADMIN });
const db = `icetide_b_${randomBytes(5).toString('hex')}`;
// PostgreSQL is one of the catalogs measured: without it the bench stops rather than report two of three.
await reference('catalog', `PostgreSQL at ${PG_ADMIN} (set ICETIDE_BENCH_PG_URI)`, async () => {
  await admin.connect();
  await admin.query(`CREATE DATABASE ${db}`);
});
const sqliteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'icetide-bench-sqlite-'));
try {
  const pgUri = (() => {
    const u = new URL(PG_ADMIN);
    u.pathname = `/${db}`;
    return u.toString();
  })();
  const measured = [
    await measure('filesystem', (wh) => new FilesystemCatalog(wh)),
    await measure('sql (sqlite)', (wh) => new SqlCatalog({ uri: `sqlite:${path.join(sqliteDir, `${path.basename(wh)}.db`)}`, warehouse: wh })),
    await measure('sql (postgresql)', (wh) => new SqlCatalog({ uri: pgUri, name: path.basename(wh), warehouse: wh })),
  ];
  console.log(`${COMMITS} sequential append commits per run, ${RUNS} runs per catalog, one writer; ${os.cpus().length} cores`);
  const rows = measured.map(tableRow);
  printTable(rows);
  report('catalog', measured.map((m) => headlineRow(`${m.label} commits/s`, medianMin(m.rates, 1))));
  console.log(`results: ${writeResults('catalog', { commits: COMMITS, runs: RUNS, rows })}`);
} finally {
  fs.rmSync(sqliteDir, { recursive: true, force: true });
  await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
  await admin.end();
}
