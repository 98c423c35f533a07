/**
 * Key index cost and speed (issue 17): bytes per key of the index hash tables for bigint keys
 * (10M), short string keys and (string, int) composite keys; the whole process's RSS with
 * 10M bigint keys indexed; and CDC events/s through the upsert sink with the index on against
 * the same run with it off (key filter on, equality deletes), side by side in one process.
 * Run: npx tsx bench/key-index.ts [runs=3] [cdc-events=300000] (the memory goals are for 10M keys: always 10M)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FilesystemCatalog } from '../src/catalog/filesystem-catalog.js';
import type { ChangeEvent } from '../src/sink/change-event.js';
import { newKeyTable, type KeyTable } from '../src/sink/key-index.js';
import { TableWriter } from '../src/sink/table-writer.js';
import { byRegion, regionSchema } from '../test/support/region-table.js';
import { headlineRow, medianMin, pairedRatios, report, writeResults } from './bench-stats.js';

const RUNS = Number(process.argv[2] ?? 3);
const MB = 1024 * 1024;

function fill(t: KeyTable, n: number, key: (i: number) => unknown[]): void {
  for (let i = 0; i < n; i++) t.set(key(i), i % 50, i);
}

// 1. RSS first, while the process holds nothing else.
const rssBefore = process.memoryUsage().rss;
const big = newKeyTable(true);
const N_BIG = 10_000_000;
let t0 = performance.now();
fill(big, N_BIG, (i) => [BigInt(i) * 0x9e3779b97f4a7c15n % (2n ** 63n)]);
const bigInsertPerSec = N_BIG / ((performance.now() - t0) / 1000);
const rss10M = process.memoryUsage().rss;
t0 = performance.now();
let hits = 0;
for (let i = 0; i < N_BIG; i += 2) if (big.find([BigInt(i) * 0x9e3779b97f4a7c15n % (2n ** 63n)]) >= 0) hits++;
const bigLookupPerSec = N_BIG / 2 / ((performance.now() - t0) / 1000);
if (hits !== N_BIG / 2) throw new Error(`bigint index lost ${N_BIG / 2 - hits} keys`);
const bigintBytesPerKey = big.bytes / big.size;

const N_SMALL = 2_000_000;
const str = newKeyTable(false);
fill(str, N_SMALL, (i) => [`order-${i.toString().padStart(8, '0')}`]);
const stringBytesPerKey = str.bytes / str.size;
const comp = newKeyTable(false);
fill(comp, N_SMALL, (i) => [`eu-${i % 97}`, i]);
const compositeBytesPerKey = comp.bytes / comp.size;

// 2. CDC events/s: a 100k-key table, then updates (a third of them move partitions), deletes
// and inserts whose before-images carry the key only.
const KEYS = 100_000;
const EVENTS = Number(process.argv[3] ?? 300_000);
const COMMIT_EVERY = 25_000;
function changes(): ChangeEvent[] {
  let s = 12345;
  const rand = () => ((s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x9e3779b9) >>> 0) / 2 ** 32);
  const live = new Set<number>();
  for (let i = 0; i < KEYS; i++) live.add(i);
  let next = KEYS;
  const out: ChangeEvent[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const r = rand();
    const id = Math.floor(rand() * next);
    const position = { line: i };
    if (r < 0.1 || !live.has(id)) {
      const k = next++;
      live.add(k);
      out.push({ table: 's.t', op: 'insert', after: { id: BigInt(k), region: k % 4, v: `v${i}` }, position, sourceTsMs: i });
    } else if (r < 0.2) {
      live.delete(id);
      out.push({ table: 's.t', op: 'delete', before: { id: BigInt(id) }, position, sourceTsMs: i });
    } else {
      out.push({ table: 's.t', op: 'update', before: { id: BigInt(id) }, after: { id: BigInt(id), region: r < 0.45 ? Math.floor(rand() * 4) : id % 4, v: `v${i}` }, position, sourceTsMs: i });
    }
  }
  return out;
}
const events = changes();
const initial: ChangeEvent[] = Array.from({ length: KEYS }, (_, k) => ({ table: 's.t', op: 'insert', after: { id: BigInt(k), region: k % 4, v: 'init' }, position: { k }, sourceTsMs: 0 }));

async function cdcRun(index: boolean): Promise<number> {
  const wh = fs.mkdtempSync(path.join(os.tmpdir(), 'icetide-bench-key-index-'));
  try {
    const t = await new FilesystemCatalog(wh).createTable({ namespace: ['b'], name: 't' }, { schema: regionSchema, spec: byRegion });
    const w = await TableWriter.open(t, {
      pipelineId: 'bench', mode: 'upsert',
      keyFilter: { expectedKeys: 1_000_000, fpp: 0.01, checkpointEveryCommits: 10 },
      keyIndex: index ? { checkpointEveryCommits: 100 } : false,
    });
    await w.write(initial, 'snapshot');
    await w.commit({ position: { k: KEYS }, phase: 'snapshot' });
    const start = performance.now();
    for (let i = 0; i < events.length; i += COMMIT_EVERY) {
      await w.write(events.slice(i, i + COMMIT_EVERY), 'incremental');
      await w.commit({ position: { line: i }, phase: 'incremental' });
    }
    return events.length / ((performance.now() - start) / 1000);
  } finally {
    fs.rmSync(wh, { recursive: true, force: true });
  }
}

const on: number[] = [], off: number[] = [];
for (let r = 0; r < RUNS; r++) {
  // alternate the order so neither mode always runs on a warmer machine
  if (r % 2 === 0) { on.push(await cdcRun(true)); off.push(await cdcRun(false)); }
  else { off.push(await cdcRun(false)); on.push(await cdcRun(true)); }
}
const ratios = on.map((x, i) => x / off[i]!);
const ratio = pairedRatios(on, off);

const f = (x: number, d = 1) => x.toFixed(d);
const rows = [
  headlineRow('index bytes/key, bigint (10M keys)', f(bigintBytesPerKey), { goal: '<= 32', ok: bigintBytesPerKey <= 32 }),
  headlineRow('index bytes/key, string "order-00001234"', f(stringBytesPerKey), { goal: '<= 48', ok: stringBytesPerKey <= 48 }),
  headlineRow('index bytes/key, (string, int) composite', f(compositeBytesPerKey), { goal: '<= 48', ok: compositeBytesPerKey <= 48 }),
  headlineRow('process RSS MB with 10M bigint keys', f(rss10M / MB, 0), { reference: `${f(rssBefore / MB, 0)} before`, goal: '<= 512', ok: rss10M / MB <= 512 }),
  headlineRow('index inserts/s, lookups/s (10M bigint)', `${f(bigInsertPerSec / 1e6, 2)}M, ${f(bigLookupPerSec / 1e6, 2)}M`),
  headlineRow('CDC events/s, index on', medianMin(on), { reference: `index off ${medianMin(off)}`, ratio: ratio.median, goal: '>= 0.90', ok: ratio.median >= 0.9 }),
];
report('key-index', rows);
console.log(`results: ${writeResults('key-index', { runs: RUNS, bigintBytesPerKey, stringBytesPerKey, compositeBytesPerKey, rss10M, rssBefore, bigInsertPerSec, bigLookupPerSec, on, off, ratios })}`);
