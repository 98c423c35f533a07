/**
 * S3 storage bench: S3FileIO against the S3 test server (s3rver, its own process on
 * loopback) vs LocalFileIO on local disk, in one run. Measures (a) a streamed upload through
 * create() (multipart: 8 MiB parts, 4 in flight), (b) ranged reads of 256 KiB at random
 * offsets, 8 in flight (what the Parquet reader does for column chunks), (c) a full load:
 * 1M rows x 4 columns through the sink's column-wise path (TableWriter.writeInserts, snapshot
 * phase, a commit every 250k rows) into an upsert table on S3 (SQL catalog on SQLite) vs the
 * same into a local warehouse (goal: >= 0.8x local). min/median of RUNS.
 * Goals are absolute: the sink writes Parquet at tens of MB/s, so storage at 25 MB/s or more
 * on loopback is not what limits it. Run: npx tsx bench/s3.ts [MiB=64] [runs=3] [load-rows=1000000] (a multiple of 40000).
 * Writes bench/results/s3.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mapBounded } from '../src/concurrency/map-bounded.js';
import type { FileIO } from '../src/io/file-io.js';
import { LocalFileIO } from '../src/io/local-file-io.js';
import { S3FileIO } from '../src/io/s3-file-io.js';
import { startS3Server } from '../test/support/s3-server.js';
import { SqlCatalog } from '../src/catalog/sql-catalog.js';
import { Schema } from '../src/iceberg/spec/schema.js';
import { primitive } from '../src/iceberg/spec/types.js';
import type { InsertColumns } from '../src/sink/change-event.js';
import { TableWriter } from '../src/sink/table-writer.js';
import { headlineRow, medianMin, pairedRatios, reference, report, stats, writeResults } from './bench-stats.js';

const MIB = Number(process.argv[2] ?? 64);
const RUNS = Number(process.argv[3] ?? 3);
const SIZE = MIB * 1024 * 1024;
const CHUNK = 1024 * 1024;
const RANGE = 256 * 1024;
const RANGES = 256;
const GOAL_MBS = 25;

const data = new Uint8Array(SIZE);
for (let i = 0, x = 7; i < SIZE; i++) {
  x = (x * 1103515245 + 12345) >>> 0;
  data[i] = x >>> 24;
}

async function upload(io: FileIO, loc: string): Promise<number> {
  const t0 = performance.now();
  const out = await io.create(loc);
  for (let off = 0; off < SIZE; off += CHUNK) await out.write(data.subarray(off, off + CHUNK));
  await out.close();
  return SIZE / 1e6 / ((performance.now() - t0) / 1000);
}

async function rangedReads(io: FileIO, loc: string, seed: number): Promise<number> {
  let x = seed;
  const offsets = Array.from({ length: RANGES }, () => {
    x = (x * 1103515245 + 12345) >>> 0;
    return x % (SIZE - RANGE);
  });
  const t0 = performance.now();
  await mapBounded(offsets, 8, async (o) => {
    const b = await io.readRange(loc, o, RANGE);
    if (b.length !== RANGE || b[0] !== data[o]) throw new Error(`range at ${o} read wrong bytes`);
  });
  return (RANGES * RANGE) / 1e6 / ((performance.now() - t0) / 1000);
}

const LOAD_ROWS = Number(process.argv[4] ?? 1_000_000);
const LOAD_PAGE = 10_000;
const LOAD_COMMIT = LOAD_ROWS / 4;
const loadSchema = new Schema(0, [
  { id: 1, name: 'id', required: true, type: primitive('long') },
  { id: 2, name: 'qty', required: false, type: primitive('int') },
  { id: 3, name: 'price', required: false, type: primitive('double') },
  { id: 4, name: 'ts', required: false, type: primitive('timestamp') },
], [1]);

function page(from: number): InsertColumns {
  const n = LOAD_PAGE;
  return {
    table: 'bench.orders', length: n, sourceTsMs: 0, origin: 'bench', positionOf: (i) => from + i,
    columns: {
      id: BigInt64Array.from({ length: n }, (_, i) => BigInt(from + i)),
      qty: Int32Array.from({ length: n }, (_, i) => (from + i) % 97),
      price: Float64Array.from({ length: n }, (_, i) => ((from + i) % 1000) * 0.25),
      ts: BigInt64Array.from({ length: n }, (_, i) => 1_700_000_000_000_000n + BigInt(from + i) * 1000n),
    },
  };
}

/** rows/s of a full load into a table of `catalog` at `warehouse`. */
async function fullLoad(catalog: SqlCatalog, name: string): Promise<number> {
  const t = await catalog.createTable({ namespace: ['bench'], name }, { schema: loadSchema, properties: { 'format-version': '2' } });
  const w = await TableWriter.open(t, { pipelineId: 'bench', mode: 'upsert', keyIndex: { checkpointEveryCommits: 1000 } });
  const t0 = performance.now();
  for (let from = 0; from < LOAD_ROWS; from += LOAD_PAGE) {
    await w.writeInserts(page(from), 0, LOAD_PAGE, 'snapshot');
    if ((from + LOAD_PAGE) % LOAD_COMMIT === 0) await w.commit({ position: from + LOAD_PAGE, phase: 'snapshot' });
  }
  return LOAD_ROWS / ((performance.now() - t0) / 1000);
}

