/**
 * Compaction throughput: a table of 2,000 small data files (1M rows x 10 columns, as a
 * streaming writer leaves it) with 10% of the rows deleted by equality deletes. Measures a full
 * scan (`scanTable`, deletes applied), the compaction (MB/s of data files read), and the same
 * scan afterwards, in one run. Goal: >= 50 MB/s, scan after <= 1/5 of before.
 * DuckDB does the same rewrite on the same files in each round, as the reference for what this
 * machine can do. Round 1 runs cold (a CLI run); later rounds on fresh tables in the same
 * process are the daemon's case.
 * Run: npx tsx bench/compaction.ts [files] [rowsPerFile] [rounds=2] [decodeWorkers=default]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { compactTable } from '../manager/compaction/compact-table.js';
import { FilesystemCatalog } from '../src/catalog/filesystem-catalog.js';
import { mapBounded } from '../src/concurrency/map-bounded.js';
import { dataFileFromMetrics } from '../src/iceberg/data-file-builder.js';
import { scanTable } from '../src/iceberg/read/table-scan.js';
import type { DataFile } from '../src/iceberg/spec/manifest.js';
import type { Table } from '../src/iceberg/table.js';
import { ParquetFileWriter, parquetWriteOptionsFromProperties } from '../src/parquet/index.js';
import { writeEqualityDeletes } from '../src/sink/delete-file-writers.js';
import { medianMin, pairedRatios, printTable, reference, report, headlineRow, stats, writeResults, type BenchRow } from './bench-stats.js';
import { DuckDBInstance } from '@duckdb/node-api';
import { localPathOf } from '../src/io/location.js';
import { wideRow, wideSchema } from './wide-table.js';

const FILES = Number(process.argv[2] ?? 2000);
const ROWS_PER_FILE = Number(process.argv[3] ?? 500);
const ROWS = FILES * ROWS_PER_FILE;
const ROUNDS = Number(process.argv[4] ?? 2);
const DECODE_WORKERS = process.argv[5] === undefined ? undefined : Number(process.argv[5]);
const schema = wideSchema;
const row = wideRow;

async function fullScan(t: Table): Promise<{ ms: number; rows: number }> {
  const began = performance.now();
  let rows = 0;
  for await (const b of scanTable(t)) rows += b.length;
  return { ms: performance.now() - began, rows };
}

/**
 * The same rewrite done by DuckDB (native, multi-threaded) on the same files, as a reference
 * for what this machine can do: anti-join on the deleted ids, one zstd Parquet file out.
 */
async function duckdbRewrite(dataFiles: string[], deleteFiles: string[], out: string): Promise<{ seconds: number; cpuSeconds: number; rows: number }> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  const list = (paths: string[]) => `[${paths.map((f) => `'${localPathOf(f)}'`).join(',')}]`;
  const began = performance.now();
  const cpu0 = process.cpuUsage(); // DuckDB's threads are this process's
  await con.run(
    `COPY (SELECT * FROM read_parquet(${list(dataFiles)}) WHERE id NOT IN (SELECT id FROM read_parquet(${list(deleteFiles)}))) TO '${out}' (FORMAT parquet, COMPRESSION zstd)`,
  );
  const seconds = (performance.now() - began) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const rows = Number((await (await con.run(`SELECT count(*) FROM read_parquet('${out}')`)).getRows())[0]![0]);
  con.closeSync();
  db.closeSync();
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, rows };
}

