/**
 * Parquet write bench: 1M rows x 10 columns, ZSTD, the same rows through (a) our
 * ParquetFileWriter.write (rows; default 128 MiB row groups, 16 MiB, and 16 MiB with
 * encodeInWorker), (b) its writeColumns, (c) hyparquet-writer + zstd-napi (columns, 100k-row
 * groups), (d) DuckDB appender (row by row, and 2048-row data chunks) + COPY TO PARQUET with
 * FIELD_IDS, (e) parquet-wasm from Arrow columns. Times cover only the writer calls: input is
 * generated in 10k-row batches outside the timed region. Each candidate and run is its own
 * process; peak RSS is sampled after each batch. Run: npx tsx bench/parquet-write.ts [rows=1000000] [runs=3]; BENCH_ONLY=ours,duckdb
 * picks candidates. Writes bench/results/parquet-write.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BIGINT, BOOLEAN, DATE, DECIMAL, DOUBLE, DuckDBDataChunk, DuckDBInstance, INTEGER, TIMESTAMP, VARCHAR, dateValue, decimalValue,
  timestampValue, type DuckDBValue,
} from '@duckdb/node-api';
import {
  Bool, DateDay, Decimal, Field, Float64, Int32, Int64, Schema as ArrowSchema, Table as ArrowTable, TimestampMicrosecond, Utf8,
  makeData, makeVector, tableToIPC, vectorFromArray, type Vector,
} from 'apache-arrow';
import { Compression, Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm/node';
import { ParquetWriter, fileWriter } from 'hyparquet-writer';
import { compress as zstdCompress } from 'zstd-napi';
import { Schema } from '../src/iceberg/spec/schema.js';
import { LocalFileIO } from '../src/io/local-file-io.js';
import { ParquetFileWriter, type Row } from '../src/parquet/writer.js';
import { headlineRow, medianMin, pairedRatios, reference, report, type BenchRow } from './bench-stats.js';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 3);
const BATCH = 10_000;
const dir = path.join(tmpdir(), `icetide-bench-${process.pid}`);
mkdirSync(dir, { recursive: true });

const schema = new Schema(0, [
  { id: 1, name: 'id', required: true, type: { kind: 'long' } },
  { id: 2, name: 'qty', required: false, type: { kind: 'int' } },
  { id: 3, name: 'price', required: false, type: { kind: 'double' } },
  { id: 4, name: 'amount', required: false, type: { kind: 'decimal', precision: 18, scale: 4 } },
  { id: 5, name: 'comment', required: false, type: { kind: 'string' } },
  { id: 6, name: 'status', required: false, type: { kind: 'string' } },
  { id: 7, name: 'ts', required: false, type: { kind: 'timestamp' } },
  { id: 8, name: 'day', required: false, type: { kind: 'date' } },
  { id: 9, name: 'flag', required: false, type: { kind: 'boolean' } },
  { id: 10, name: 'ref', required: false, type: { kind: 'long' } },
]);

const STATUS = ['NEW', 'PENDING', 'SHIPPED', 'DONE', 'CANCELED', 'RETURNED', 'HOLD', 'LOST'];
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'fox', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];
let seed = 42;
const rnd = (): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
function batch(start: number, n: number): Row[] {
  const rows: Row[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const id = start + i;
    rows[i] = {
      id: BigInt(id),
      qty: Math.floor(rnd() * 1000),
      price: Math.round(rnd() * 1e6) / 100,
      amount: BigInt(Math.floor(rnd() * 1e10)),
      comment: `${WORDS[id % 12]} ${WORDS[(id >> 3) % 12]} ${id.toString(36)}`.padEnd(20, 'x'),
      status: STATUS[Math.floor(rnd() * 8)],
      ts: 1_700_000_000_000_000n + BigInt(id) * 1_000_003n,
      day: 19000 + (id % 1000),
      flag: (id & 1) === 0,
      ref: rnd() < 0.1 ? null : BigInt(Math.floor(rnd() * 1e12)),
    };
  }
  return rows;
}

/** The same values as batch(), as columns (no row objects). */
function columns(start: number, n: number): Record<string, unknown[]> {
  const rows = batch(start, n);
  const out: Record<string, unknown[]> = {};
  for (const f of schema.fields) out[f.name] = rows.map((r) => r[f.name]);
  return out;
}

