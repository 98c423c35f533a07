/**
 * The `runs` row as both stores read it, and its mapping to a RunRecord. Numeric columns are
 * `number | string` because PostgreSQL's driver returns BIGINT and SUM() as strings (a 64-bit
 * value may not fit a JS number); byte counts stay far below 2^53, so Number() is exact.
 */
import type { RunRecord, RunResult, RunTotals } from './state-store.js';

type Num = number | string;

export interface RunRow {
  id: Num;
  table_name: string;
  job: string;
  started_at_ms: Num;
  ended_at_ms: Num | null;
  result: RunResult;
  files_in: Num;
  bytes_in: Num;
  files_out: Num;
  bytes_out: Num;
  summary: string | null;
  error: string | null;
  owner: string;
}

export interface TotalsRow {
  table_name: string;
  job: string;
  result: RunResult;
  runs: Num;
  bytes_in: Num;
  bytes_out: Num;
  files_in: Num;
  files_out: Num;
}

export function toRecord(r: RunRow): RunRecord {
  return {
    id: Number(r.id),
    table: r.table_name,
    job: r.job,
    startedAtMs: Number(r.started_at_ms),
    ...(r.ended_at_ms !== null ? { endedAtMs: Number(r.ended_at_ms) } : {}),
    result: r.result,
    filesIn: Number(r.files_in),
    bytesIn: Number(r.bytes_in),
    filesOut: Number(r.files_out),
    bytesOut: Number(r.bytes_out),
    ...(r.summary !== null ? { summary: r.summary } : {}),
    ...(r.error !== null ? { error: r.error } : {}),
    owner: r.owner,
  };
}

export function toTotals(r: TotalsRow): RunTotals {
  return {
    table: r.table_name,
    job: r.job,
    result: r.result,
    runs: Number(r.runs),
    bytesIn: Number(r.bytes_in),
    bytesOut: Number(r.bytes_out),
    filesIn: Number(r.files_in),
    filesOut: Number(r.files_out),
  };
}

/** Written into `error` of a run that a restarted manager found still `running`. */
export const ABANDONED_MESSAGE = 'the manager process stopped during the run';

/** How many runs `listRuns` returns when the query gives no limit. */
export const DEFAULT_LIST_LIMIT = 50;
