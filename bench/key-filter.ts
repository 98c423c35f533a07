/**
 * Key filter throughput, memory and FPP. 5M inserts then 5M lookups (half present, half
 * absent) of long keys (8 bytes) and ~20-byte string keys, through `addValues` (encode + hash +
 * probe, what the writer does per row) and through `add` on pre-encoded bytes; beside it a JS
 * Set (exact membership) of the same keys. Then the FPP and bits per key after growth to 1x, 4x
 * and 16x the expected count, for growth 2 and 4.
 * Run: npx tsx bench/key-filter.ts [runs=3] [keys=5000000] (the growth part scales with keys: expected keys/20, keys/5 probes)
 */
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import { encodeKey, KeyFilter } from '../src/sink/key-filter.js';
import { headlineRow, medianMin, printTable, report, stats, writeResults } from './bench-stats.js';

const RUNS = Number(process.argv[2] ?? 3);
const N = 2 * Math.round(Number(process.argv[3] ?? 5_000_000) / 2); // even: half the lookups hit
const FPP = 0.01;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const heapUsed = () => { gc(); gc(); return process.memoryUsage().heapUsed; };

interface Workload<K> {
  name: string;
  present: K[]; // N keys to insert
  absent: K[]; // N/2 keys never inserted
}

// 8-byte long keys, spread over the int64 range; string keys like "order-00001234-eu-w1".
const longKey = (i: number) => BigInt(i) * 0x9e3779b97f4a7c15n % (2n ** 63n);
const stringKey = (i: number) => flat(`order-${i.toString().padStart(8, '0')}-eu-w1`);
/**
 * Template strings are ropes until first read (which flattens them, ~2x the encoding cost);
 * strings decoded from a source arrive flat, so flatten up front.
 */
function flat(s: string): string {
  s.charCodeAt(0);
  return s;
}

function workload<K>(name: string, make: (i: number) => K): Workload<K> {
  return {
    name,
    present: Array.from({ length: N }, (_, i) => make(i)),
    absent: Array.from({ length: N / 2 }, (_, i) => make(N + i)),
  };
}

interface Row { keys: string; impl: string; insert: number[]; lookup: number[]; bytesPerKey: number; fpp: number }

/**
 * One structure under test. Each closure holds its own loop, so the per-key calls inside stay
 * monomorphic. Lookups alternate a present and an absent key.
 */
interface Subject { insertAll(): void; lookupAll(): { hits: number; absentHits: number }; bytes(): number | undefined }

function run<K>(w: Workload<K>, impl: string, build: () => Subject): Row {
  const insert: number[] = [], lookup: number[] = [];
  let bytesPerKey = 0, fpp = 0;
  for (let r = 0; r < RUNS; r++) {
    const before = heapUsed();
    const s = build();
    let t = performance.now();
    s.insertAll();
    insert.push(N / ((performance.now() - t) / 1000));
    t = performance.now();
    const { hits, absentHits } = s.lookupAll();
    lookup.push(N / ((performance.now() - t) / 1000));
    if (hits !== N / 2) throw new Error(`${impl}: ${N / 2 - hits} false negatives`);
    fpp = absentHits / (N / 2);
    bytesPerKey = (s.bytes() ?? heapUsed() - before) / N;
    _keepAlive = s; // else V8 may free `s` before heapUsed() runs
  }
  return { keys: w.name, impl, insert, lookup, bytesPerKey, fpp };
}
let _keepAlive: unknown;

/** Heap bytes per key of a Set that owns its keys (the timed Set shares the workload's keys). */
function setBytesPerKey<K>(make: (i: number) => K): number {
  const before = heapUsed();
  const s = new Set<K>();
  for (let i = 0; i < N; i++) s.add(make(2 * N + i));
  const bytes = heapUsed() - before;
  _keepAlive = s;
  return bytes / N;
}

/** `addValues` / `mightContainValues`: encode + hash + probe, as the writer calls it per row. */
function filterValues<K>(w: Workload<K>): Subject {
  const f = new KeyFilter({ expectedKeys: N, fpp: FPP });
  const vals: unknown[] = [undefined];
  return {
    insertAll() {
      for (let i = 0; i < N; i++) { vals[0] = w.present[i]; f.addValues(vals); }
    },
    lookupAll() {
      let hits = 0, absentHits = 0;
      for (let i = 0; i < N / 2; i++) {
        vals[0] = w.present[2 * i]; if (f.mightContainValues(vals)) hits++;
        vals[0] = w.absent[i]; if (f.mightContainValues(vals)) absentHits++;
      }
      return { hits, absentHits };
    },
    bytes: () => f.byteSize,
  };
}

/** Keys encoded up front and packed in one buffer. */
function packed<K>(keys: K[]): { buf: Uint8Array; off: Int32Array } {
  const parts = keys.map((k) => encodeKey([k]));
  const off = new Int32Array(parts.length + 1);
  for (let i = 0; i < parts.length; i++) off[i + 1] = off[i]! + parts[i]!.length;
  const buf = new Uint8Array(off[parts.length]!);
  parts.forEach((part, i) => buf.set(part, off[i]!));
  return { buf, off };
}