interface Result {
  name: string;
  /** Time inside the writer's calls only. */
  seconds: number;
  /** Wall time of generating the rows on the same thread and writing them (a producer + writer pipeline). */
  e2eSeconds: number;
  bytes: number;
  peakRssMB: number;
}
let started = 0;
let peak = 0;
const encodeShare: number[] = [];
const sample = (): void => {
  peak = Math.max(peak, process.memoryUsage.rss());
};

async function ours(file: string, rowGroupSizeBytes?: number, encodeInWorker = false): Promise<Result> {
  const io = new LocalFileIO();
  if (global.gc) global.gc();
  peak = 0;
  started = performance.now();
  const w = await ParquetFileWriter.open(io, file, schema, { codec: 'zstd', encodeInWorker, ...(rowGroupSizeBytes ? { rowGroupSizeBytes } : {}) });
  let t = 0;
  for (let s = 0; s < ROWS; s += BATCH) {
    const rows = batch(s, Math.min(BATCH, ROWS - s));
    const t0 = performance.now();
    await w.write(rows);
    t += performance.now() - t0;
    sample();
  }
  const t0 = performance.now();
  await w.close();
  t += performance.now() - t0;
  sample();
  if (!encodeInWorker && !rowGroupSizeBytes) encodeShare.push(w.encodeMillis / t);
  return { name: `icetide ParquetFileWriter (rows${rowGroupSizeBytes ? `, ${rowGroupSizeBytes / 2 ** 20} MiB row groups` : ''}${encodeInWorker ? ', encodeInWorker' : ''})`, seconds: t / 1000, e2eSeconds: (performance.now() - started) / 1000, bytes: statSync(file).size, peakRssMB: peak / 2 ** 20 };
}

async function oursColumns(file: string): Promise<Result> {
  const io = new LocalFileIO();
  if (global.gc) global.gc();
  peak = 0;
  started = performance.now();
  const w = await ParquetFileWriter.open(io, file, schema, { codec: 'zstd' });
  let t = 0;
  for (let s = 0; s < ROWS; s += BATCH) {
    const n = Math.min(BATCH, ROWS - s);
    const cols = columns(s, n);
    const t0 = performance.now();
    await w.writeColumns({ length: n, columns: cols });
    t += performance.now() - t0;
    sample();
  }
  const t0 = performance.now();
  await w.close();
  t += performance.now() - t0;
  sample();
  return { name: 'icetide ParquetFileWriter.writeColumns', seconds: t / 1000, e2eSeconds: (performance.now() - started) / 1000, bytes: statSync(file).size, peakRssMB: peak / 2 ** 20 };
}

