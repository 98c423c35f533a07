/**
 * Where the manager records maintenance runs. Small on purpose: SQLite (better-sqlite3) is the
 * default, and a PostgreSQL store can implement the same few methods later.
 */
export type RunResult = 'running' | 'succeeded' | 'noop' | 'failed' | 'aborted';

export interface RunRecord {
  readonly id: number;
  readonly table: string;
  readonly job: string;
  readonly startedAtMs: number;
  readonly endedAtMs?: number;
  readonly result: RunResult;
  readonly filesIn: number;
  readonly bytesIn: number;
  readonly filesOut: number;
  readonly bytesOut: number;
  readonly summary?: string;
  readonly error?: string;
  /** Which process ran it (host:pid), so a crashed run can be recognised. */
  readonly owner: string;
}

export interface RunStart {
  readonly table: string;
  readonly job: string;
  readonly startedAtMs: number;
  readonly owner: string;
}

export interface RunEnd {
  readonly endedAtMs: number;
  readonly result: Exclude<RunResult, 'running'>;
  readonly filesIn?: number;
  readonly bytesIn?: number;
  readonly filesOut?: number;
  readonly bytesOut?: number;
  readonly summary?: string;
  readonly error?: string;
}

export interface RunQuery {
  readonly table?: string;
  readonly job?: string;
  readonly result?: RunResult;
  /** Newest first; default 50. */
  readonly limit?: number;
}

/** Totals per table, job and result, for `/metrics`. */
export interface RunTotals {
  readonly table: string;
  readonly job: string;
  readonly result: RunResult;
  readonly runs: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly filesIn: number;
  readonly filesOut: number;
}

export interface StateStore {
  startRun(run: RunStart): Promise<RunRecord>;
  finishRun(id: number, end: RunEnd): Promise<RunRecord>;
  listRuns(q?: RunQuery): Promise<RunRecord[]>;
  /** The newest finished run of a job on a table. */
  lastRun(table: string, job: string): Promise<RunRecord | undefined>;
  totals(): Promise<RunTotals[]>;
  /** Marks runs left `running` by an earlier process on this host as aborted (crash recovery). */
  abandonRunning(host: string, atMs: number): Promise<number>;
  close(): Promise<void>;
}
