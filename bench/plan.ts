/**
 * Scan planning throughput: a synthetic table of 10,000 data files and 2,000 delete files
 * (position + equality, with bounds) across 50 manifests and 100 partitions. Measures the
 * whole `planFiles()` (manifest list + manifest reads + planning) and the pure planner alone.
 * Run: npx tsx bench/plan.ts [runs]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FilesystemCatalog } from '../src/catalog/filesystem-catalog.js';
import { planScan } from '../src/iceberg/scan-planner.js';
import { Schema } from '../src/iceberg/spec/schema.js';
import { primitive } from '../src/iceberg/spec/types.js';
import type { DataFile } from '../src/iceberg/spec/manifest.js';
import { serializeValue } from '../src/iceberg/spec/value-serialization.js';
import { headlineRow, medianMin, printTable, report, stats, writeResults } from './bench-stats.js';

const RUNS = Number(process.argv[2] ?? 5);
const DATA_MANIFESTS = 40, FILES_PER_DATA_MANIFEST = 250; // 10,000 data files
const DELETE_MANIFESTS = 10, FILES_PER_DELETE_MANIFEST = 200; // 2,000 delete files
const PARTITIONS = 100;

const schema = new Schema(0, [
  { id: 1, name: 'id', required: true, type: primitive('long') },
  { id: 2, name: 'region', required: true, type: primitive('int') },
  { id: 3, name: 'name', required: false, type: primitive('string') },
], [1]);
const long = (v: bigint) => serializeValue(primitive('long'), v);

async function build(warehouse: string) {
  const catalog = new FilesystemCatalog(warehouse);
  const spec = { specId: 0, fields: [{ sourceId: 2, fieldId: 1000, name: 'region', transform: { kind: 'identity' as const } }] };
  const table = await catalog.createTable({ namespace: ['bench'], name: 'plan' }, { schema, spec });
  let n = 0;
  for (let m = 0; m < DATA_MANIFESTS; m++) {
    const append = table.newAppend();
    for (let i = 0; i < FILES_PER_DATA_MANIFEST; i++, n++) {
      const lo = BigInt(n * 1000);
      append.appendFile({
        content: 'data', filePath: `${warehouse}/bench/plan/data/region=${n % PARTITIONS}/f-${n}.parquet`, fileFormat: 'PARQUET', specId: 0,
        partition: [n % PARTITIONS], recordCount: 1000n, fileSizeInBytes: 1_000_000n,
        valueCounts: new Map([[1, 1000n]]), nullValueCounts: new Map([[1, 0n]]),
        lowerBounds: new Map([[1, long(lo)]]), upperBounds: new Map([[1, long(lo + 999n)]]),
      });
    }
    await append.commit();
  }
  for (let m = 0; m < DELETE_MANIFESTS; m++) {
    const delta = table.newRowDelta();
    for (let i = 0; i < FILES_PER_DELETE_MANIFEST; i++) {
      const k = m * FILES_PER_DELETE_MANIFEST + i;
      const target = (k * 5) % (DATA_MANIFESTS * FILES_PER_DATA_MANIFEST);
      const d: DataFile = k % 2 === 0
        ? { content: 'position-deletes', filePath: `${warehouse}/bench/plan/data/pos-${k}.parquet`, fileFormat: 'PARQUET', specId: 0, partition: [target % PARTITIONS], recordCount: 10n, fileSizeInBytes: 2000n }
        : { content: 'equality-deletes', filePath: `${warehouse}/bench/plan/data/eq-${k}.parquet`, fileFormat: 'PARQUET', specId: 0, partition: [target % PARTITIONS], recordCount: 10n, fileSizeInBytes: 2000n, equalityIds: [1],
            valueCounts: new Map([[1, 10n]]), nullValueCounts: new Map([[1, 0n]]), lowerBounds: new Map([[1, long(BigInt(target * 1000))]]), upperBounds: new Map([[1, long(BigInt(target * 1000 + 500))]]) };
      delta.addDeletes(d);
    }
    await delta.commit();
  }
  return table;
}

const warehouse = fs.mkdtempSync(path.join(os.tmpdir(), 'icetide-bench-plan-'));
try {
  const t0 = performance.now();
  const table = await build(warehouse);
  const buildMs = performance.now() - t0;
  const manifests = await table.manifests();
  const total = DATA_MANIFESTS * FILES_PER_DATA_MANIFEST + DELETE_MANIFESTS * FILES_PER_DELETE_MANIFEST;
  const endToEnd: number[] = [];
  const pure: number[] = [];
  let attached = 0;
  for (let r = 0; r < RUNS; r++) {
    const a = performance.now();
    const tasks = await table.planFiles();
    endToEnd.push(performance.now() - a);
    attached = tasks.reduce((s, t) => s + t.deletes.length, 0);
    const entries = await table.entries();
    const b = performance.now();
    planScan({ entries, specs: table.specs(), schema: table.schema() });
    pure.push(performance.now() - b);
  }
  const e = stats(endToEnd), p = stats(pure);
  const rows = [
    { measure: 'planFiles (read + plan)', 'min ms': e.min.toFixed(1), 'median ms': e.median.toFixed(1), 'files/s (median)': Math.round(total / (e.median / 1000)) },
    { measure: 'planScan (pure)', 'min ms': p.min.toFixed(1), 'median ms': p.median.toFixed(1), 'files/s (median)': Math.round(total / (p.median / 1000)) },
  ];
  console.log(`table: ${DATA_MANIFESTS * FILES_PER_DATA_MANIFEST} data files, ${DELETE_MANIFESTS * FILES_PER_DELETE_MANIFEST} delete files, ${manifests.length} manifests, ${PARTITIONS} partitions; ${attached} delete attachments; built in ${buildMs.toFixed(0)} ms; ${RUNS} runs`);
  printTable(rows);
  const filesPerSec = (ms: number[]) => ms.map((x) => total / (x / 1000));
  report('plan', [
    headlineRow(`planFiles (read + plan) files/s, ${total} files`, medianMin(filesPerSec(endToEnd))),
    headlineRow('planScan (pure) files/s', medianMin(filesPerSec(pure))),
  ]);
  console.log(`results: ${writeResults('plan', { total, manifests: manifests.length, attached, runs: RUNS, endToEndMs: endToEnd, pureMs: pure, rows })}`);
} finally {
  fs.rmSync(warehouse, { recursive: true, force: true });
}