/** One round: a fresh table of FILES small files with 10% of the rows deleted, scanned, rewritten by DuckDB, compacted, scanned. */
async function round(wh: string, name: string) {
  const table = await new FilesystemCatalog(wh).createTable({ namespace: ['b'], name }, { schema });
  const opts = parquetWriteOptionsFromProperties(table.metadata.properties);
  // 2,000 small files in one append: what a sink committing every few seconds leaves behind.
  const files = await mapBounded(Array.from({ length: FILES }, (_, f) => f), 8, async (f) => {
    const location = table.ops.newDataLocation(`${randomUUID()}.parquet`);
    const w = await ParquetFileWriter.open(table.io, location, schema, opts);
    const rows = [];
    for (let i = f * ROWS_PER_FILE; i < (f + 1) * ROWS_PER_FILE; i++) rows.push(row(i));
    await w.write(rows);
    return dataFileFromMetrics({ content: 'data', location, metrics: await w.close(), specId: 0, partition: [], schema });
  });
  const append = table.newAppend();
  for (const f of files) append.appendFile(f);
  await append.commit();
  // Every 10th key deleted by equality deletes (10 files, as 10 sink commits would write).
  const eqFiles: DataFile[] = [];
  for (let part = 0; part < 10; part++) {
    const keys = [];
    for (let j = part * 10; j < ROWS; j += 100) keys.push({ id: BigInt(j) });
    eqFiles.push(...(await writeEqualityDeletes({ io: table.io, opts, newLocation: (f) => table.ops.newDataLocation(f) }, schema, [1], [{ specId: 0, values: [], path: '', rows: keys }])));
  }
  const delta = table.newRowDelta();
  for (const d of eqFiles) delta.addDeletes(d);
  await delta.commit();

  const filesBefore = (await table.planFiles()).length;
  const dataBytes = files.reduce((n, f) => n + Number(f.fileSizeInBytes), 0);
  const before = await fullScan(table);
  const duck = await reference('compaction', 'DuckDB (the same rewrite)', () => duckdbRewrite(files.map((f) => f.filePath), eqFiles.map((f) => f.filePath), path.join(wh, `duckdb-${name}.parquet`)));
  const cpu0 = process.cpuUsage();
  const compacted = await compactTable(table, DECODE_WORKERS === undefined ? {} : { decodeWorkers: DECODE_WORKERS });
  const cpu = process.cpuUsage(cpu0);
  const after = await fullScan(table);
  const filesAfter = (await table.planFiles()).length;
  const deleteFilesAfter = (await table.entries()).filter((e) => e.status !== 'deleted' && e.dataFile.content !== 'data').length;
  if (duck.rows !== before.rows) throw new Error(`DuckDB wrote ${duck.rows} rows, the scan saw ${before.rows}`);
  if (after.rows !== before.rows || before.rows !== ROWS - ROWS / 10) throw new Error(`row counts differ: ${before.rows} before, ${after.rows} after`);
  const secs = compacted.durationMs / 1000;
  const mbps = compacted.bytesRead / 1024 / 1024 / secs;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    files: FILES,
    rows: ROWS,
    deletedRows: ROWS / 10,
    dataMiB: +(dataBytes / 1024 / 1024).toFixed(2),
    filesBefore,
    deleteFilesBefore: eqFiles.length,
    filesAfter,
    deleteFilesAfter,
    liveRows: before.rows,
    decodeWorkers: compacted.options.decodeWorkers,
    compactionSeconds: +secs.toFixed(2),
    // process CPU (this thread and the encoder worker): steadier than wall time on a shared machine
    compactionCpuSeconds: +cpuSeconds.toFixed(2),
    compactionMiBps: +mbps.toFixed(1),
    rowsPerSecond: Math.round(compacted.rowsWritten / secs),
    duckdbSeconds: +duck.seconds.toFixed(2),
    duckdbCpuSeconds: +duck.cpuSeconds.toFixed(2),
    duckdbMiBps: +(dataBytes / 1024 / 1024 / duck.seconds).toFixed(1),
    oursVsDuckdb: +(duck.seconds / secs).toFixed(2),
    oursVsDuckdbCpu: +(duck.cpuSeconds / cpuSeconds).toFixed(2),
    scanBeforeMs: Math.round(before.ms),
    scanAfterMs: Math.round(after.ms),
    scanSpeedup: +(before.ms / after.ms).toFixed(1),
    goals: { mibps: mbps >= 50, scanAfterAtMostFifth: after.ms <= before.ms / 5 },
  };
}