const server = await reference('s3', 's3rver (test/support/s3-server.ts)', () => startS3Server());
const s3 = new S3FileIO(server.storage());
const local = new LocalFileIO();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'icetide-bench-s3-'));
const results: Record<string, { ours: number[]; reference: number[] }> = { 'upload MB/s': { ours: [], reference: [] }, 'ranged read MB/s': { ours: [], reference: [] }, 'full load rows/s': { ours: [], reference: [] } };
const s3Catalog = new SqlCatalog({ uri: `sqlite:${path.join(dir, 's3-catalog.db')}`, name: 'bench', warehouse: `s3://${server.bucket}/wh`, io: s3 });
const localCatalog = new SqlCatalog({ uri: `sqlite:${path.join(dir, 'local-catalog.db')}`, name: 'bench', warehouse: path.join(dir, 'wh'), io: local });
await s3Catalog.createNamespace(['bench']);
await localCatalog.createNamespace(['bench']);
try {
  for (let run = 0; run < RUNS; run++) {
    const s3Loc = `s3://${server.bucket}/bench/f${run}`;
    const localLoc = path.join(dir, `f${run}`);
    results['upload MB/s']!.ours.push(await upload(s3, s3Loc));
    results['upload MB/s']!.reference.push(await upload(local, localLoc));
    results['ranged read MB/s']!.ours.push(await rangedReads(s3, s3Loc, run + 1));
    results['ranged read MB/s']!.reference.push(await rangedReads(local, localLoc, run + 1));
    // alternate which goes first, so neither always runs on a warmer machine
    const [first, second] = run % 2 === 0 ? (['ours', 'reference'] as const) : (['reference', 'ours'] as const);
    for (const side of [first, second]) results['full load rows/s']![side].push(await fullLoad(side === 'ours' ? s3Catalog : localCatalog, `orders${run}`));
  }
} finally {
  await s3Catalog.close();
  await localCatalog.close();
  s3.destroy();
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}

const rows = Object.entries(results).map(([measure, r]) => {
  const o = stats(r.ours);
  const ratio = pairedRatios(r.ours, r.reference).median;
  const cells = { reference: `local ${medianMin(r.reference)}`, ratio };
  return measure === 'full load rows/s'
    ? headlineRow(measure, medianMin(r.ours), { ...cells, goal: '>= 0.80x', ok: ratio >= 0.8 })
    : headlineRow(measure, medianMin(r.ours), { ...cells, goal: `>= ${GOAL_MBS} (min)`, ok: o.min >= GOAL_MBS });
});
console.log(`S3FileIO on s3rver (loopback) vs LocalFileIO (local disk), ${MIB} MiB file, ${RANGES} x ${RANGE / 1024} KiB ranges, ${LOAD_ROWS} rows loaded, median (min) of ${RUNS}`);
report('s3', rows);
console.log(`wrote ${writeResults('s3', { mib: MIB, runs: RUNS, results, rows, node: process.version, cpus: os.cpus().length })}`);
