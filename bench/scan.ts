/**
 * Scan throughput: a table of 1M rows x 10 columns (written by the sink), then 10% of the
 * keys deleted by equality deletes; reads it back with `scanTable` (deletes applied) and,
 * side by side, DuckDB reading the same data files without deletes (`read_parquet`), as a ratio.
 * Goal: >= 0.3x DuckDB's rows/s. Run: npx tsx bench/scan.ts [rows=1000000] [runs=3]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { FilesystemCatalog } from '../src/catalog/filesystem-catalog.js';
import { scanTable } from '../src/iceberg/read/table-scan.js';
import type { ChangeEvent } from '../src/sink/change-event.js';
import { TableWriter } from '../src/sink/table-writer.js';
import { headlineRow, medianMin, pairedRatios, printTable, reference, report, stats, writeResults } from './bench-stats.js';
import { wideRow, wideSchema } from './wide-table.js';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 3);
const schema = wideSchema;
const row = wideRow;

const wh = fs.mkdtempSync(path.join(os.tmpdir(), 'icetide-bench-scan-'));
try {
  const table = await new FilesystemCatalog(wh).createTable({ namespace: ['b'], name: 't' }, { schema, properties: { 'write.parquet.row-group-size-bytes': String(16 << 20) } });
  const w = await TableWriter.open(table, { pipelineId: 'bench', mode: 'upsert', keyFilter: { expectedKeys: ROWS, fpp: 0.01, checkpointEveryCommits: 100 } });
  for (let i = 0; i < ROWS; i += 10_000) {
    const batch: ChangeEvent[] = [];
    for (let j = i; j < Math.min(ROWS, i + 10_000); j++) batch.push({ table: 's', op: 'insert', after: row(j), position: j, sourceTsMs: j });
    await w.write(batch, 'snapshot');
  }
  await w.commit({ position: ROWS, phase: 'snapshot' });
  const deletes: ChangeEvent[] = [];
  for (let j = 0; j < ROWS; j += 10) deletes.push({ table: 's', op: 'delete', before: row(j), position: ROWS + j, sourceTsMs: j });
  await w.write(deletes, 'incremental');
  const c = await w.commit({ position: ROWS * 2, phase: 'incremental' });
  const tasks = await table.planFiles();
  const files = tasks.map((t) => `'${t.file.filePath}'`).join(',');
  const db = await reference('scan', 'DuckDB', async () => (await DuckDBInstance.create()).connect());
  const ours: number[] = [];
  const duck: number[] = [];
  let live = 0;
  for (let r = 0; r < RUNS; r++) {
    let t0 = performance.now();
    live = 0;
    for await (const b of scanTable(table)) live += b.length;
    ours.push(performance.now() - t0);
    t0 = performance.now();
    // DuckDB materialises every column of every row (no deletes): the raw read cost of the same files.
    await reference('scan', 'DuckDB read_parquet', () => db.runAndReadAll(`SELECT count(*), sum(hash(id, n, x, amount, name, tag, ts, day, flag, maybe)) FROM read_parquet([${files}])`));
    duck.push(performance.now() - t0);
  }
  const o = stats(ours), d = stats(duck);
  console.log(`${ROWS} rows x 10 columns in ${tasks.length} data file(s); ${c!.equalityDeletes} equality-deleted keys (${tasks[0]!.deletes.length} delete file(s)); live rows ${live}; ${RUNS} runs`);
  printTable([
    { reader: 'icetide scanTable (deletes applied)', 'min ms': o.min.toFixed(0), 'median ms': o.median.toFixed(0), 'rows/s (median)': Math.round(ROWS / (o.median / 1000)) },
    { reader: 'DuckDB read_parquet (no deletes)', 'min ms': d.min.toFixed(0), 'median ms': d.median.toFixed(0), 'rows/s (median)': Math.round(ROWS / (d.median / 1000)) },
  ]);
  const rate = (ms: number[]) => ms.map((x) => ROWS / (x / 1000));
  const ratio = pairedRatios(rate(ours), rate(duck)).median;
  report('scan', [
    headlineRow(`scanTable rows/s, ${ROWS} rows, 10% equality-deleted`, medianMin(rate(ours)), { reference: `DuckDB ${medianMin(rate(duck))}`, ratio, goal: '>= 0.30x', ok: ratio >= 0.3 }),
  ]);
  console.log(`results: ${writeResults('scan', { rows: ROWS, live, ours, duck })}`);
} finally {
  fs.rmSync(wh, { recursive: true, force: true });
}