/** hyparquet-writer fed columns per 100k-row group, zstd via zstd-napi. Field ids via schema. */
async function hyparquet(file: string): Promise<Result> {
  if (global.gc) global.gc();
  peak = 0;
  started = performance.now();
  const opt = (name: string, type: string, field_id: number, extra: Record<string, unknown> = {}): Record<string, unknown> =>
    ({ name, type, repetition_type: 'OPTIONAL', field_id, ...extra });
  const pqSchema = [
    { name: 'table', num_children: 10 },
    { name: 'id', type: 'INT64', repetition_type: 'REQUIRED', field_id: 1 },
    opt('qty', 'INT32', 2), opt('price', 'DOUBLE', 3),
    opt('amount', 'INT64', 4, { converted_type: 'DECIMAL', precision: 18, scale: 4 }),
    opt('comment', 'BYTE_ARRAY', 5, { converted_type: 'UTF8' }), opt('status', 'BYTE_ARRAY', 6, { converted_type: 'UTF8' }),
    opt('ts', 'INT64', 7, { logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' } }),
    opt('day', 'INT32', 8, { converted_type: 'DATE' }), opt('flag', 'BOOLEAN', 9), opt('ref', 'INT64', 10),
  ];
  const writer = fileWriter(file);
  const pw = new ParquetWriter({ writer, schema: pqSchema as never, codec: 'ZSTD', compressors: { ZSTD: (b: Uint8Array) => zstdCompress(b, { compressionLevel: 3 }) } });
  let t = 0;
  const names = schema.fields.map((f) => f.name);
  let cols: unknown[][] = names.map(() => []);
  for (let s = 0; s < ROWS; s += BATCH) {
    const rows = batch(s, Math.min(BATCH, ROWS - s));
    const t0 = performance.now();
    for (const r of rows) for (let c = 0; c < names.length; c++) cols[c]!.push(r[names[c]!]);
    if (cols[0]!.length >= 100_000 || s + BATCH >= ROWS) {
      await pw.write({ columnData: names.map((name, c) => ({ name, data: cols[c]! })), rowGroupSize: 100_000 });
      cols = names.map(() => []);
    }
    t += performance.now() - t0;
    sample();
  }
  const t0 = performance.now();
  await pw.finish();
  t += performance.now() - t0;
  sample();
  return { name: 'hyparquet-writer + zstd-napi (columns)', seconds: t / 1000, e2eSeconds: (performance.now() - started) / 1000, bytes: statSync(file).size, peakRssMB: peak / 2 ** 20 };
}

/** parquet-wasm (arrow-rs) fed Arrow columns built from the same rows; whole table in memory. */
async function wasm(file: string): Promise<Result> {
  if (global.gc) global.gc();
  peak = 0;
  started = performance.now();
  const names = schema.fields.map((f) => f.name);
  const cols: unknown[][] = names.map(() => []);
  let t = 0;
  for (let s = 0; s < ROWS; s += BATCH) {
    const rows = batch(s, Math.min(BATCH, ROWS - s));
    const t0 = performance.now();
    for (const r of rows) for (let c = 0; c < names.length; c++) cols[c]!.push(r[names[c]!]);
    t += performance.now() - t0;
    sample();
  }
  const t0 = performance.now();
  const n = ROWS;
  const dec = new Uint32Array(n * 4);
  (cols[3] as bigint[]).forEach((v, i) => {
    const x = BigInt.asUintN(128, v);
    for (let k = 0; k < 4; k++) dec[i * 4 + k] = Number((x >> BigInt(32 * k)) & 0xffffffffn);
  });
  const meta = (id: number): Map<string, string> => new Map([['PARQUET:field_id', String(id)]]);
  const decType = new Decimal(4, 18, 128);
  const vectors: Vector[] = [
    makeVector(BigInt64Array.from(cols[0] as bigint[])),
    makeVector(Int32Array.from(cols[1] as number[])),
    makeVector(Float64Array.from(cols[2] as number[])),
    makeVector(makeData({ type: decType, length: n, nullCount: 0, data: dec })),
    vectorFromArray(cols[4] as string[], new Utf8()),
    vectorFromArray(cols[5] as string[], new Utf8()),
    makeVector(makeData({ type: new TimestampMicrosecond(), length: n, nullCount: 0, data: BigInt64Array.from(cols[6] as bigint[]) })),
    makeVector(makeData({ type: new DateDay(), length: n, nullCount: 0, data: Int32Array.from(cols[7] as number[]) })),
    vectorFromArray(cols[8] as boolean[], new Bool()),
    vectorFromArray(cols[9] as (bigint | null)[], new Int64()),
  ];
  const types = [new Int64(), new Int32(), new Float64(), decType, new Utf8(), new Utf8(), new TimestampMicrosecond(), new DateDay(), new Bool(), new Int64()];
  const aschema = new ArrowSchema(schema.fields.map((f, i) => new Field(f.name, types[i]!, !f.required, meta(f.id))));
  const table = new ArrowTable(aschema, Object.fromEntries(names.map((nm, i) => [nm, vectors[i]!])) as never);
  sample();
  const props = new WriterPropertiesBuilder().setCompression(Compression.ZSTD).setMaxRowGroupSize(100_000).build();
  const bytes = writeParquet(WasmTable.fromIPCStream(tableToIPC(table, 'stream')), props);
  writeFileSync(file, bytes);
  t += performance.now() - t0;
  sample();
  return { name: 'parquet-wasm (arrow-rs) from Arrow columns', seconds: t / 1000, e2eSeconds: (performance.now() - started) / 1000, bytes: statSync(file).size, peakRssMB: peak / 2 ** 20 };
}

async function duck(file: string): Promise<Result> {
  if (global.gc) global.gc();
  peak = 0;
  started = performance.now();
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(`create table t (id bigint not null, qty integer, price double, amount decimal(18,4), comment varchar, status varchar, ts timestamp, day date, flag boolean, ref bigint)`);
  const ap = await c.createAppender('t');
  let t = 0;
  for (let s = 0; s < ROWS; s += BATCH) {
    const rows = batch(s, Math.min(BATCH, ROWS - s));
    const t0 = performance.now();
    for (const r of rows) {
      ap.appendBigInt(r['id'] as bigint);
      ap.appendInteger(r['qty'] as number);
      ap.appendDouble(r['price'] as number);
      ap.appendDecimal(decimalValue(r['amount'] as bigint, 18, 4));
      ap.appendVarchar(r['comment'] as string);
      ap.appendVarchar(r['status'] as string);
      ap.appendTimestamp(timestampValue(r['ts'] as bigint));
      ap.appendDate(dateValue(r['day'] as number));
      ap.appendBoolean(r['flag'] as boolean);
      if (r['ref'] === null) ap.appendNull();
      else ap.appendBigInt(r['ref'] as bigint);
      ap.endRow();
    }
    ap.flushSync();
    t += performance.now() - t0;
    sample();
  }
  const t0 = performance.now();
  ap.closeSync();
  const ids = schema.fields.map((f) => `${f.name}: ${f.id}`).join(', ');
  await c.run(`copy t to '${file}' (format parquet, compression zstd, field_ids {${ids}})`);
  t += performance.now() - t0;
  sample();
  c.closeSync();
  return { name: 'DuckDB appender + COPY TO PARQUET', seconds: t / 1000, e2eSeconds: (performance.now() - started) / 1000, bytes: statSync(file).size, peakRssMB: peak / 2 ** 20 };
}

/** DuckDB appender fed 2048-row data chunks (column at a time), then COPY. */
async function duckChunks(file: string): Promise<Result> {
  if (global.gc) global.gc();
  peak = 0;
  started = performance.now();
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(`create table t (id bigint not null, qty integer, price double, amount decimal(18,4), comment varchar, status varchar, ts timestamp, day date, flag boolean, ref bigint)`);
  const ap = await c.createAppender('t');
  const types = [BIGINT, INTEGER, DOUBLE, DECIMAL(18, 4), VARCHAR, VARCHAR, TIMESTAMP, DATE, BOOLEAN, BIGINT];
  const conv: ((v: unknown) => DuckDBValue)[] = [
    (v) => v as bigint, (v) => v as number, (v) => v as number, (v) => decimalValue(v as bigint, 18, 4), (v) => v as string, (v) => v as string,
    (v) => timestampValue(v as bigint), (v) => dateValue(v as number), (v) => v as boolean, (v) => v as bigint | null,
  ];
  const names = schema.fields.map((f) => f.name);
  let t = 0;
  for (let s = 0; s < ROWS; s += BATCH) {
    const rows = batch(s, Math.min(BATCH, ROWS - s));
    const t0 = performance.now();
    for (let k = 0; k < rows.length; k += 2048) {
      const part = rows.slice(k, k + 2048);
      const chunk = DuckDBDataChunk.create(types, part.length);
      for (let col = 0; col < names.length; col++) {
        const name = names[col]!;
        const cv = conv[col]!;
        chunk.setColumnValues(col, part.map((r) => (r[name] === null ? null : cv(r[name]))));
      }
      ap.appendDataChunk(chunk);
    }
    t += performance.now() - t0;
    sample();
  }
  const t0 = performance.now();
  ap.closeSync();
  const ids = schema.fields.map((f) => `${f.name}: ${f.id}`).join(', ');
  await c.run(`copy t to '${file}' (format parquet, compression zstd, field_ids {${ids}})`);
  t += performance.now() - t0;
  sample();
  c.closeSync();
  return { name: 'DuckDB appender (2048-row chunks) + COPY', seconds: t / 1000, e2eSeconds: (performance.now() - started) / 1000, bytes: statSync(file).size, peakRssMB: peak / 2 ** 20 };
}

const candidates: [string, (f: string) => Promise<Result>][] = [
  ['ours', (f) => ours(f)],
  ['ours-rg16m', (f) => ours(f, 16 * 2 ** 20)],
  ['ours-worker-rg16m', (f) => ours(f, 16 * 2 ** 20, true)],
  ['ours-columns', oursColumns],
  ['hyparquet', hyparquet],
  ['duckdb', duck],
  ['duckdb-chunks', duckChunks],
  ['parquet-wasm', wasm],
];
// Each (candidate, run) runs in its own process so peak RSS is that candidate's alone.
const child = process.env['BENCH_CHILD'];
if (child) {
  const fn = candidates.find(([k]) => k === child)![1];
  const file = path.join(dir, `${child}.parquet`);
  const r = await fn(file);
  rmSync(dir, { recursive: true, force: true });
  console.log(`RESULT ${JSON.stringify({ ...r, encodeShare })}`);
  process.exit(0);
}
/** Our writer's rows/s against DuckDB's (2048-row chunks) of the same run; goal: at least DuckDB's speed. */
function headline(): BenchRow[] {
  const rates = (key: string): number[] => (all[key] ?? []).map((r) => ROWS / r.seconds);
  const duck = all['duckdb-chunks'] ? rates('duckdb-chunks') : undefined;
  return candidates.filter(([key]) => key.startsWith('ours') && all[key]).map(([key]) => {
    const measure = `${all[key]![0]!.name} rows/s`;
    if (!duck) return headlineRow(measure, medianMin(rates(key)));
    const ratio = pairedRatios(rates(key), duck).median;
    return headlineRow(measure, medianMin(rates(key)), { reference: `DuckDB (chunks) ${medianMin(duck)}`, ratio, ...(key === 'ours' ? { goal: '>= 1.00x', ok: ratio >= 1 } : {}) });
  }).concat(all['ours'] ? [headlineRow('icetide ParquetFileWriter peak RSS MB', String(summary['ours']!.peakRssMB))] : []);
}

const only = process.env['BENCH_ONLY']?.split(',');
const all: Record<string, Result[]> = {};
for (let run = 0; run < RUNS; run++) {
  for (const [key] of candidates) {
    if (only && !only.includes(key)) continue;
    const spawnChild = (): string => execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), String(ROWS)], {
      env: { ...process.env, BENCH_CHILD: key }, encoding: 'utf8', maxBuffer: 1 << 24,
    });
    // Every candidate but ours is a reference: one that cannot run stops the bench.
    const outText = key.startsWith('ours') ? spawnChild() : await reference('parquet-write', `the ${key} writer`, spawnChild);
    const line = outText.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) throw new Error(`bench child ${key} printed no result:\n${outText}`);
    const r = JSON.parse(line.slice(7)) as Result & { encodeShare: number[] };
    encodeShare.push(...r.encodeShare);
    (all[key] ??= []).push(r);
    console.log(`run ${run + 1} ${r.name}: ${(ROWS / r.seconds / 1000).toFixed(0)}k rows/s (generation+write ${(ROWS / r.e2eSeconds / 1000).toFixed(0)}k rows/s), ${(r.bytes / 2 ** 20).toFixed(1)} MB, ${(r.bytes / 2 ** 20 / r.seconds).toFixed(1)} MB/s, peak RSS ${r.peakRssMB.toFixed(0)} MB`);
  }
}
const summary = Object.fromEntries(Object.entries(all).map(([k, rs]) => {
  const rates = rs.map((r) => ROWS / r.seconds).sort((a, b) => a - b);
  const e2e = rs.map((r) => ROWS / r.e2eSeconds).sort((a, b) => a - b);
  return [k, {
    name: rs[0]!.name,
    rowsPerSecMin: Math.round(rates[0]!),
    rowsPerSecMedian: Math.round(rates[Math.floor(rates.length / 2)]!),
    e2eRowsPerSecMin: Math.round(e2e[0]!),
    e2eRowsPerSecMedian: Math.round(e2e[Math.floor(e2e.length / 2)]!),
    fileBytes: rs[0]!.bytes,
    mbPerSecMedian: +((rs[0]!.bytes / 2 ** 20) * rates[Math.floor(rates.length / 2)]! / ROWS).toFixed(1),
    peakRssMB: Math.round(Math.max(...rs.map((r) => r.peakRssMB))),
  }];
}));
const oursMed = summary['ours']?.rowsPerSecMedian;
const duckKey = summary['duckdb-chunks'] ? 'duckdb-chunks' : 'duckdb';
const duckMed = summary[duckKey]?.rowsPerSecMedian;
const out = {
  rows: ROWS, columns: 10, runs: RUNS, codec: 'zstd', node: process.version, cpus: cpus().length, summary,
  oursOverDuckdb: oursMed && duckMed ? { reference: duckKey, medianRatio: +(oursMed / duckMed).toFixed(2) } : undefined,
  encodeShareOfOurWriteTime: encodeShare.map((x) => +x.toFixed(2)),
};
console.log(JSON.stringify(out, null, 2));
report('parquet-write', headline());
mkdirSync(path.join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(path.join(import.meta.dirname, 'results', 'parquet-write.json'), `${JSON.stringify(out, null, 2)}\n`);
rmSync(dir, { recursive: true, force: true });
