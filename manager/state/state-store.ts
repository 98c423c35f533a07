/**
 * Where the manager records maintenance runs. Small on purpose: SQLite (better-sqlite3) is the
 * default (`sqlite-state-store.ts`); PostgreSQL (`postgres-state-store.ts`) lets several
 * daemons share one history. `open-state-store.ts` picks one from the config.
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

/**
 * Every method may throw a StateStoreError (`state-store-errors.ts`): unavailable (retriable),
 * access refused, or a failed query.
 */
export interface StateStore {
  /**
   * Connects and creates the schema when missing; idempotent. The other methods open the store
   * themselves, so calling this only makes a daemon fail at start rather than at its first run.
   */
  open(): Promise<void>;
  startRun(run: RunStart): Promise<RunRecord>;
  finishRun(id: number, end: RunEnd): Promise<RunRecord>;
  listRuns(q?: RunQuery): Promise<RunRecord[]>;
  /** The newest finished run of a job on a table. */
  lastRun(table: string, job: string): Promise<RunRecord | undefined>;
  totals(): Promise<RunTotals[]>;
  /**
   * Marks runs left `running` by an earlier process on this host (owner `host` or `host:pid`)
   * as aborted (crash recovery). Daemons sharing one store are told apart by host name.
   */
  abandonRunning(host: string, atMs: number): Promise<number>;
  close(): Promise<void>;
}
