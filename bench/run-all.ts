/**
 * `npm run bench`: every bench, one after another (never in parallel: the machine is shared),
 * each in its own process, then one table of every bench's headline measures and how many goals
 * were met. Short sizes by default (the whole run in under 10 minutes on a 2-core machine);
 * `--full` runs each bench with its own long defaults. `--only scan,sink` picks benches.
 * Exits non-zero when a bench failed to run (a reference that cannot start, a crash); unmet
 * goals are reported, not failures.
 * Run: npm run bench [-- --full] [-- --only name1,name2]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HEADLINE_TEXT_COLUMNS, SUMMARY_ENV, printTable, type BenchRow } from './bench-stats.js';

interface Bench {
  name: string;
  /** Arguments of the short run (`npm run bench`); the full run passes none (each bench's defaults). */
  short: string[];
}

// Short sizes: about 5 minutes in all on this 2-core machine (4.2 and 4.6 min measured, load
// average 7-8); each still runs its references side by side, 3 runs, so ratios are medians of pairs.
const BENCHES: Bench[] = [
  { name: 'avro', short: ['20000', '3'] },
  { name: 'catalog', short: ['50', '3'] },
  { name: 'compaction', short: ['500', '500', '3'] },
  { name: 'key-filter', short: ['3', '1000000'] },
  { name: 'kafka', short: ['30000', '3'] },
  { name: 'key-index', short: ['3', '100000'] },
  { name: 'mysql', short: ['400000', '150000', '3', '8'] },
  { name: 'parquet-write', short: ['200000', '3'] },
  { name: 'plan', short: ['3'] },
  { name: 's3', short: ['16', '3', '400000'] },
  { name: 'scan', short: ['500000', '3'] },
  { name: 'sink', short: ['300000', '3'] },
];

class UsageError extends Error {}

function parseArgs(argv: string[]): { full: boolean; only?: Set<string> } {
  let full = false;
  let only: Set<string> | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--full') full = true;
    else if (a === '--only' || a.startsWith('--only=')) {
      const list = a === '--only' ? argv[++i] : a.slice('--only='.length);
      if (!list) throw new UsageError('--only needs a comma-separated list of bench names');
      only = new Set(list.split(',').map((s) => s.trim()).filter(Boolean));
      const unknown = [...only].filter((n) => !BENCHES.some((b) => b.name === n));
      if (unknown.length > 0) throw new UsageError(`--only: no bench named ${unknown.join(', ')}; the benches are ${BENCHES.map((b) => b.name).join(', ')}`);
    } else throw new UsageError(`unknown argument ${a}; usage: npm run bench [-- --full] [-- --only name1,name2]`);
  }
  return { full, ...(only ? { only } : {}) };
}

/** Runs one bench script in a child process (output shown as it comes); resolves its exit code. */
function runBench(b: Bench, full: boolean, summary: string): Promise<number> {
  const script = path.join(import.meta.dirname, `${b.name}.ts`);
  // The same loader (tsx) this process runs under; --expose-gc for the benches that collect between cases.
  const child = spawn(process.execPath, [...process.execArgv, '--expose-gc', script, ...(full ? [] : b.short)], {
    stdio: 'inherit',
    env: { ...process.env, [SUMMARY_ENV]: summary },
  });
  return new Promise((resolve) => {
    child.once('error', () => resolve(-1));
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1)));
  });
}

function readSummary(file: string): (BenchRow & { bench: string })[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as BenchRow & { bench: string });
}

let args: ReturnType<typeof parseArgs>;
try {
  args = parseArgs(process.argv.slice(2));
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  console.error(e.message);
  process.exit(2);
}
const chosen = BENCHES.filter((b) => !args.only || args.only.has(b.name));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'icetide-bench-summary-'));
const summary = path.join(dir, 'rows.jsonl');
const failed: string[] = [];
const times: Record<string, string> = {};
const began = performance.now();
try {
  for (const b of chosen) {
    console.log(`\n=== bench ${b.name} (${args.full ? 'full' : `short: ${b.short.join(' ')}`})`);
    const t0 = performance.now();
    const code = await runBench(b, args.full, summary);
    times[b.name] = `${((performance.now() - t0) / 1000).toFixed(0)} s`;
    if (code !== 0) {
      failed.push(`${b.name} (exit ${code})`);
      console.error(`=== bench ${b.name} FAILED with exit code ${code}`);
    }
  }
  const rows = readSummary(summary);
  const goals = rows.filter((r) => r.met !== '-');
  const minutes = ((performance.now() - began) / 60_000).toFixed(1);
  console.log(`\n=== npm run bench${args.full ? ' -- --full' : ''}: ${chosen.length} benches in ${minutes} min on ${os.cpus().length} cores (load average ${os.loadavg()[0]!.toFixed(1)}), Node ${process.version}`);
  console.log(`per bench: ${chosen.map((b) => `${b.name} ${times[b.name]}`).join(', ')}`);
  if (rows.length > 0) printTable(rows.map((r) => ({ bench: r.bench, measure: r.measure, ours: r.ours, reference: r.reference, ratio: r.ratio, goal: r.goal, met: r.met })), HEADLINE_TEXT_COLUMNS);
  console.log(`${goals.filter((r) => r.met === 'yes').length} of ${goals.length} goals met`);
  if (failed.length > 0) {
    console.error(`FAILED to run: ${failed.join(', ')} (see their output above; what they did not report is missing from the table)`);
    process.exitCode = 1;
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
