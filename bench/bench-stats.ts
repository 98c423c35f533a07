import fs from 'node:fs';
import path from 'node:path';

/** min / median of repeated measurements: the machine is shared, so single runs lie. */
export function stats(xs: readonly number[]): { min: number; median: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0]!, median: s[Math.floor(s.length / 2)]!, max: s[s.length - 1]! };
}

/** min / median of ours[i] / reference[i]: each ratio taken within one run, side by side. */
export function pairedRatios(ours: readonly number[], reference: readonly number[]): { min: number; median: number; max: number } {
  if (ours.length !== reference.length || ours.length === 0) throw new Error(`paired ratios need as many reference runs as ours (${ours.length} vs ${reference.length})`);
  return stats(ours.map((x, i) => x / reference[i]!));
}

/** "median (min d)" of repeated measurements, for a `ours` / `reference` cell. */
export function medianMin(xs: readonly number[], digits = 0): string {
  const s = stats(xs);
  const f = (x: number) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return `${f(s.median)} (min ${f(s.min)})`;
}

export function writeResults(name: string, data: unknown): string {
  const dir = path.resolve(process.cwd(), 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(data, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2));
  return file;
}

/** Columns right-aligned (numbers), except those named in `left` (text). */
export function printTable(rows: Record<string, string | number>[], left: readonly string[] = []): void {
  const headers = Object.keys(rows[0] ?? {});
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => String(r[h]).length)));
  const line = (cells: string[]) => cells.map((c, i) => (left.includes(headers[i]!) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  console.log(line(headers));
  for (const r of rows) console.log(line(headers.map((h) => String(r[h]))));
}

/** 'yes' / 'no' against a goal; '-' when the measure has none. */
export type GoalMet = 'yes' | 'no' | '-';

/**
 * One headline measure of a bench, in the shape every bench reports (issue 21). `reference` and
 * `ratio` are '-' unless the reference ran in the same process and run; a ratio is never estimated.
 */
export interface BenchRow {
  measure: string;
  ours: string;
  reference: string;
  ratio: string;
  goal: string;
  met: GoalMet;
}

/** A BenchRow from its parts: `met` is '-' without a goal, else whether `ok` held. */
export function headlineRow(measure: string, ours: string, o: { reference?: string; ratio?: number; goal?: string; ok?: boolean } = {}): BenchRow {
  if (o.goal !== undefined && o.ok === undefined) throw new Error(`${measure}: a goal (${o.goal}) needs its check`);
  return {
    measure,
    ours,
    reference: o.reference ?? '-',
    ratio: o.ratio === undefined ? '-' : o.ratio.toFixed(2),
    goal: o.goal ?? '-',
    met: o.ok === undefined || o.goal === undefined ? '-' : o.ok ? 'yes' : 'no',
  };
}

/** The headline columns printed left-aligned. */
export const HEADLINE_TEXT_COLUMNS = ['bench', 'measure', 'ours', 'reference', 'goal'] as const;

/** The file `npm run bench` collects every bench's rows in (JSON lines), when set. */
export const SUMMARY_ENV = 'ICETIDE_BENCH_SUMMARY';

/** Prints a bench's headline table and, under `npm run bench`, appends its rows to the summary file. */
export function report(bench: string, rows: readonly BenchRow[]): void {
  console.log(`\n${bench}: headline measures`);
  printTable(rows.map((r) => ({ ...r })), HEADLINE_TEXT_COLUMNS);
  const summary = process.env[SUMMARY_ENV];
  if (summary) fs.appendFileSync(summary, rows.map((r) => `${JSON.stringify({ bench, ...r })}\n`).join(''));
}

/** A reference (DuckDB, MariaDB, s3rver, PostgreSQL, ...) that could not start or run: the bench stops. */
export class BenchReferenceError extends Error {
  constructor(readonly bench: string, readonly reference: string, override readonly cause: unknown) {
    super(`${bench}: ${reference} could not run (${cause instanceof Error ? cause.message : String(cause)}); install or start it and run the bench again: no ratio is reported without its reference`);
    this.name = 'BenchReferenceError';
  }
}

/** Runs (or starts) a bench's reference, turning any failure into a BenchReferenceError naming it. */
export async function reference<T>(bench: string, what: string, f: () => Promise<T> | T): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw new BenchReferenceError(bench, what, e);
  }
}
