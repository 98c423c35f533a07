/**
 * Sink throughput: 1M upsert events (70% inserts of new keys, 20% updates, 10% deletes) into
 * a v2 upsert table, with the key filter on and off, and 1M append events into a v1 table.
 * Prints events/s, commits, files and bytes, equality-delete rows and peak RSS.
 * Run: npx tsx bench/sink.ts [events] [runs]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FilesystemCatalog } from '../src/catalog/filesystem-catalog.js';
import { Schema } from '../src/iceberg/spec/schema.js';
import { decimal, primitive } from '../src/iceberg/spec/types.js';
import type { ChangeEvent } from '../src/sink/change-event.js';
import { TableWriter } from '../src/sink/table-writer.js';
import { headlineRow, medianMin, pairedRatios, printTable, report, stats, writeResults } from './bench-stats.js';

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 3);
const BATCH = 10_000;
const COMMIT_EVERY = 100_000;

const schema = new Schema(0, [
  { id: 1, name: 'id', required: true, type: primitive('long') },
  { id: 2, name: 'customer', required: false, type: primitive('string') },
  { id: 3, name: 'status', required: false, type: primitive('string') },
  { id: 4, name: 'amount', required: false, type: decimal(12, 2) },
  { id: 5, name: 'qty', required: false, type: primitive('int') },
  { id: 6, name: 'updated_at', required: false, type: primitive('timestamptz') },
], [1]);

function* upsertEvents(n: number): Generator<ChangeEvent[]> {
  let nextKey = 0;
  let seed = 42;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const row = (id: number, i: number) => ({ id: BigInt(id), customer: `customer-${id % 50_000}`, status: ['new', 'paid', 'shipped'][i % 3]!, amount: BigInt(i % 100_000), qty: i % 17, updated_at: 1_700_000_000_000_000n + BigInt(i) });
  let batch: ChangeEvent[] = [];
  for (let i = 0; i < n; i++) {
    const r = rnd();
    if (r < 0.7 || nextKey < 1000) {
      const id = nextKey++;
      batch.push({ table: 's.t', op: 'insert', after: row(id, i), position: i, sourceTsMs: i });
    } else {
      const id = Math.floor(rnd() * nextKey);
      if (r < 0.9) batch.push({ table: 's.t', op: 'update', before: row(id, i - 1), after: row(id, i), position: i, sourceTsMs: i });
      else batch.push({ table: 's.t', op: 'delete', before: row(id, i - 1), position: i, sourceTsMs: i });
    }
    if (batch.length === BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

function* appendEvents(n: number): Generator<ChangeEvent[]> {
  let batch: ChangeEvent[] = [];
  for (let i = 0; i < n; i++) {
    batch.push({ table: 's.t', op: 'insert', after: { id: BigInt(i), customer: `customer-${i % 50_000}`, status: 'new', amount: BigInt(i % 100_000), qty: i % 17, updated_at: 1_700_000_000_000_000n + BigInt(i) }, position: i, sourceTsMs: i });
    if (batch.length === BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

interface Result { seconds: number; commits: number; dataFiles: number; deleteFiles: number; eqDeletes: number; posDeletes: number; skipped: number; bytes: number; peakRssMb: number }

async function run(kind: 'upsert' | 'append', filter: boolean): Promise<Result> {
  const wh = fs.mkdtempSync(path.join(os.tmpdir(), 'icetide-bench-sink-'));
  try {
    const table = await new FilesystemCatalog(wh).createTable({ namespace: ['b'], name: 't' }, { schema, formatVersion: kind === 'upsert' ? 2 : 1, properties: { 'write.parquet.row-group-size-bytes': String(16 * 1024 * 1024) } });
    const w = await TableWriter.open(table, { pipelineId: 'bench', mode: kind, keyFilter: filter ? { expectedKeys: EVENTS, fpp: 0.01, checkpointEveryCommits: 5 } : false });
    let peak = 0;
    const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const r: Result = { seconds: 0, commits: 0, dataFiles: 0, deleteFiles: 0, eqDeletes: 0, posDeletes: 0, skipped: 0, bytes: 0, peakRssMb: 0 };
    const t0 = performance.now();
    let sinceCommit = 0;
    const commit = async (pos: number) => {
      const s = await w.commit({ position: pos, phase: 'incremental' });
      if (!s) return;
      r.commits++;
      r.dataFiles += s.dataFiles;
      r.deleteFiles += s.deleteFiles;
      r.eqDeletes += s.equalityDeletes;
      r.posDeletes += s.positionDeletes;
      r.skipped += s.skippedDeletes;
    };
    let n = 0;
    for (const batch of kind === 'upsert' ? upsertEvents(EVENTS) : appendEvents(EVENTS)) {
      await w.write(batch, 'incremental');
      n += batch.length;
      sinceCommit += batch.length;
      if (sinceCommit >= COMMIT_EVERY) {
        await commit(n);
        sinceCommit = 0;
      }
    }
    await commit(n);
    r.seconds = (performance.now() - t0) / 1000;
    clearInterval(sample);
    r.peakRssMb = Math.round(Math.max(peak, process.memoryUsage().rss) / 2 ** 20);
    r.bytes = Number(table.currentSnapshot()!.summary['total-files-size'] ?? 0);
    return r;
  } finally {
    fs.rmSync(wh, { recursive: true, force: true });
  }
}

const cases = [
  { name: 'upsert, key filter on', kind: 'upsert' as const, filter: true },
  { name: 'upsert, key filter off', kind: 'upsert' as const, filter: false },
  { name: 'append (v1)', kind: 'append' as const, filter: false },
];
const rows: Record<string, string | number>[] = [];
const all: Record<string, Result[]> = {};
// Runs interleave the cases, so the filter on/off ratio is taken side by side in one run.
for (let i = 0; i < RUNS; i++) for (const c of cases) (all[c.name] ??= []).push(await run(c.kind, c.filter));
for (const c of cases) {
  const results = all[c.name]!;
  const rate = stats(results.map((x) => EVENTS / x.seconds));
  const last = results[results.length - 1]!;
  rows.push({
    case: c.name,
    'events/s min': Math.round(rate.min),
    'events/s median': Math.round(rate.median),
    commits: last.commits,
    'data files': last.dataFiles,
    'delete files': last.deleteFiles,
    'eq-delete rows': last.eqDeletes,
    'pos-delete rows': last.posDeletes,
    'deletes skipped': last.skipped,
    MB: (last.bytes / 2 ** 20).toFixed(1),
    'peak RSS MB': Math.max(...results.map((x) => x.peakRssMb)),
  });
}
console.log(`${EVENTS} events per case, commit every ${COMMIT_EVERY}, ${RUNS} runs (min/median), node ${process.version}`);
printTable(rows);
const rates = (name: string) => all[name]!.map((x) => EVENTS / x.seconds);
const eqOn = all['upsert, key filter on']!.at(-1)!.eqDeletes;
const eqOff = all['upsert, key filter off']!.at(-1)!.eqDeletes;
report('sink', [
  headlineRow('upsert events/s, key filter on', medianMin(rates('upsert, key filter on')), { reference: `filter off ${medianMin(rates('upsert, key filter off'))}`, ratio: pairedRatios(rates('upsert, key filter on'), rates('upsert, key filter off')).median }),
  headlineRow('append (v1) events/s', medianMin(rates('append (v1)'))),
  // The filter's job: equality deletes only for keys that may exist (goal: 90% fewer rows).
  headlineRow('equality-delete rows, key filter on', eqOn.toLocaleString('en-US'), { reference: `filter off ${eqOff.toLocaleString('en-US')}`, ratio: eqOn / eqOff, goal: 'cut >= 90%', ok: 1 - eqOn / eqOff >= 0.9 }),
  headlineRow('peak RSS MB (max of all cases)', String(Math.max(...Object.values(all).flat().map((x) => x.peakRssMb)))),
]);
console.log(`results: ${writeResults('sink', { events: EVENTS, runs: RUNS, all, rows })}`);