type Round = Awaited<ReturnType<typeof round>>;

/** Goals: >= 0.7x DuckDB cold (round 1), >= 1.0x warm (later rounds), 50 MiB/s, scan after <= 1/5 of before. */
function headline(rounds: Round[]): BenchRow[] {
  const speed = (measure: string, rs: Round[], goal: number): BenchRow => {
    const r = pairedRatios(rs.map((x) => x.duckdbSeconds), rs.map((x) => x.compactionSeconds));
    return headlineRow(measure, medianMin(rs.map((x) => x.compactionMiBps), 1), {
      reference: `DuckDB ${medianMin(rs.map((x) => x.duckdbMiBps), 1)}`, ratio: r.median, goal: `>= ${goal.toFixed(2)}x`, ok: r.median >= goal,
    });
  };
  const warm = rounds.slice(1);
  const steady = warm.length > 0 ? warm : rounds;
  const mibps = stats(steady.map((x) => x.compactionMiBps)).median;
  const scan = pairedRatios(rounds.map((x) => x.scanAfterMs), rounds.map((x) => x.scanBeforeMs));
  return [
    speed('compaction MiB/s, cold (round 1)', rounds.slice(0, 1), 0.7),
    ...(warm.length > 0 ? [speed(`compaction MiB/s, warm (rounds 2-${rounds.length})`, warm, 1.0)] : []),
    headlineRow(`compaction MiB/s, ${warm.length > 0 ? 'warm' : 'cold'} median`, mibps.toFixed(1), { goal: '>= 50', ok: mibps >= 50 }),
    headlineRow('full scan ms after compaction', medianMin(rounds.map((x) => x.scanAfterMs)), {
      reference: `before ${medianMin(rounds.map((x) => x.scanBeforeMs))}`, ratio: scan.median, goal: '<= 0.20x', ok: scan.median <= 0.2,
    }),
  ];
}

const wh = fs.mkdtempSync(path.join(os.tmpdir(), 'icetide-bench-compact-'));
try {
  // Round 1 is a CLI run (`icetide compact`: code not yet compiled by the JIT, encoder worker
  // starting); later rounds are what the manager daemon sees, compacting table after table.
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) rounds.push(await round(wh, `t${r}`));
  const first = rounds[0]!;
  printTable([
    { metric: 'data files before / after', value: `${first.filesBefore} / ${first.filesAfter}` },
    { metric: 'delete files before / after', value: `${first.deleteFilesBefore} / ${first.deleteFilesAfter}` },
    { metric: 'rows (live)', value: `${first.liveRows}` },
    ...rounds.flatMap((x, i) => [
      { metric: `compaction (round ${i + 1}${i === 0 ? ', cold' : ''})`, value: `${x.decodeWorkers} decode worker(s): ${x.compactionSeconds.toFixed(2)} s, ${x.compactionMiBps.toFixed(1)} MiB/s (${x.dataMiB} MiB of data files), ${x.rowsPerSecond} rows/s, ${x.compactionCpuSeconds} CPU s` },
      { metric: `DuckDB, same rewrite (round ${i + 1})`, value: `${x.duckdbSeconds.toFixed(2)} s, ${x.duckdbMiBps.toFixed(1)} MiB/s, ${x.duckdbCpuSeconds.toFixed(2)} CPU s (ours: ${x.oursVsDuckdb.toFixed(2)}x its speed, ${x.oursVsDuckdbCpu.toFixed(2)}x its CPU efficiency)` },
      { metric: `full scan before / after (round ${i + 1})`, value: `${x.scanBeforeMs} ms / ${x.scanAfterMs} ms (${x.scanSpeedup}x faster)` },
    ]),
    { metric: 'peak RSS (whole run)', value: `${Math.round(process.resourceUsage().maxRSS / 1024)} MB` },
  ]);
  report('compaction', headline(rounds));
  console.log(`written: ${writeResults('compaction', { rounds, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) })}`);
} finally {
  fs.rmSync(wh, { recursive: true, force: true });
}