/** `add(bytes, start, end)` on pre-encoded keys: the filter alone, without key encoding. */
function filterBytes(p: { buf: Uint8Array; off: Int32Array }, a: { buf: Uint8Array; off: Int32Array }): Subject {
  const f = new KeyFilter({ expectedKeys: N, fpp: FPP });
  return {
    insertAll() {
      for (let i = 0; i < N; i++) f.add(p.buf, p.off[i]!, p.off[i + 1]!);
    },
    lookupAll() {
      let hits = 0, absentHits = 0;
      for (let i = 0; i < N / 2; i++) {
        if (f.mightContain(p.buf, p.off[2 * i]!, p.off[2 * i + 1]!)) hits++;
        if (f.mightContain(a.buf, a.off[i]!, a.off[i + 1]!)) absentHits++;
      }
      return { hits, absentHits };
    },
    bytes: () => f.byteSize,
  };
}

/** Exact membership: a Set of the key values themselves (bigint or string). */
function exactSet<K>(w: Workload<K>): Subject {
  const s = new Set<K>();
  return {
    insertAll() {
      for (let i = 0; i < N; i++) s.add(w.present[i]!);
    },
    lookupAll() {
      let hits = 0, absentHits = 0;
      for (let i = 0; i < N / 2; i++) {
        if (s.has(w.present[2 * i]!)) hits++;
        if (s.has(w.absent[i]!)) absentHits++;
      }
      return { hits, absentHits };
    },
    bytes: () => undefined, // heap growth: the Set's own table, keys are shared
  };
}

const fmtOps = (xs: number[]) => { const s = stats(xs); return `${(s.min / 1e6).toFixed(2)} / ${(s.median / 1e6).toFixed(2)}`; };

const rows: Row[] = [];
for (const [name, make] of [['long (8 B)', longKey], ['string (20 B)', stringKey]] as const) {
  const w = workload<bigint | string>(name, make);
  rows.push(run(w, 'KeyFilter.addValues', () => filterValues(w)));
  const p = packed(w.present), a = packed(w.absent);
  rows.push(run(w, 'KeyFilter.add(bytes)', () => filterBytes(p, a)));
  rows.push({ ...run(w, 'Set (exact)', () => exactSet(w)), bytesPerKey: setBytesPerKey<bigint | string>(make) });
  _keepAlive = undefined;
}
console.log(`\n${N / 1e6}M inserts then ${N / 1e6}M lookups (half absent), fpp ${FPP}; Mops/s min / median of ${RUNS} runs;`
  + ` Set bytes/key include its own key values; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores`);
printTable(rows.map((r) => ({
  keys: r.keys, impl: r.impl, 'insert Mops/s': fmtOps(r.insert), 'lookup Mops/s': fmtOps(r.lookup),
  'bytes/key': r.bytesPerKey.toFixed(2), 'measured FPP': r.fpp.toFixed(5),
})));

// Growth: FPP and memory at 1x, 4x, 16x the expected count.
const EXPECTED = Math.round(N / 20), PROBES = Math.round(N / 5);
const growthRows: Record<string, string | number>[] = [];
const probes = Array.from({ length: PROBES }, (_, i) => stringKey(100_000_000 + i));
const probe: unknown[] = [undefined];
for (const growth of [2, 4]) {
  const f = new KeyFilter({ expectedKeys: EXPECTED, fpp: FPP, growth });
  let added = 0;
  for (const mult of [1, 4, 16]) {
    for (; added < EXPECTED * mult; added++) f.addValues([stringKey(added)]);
    let hits = 0;
    const t = performance.now();
    for (let i = 0; i < PROBES; i++) { probe[0] = probes[i]; if (f.mightContainValues(probe)) hits++; }
    const dt = performance.now() - t;
    growthRows.push({
      growth, keys: `${mult}x (${added / 1e6}M)`, filters: f.filterCount, 'bits/key': ((f.byteSize * 8) / added).toFixed(2),
      'measured FPP': (hits / PROBES).toFixed(5), 'estimated FPP': f.estimatedFpp.toFixed(5),
      'absent lookup Mops/s': (PROBES / dt / 1000).toFixed(2),
    });
  }
}
console.log(`\nGrowth past expectedKeys=${EXPECTED}, fpp ${FPP}, ${PROBES / 1e6}M absent probes`);
printTable(growthRows);

// Headline: the filter (addValues, as the writer calls it) against the exact Set of the same keys, same run.
const med = (xs: number[]) => stats(xs).median;
const mops = (xs: number[]) => medianMin(xs.map((x) => x / 1e6), 2);
report('key-filter', rows.filter((r) => r.impl === 'KeyFilter.addValues').flatMap((r) => {
  const set = rows.find((x) => x.keys === r.keys && x.impl === 'Set (exact)')!;
  return [
    headlineRow(`${r.keys} keys: inserts Mops/s`, mops(r.insert), { reference: `Set ${mops(set.insert)}`, ratio: med(r.insert) / med(set.insert) }),
    headlineRow(`${r.keys} keys: lookups Mops/s`, mops(r.lookup), { reference: `Set ${mops(set.lookup)}`, ratio: med(r.lookup) / med(set.lookup) }),
    headlineRow(`${r.keys} keys: bytes/key`, r.bytesPerKey.toFixed(2), { reference: `Set ${set.bytesPerKey.toFixed(2)}`, ratio: r.bytesPerKey / set.bytesPerKey }),
    headlineRow(`${r.keys} keys: measured FPP (configured ${FPP})`, r.fpp.toFixed(5)),
  ];
}));

const file = writeResults('key-filter', { n: N, fpp: FPP, runs: RUNS, rows, growth: growthRows });
console.log(`\nwrote ${file}`);
