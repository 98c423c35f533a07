import os from 'node:os';
import { formatTableIdentifier } from '../../src/catalog/catalog.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import type { Logger } from '../../src/logging/logger.js';
import { listAllTables, loadTableByName } from './warehouse-tables.js';
import type { RunRecord, StateStore } from '../state/state-store.js';
import { jobsForTable, type JobPolicy, type Policy } from './config.js';
import { decide, type JobState } from './job-decision.js';
import { waitForCommitWindow } from './writer-cadence.js';
import { NO_WAIT_CONTEXT, type JobContext, type JobName, type JobRegistry } from '../jobs.js';

/** One line of `icetide manager status`: a table, a job, and why it runs or not. */
export interface JobStatus {
  readonly table: string;
  /** Null when no policy matches the table. */
  readonly job: JobName | null;
  readonly state: JobState | 'unmanaged' | 'error';
  readonly reason: string;
  readonly runId?: number;
  readonly lastRun?: RunRecord;
  readonly nextCheck?: string;
}

export interface SchedulerOptions {
  readonly catalog: Catalog;
  readonly store: StateStore;
  readonly registry: JobRegistry;
  readonly policies: readonly Policy[];
  readonly maxConcurrentJobs: number;
  readonly pollIntervalMs: number;
  readonly respectWriterCadence: boolean;
  readonly logger: Logger;
  /** Recorded with every run; default `host:pid`. */
  readonly owner?: string;
  readonly now?: () => number;
}

interface Running {
  readonly table: string;
  readonly job: JobName;
  readonly startedAtMs: number;
  runId?: number;
  readonly controller: AbortController;
  promise?: Promise<void>;
}

/**
 * Decides and starts maintenance runs: every poll interval it looks at every table of the
 * warehouse, applies the first matching policy per job, and starts what is due — one run per
 * table at a time and at most `maxConcurrentJobs` at once. Every run is recorded in the state
 * store; `stop()` aborts running jobs through their AbortSignal and waits for them.
 */
export class Scheduler {
  readonly owner: string;
  private readonly now: () => number;
  private readonly running = new Map<string, Running>();
  private statuses: JobStatus[] = [];
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly o: SchedulerOptions) {
    this.owner = o.owner ?? `${os.hostname()}:${process.pid}`;
    this.now = o.now ?? Date.now;
  }

  /** Starts the poll loop (the first tick runs at once). */
  async start(): Promise<void> {
    const n = await this.o.store.abandonRunning(os.hostname(), this.now());
    if (n > 0) this.o.logger.warn('marked runs left running by an earlier manager process as aborted', { runs: n });
    this.loop();
  }

  private loop(): void {
    if (this.stopped) return;
    this.ticking = this.tick()
      .then(() => undefined)
      .catch((err: unknown) => this.o.logger.error('scheduler tick failed', { error: err instanceof Error ? err.message : String(err) }))
      .finally(() => {
        this.ticking = undefined;
        if (!this.stopped) this.timer = setTimeout(() => this.loop(), this.o.pollIntervalMs);
      });
  }

  /** The latest evaluation of every table and job. */
  status(): JobStatus[] {
    return this.statuses;
  }

  runningJobs(): { table: string; job: JobName; runId?: number; startedAtMs: number }[] {
    return [...this.running.values()].map((r) => ({ table: r.table, job: r.job, ...(r.runId !== undefined ? { runId: r.runId } : {}), startedAtMs: r.startedAtMs }));
  }

  /**
   * Evaluates every table; starts due runs unless `dryRun` (then runs the store says are
   * running — another process's — count as table locks, for an offline `manager status`).
   */
  async tick(dryRun = false): Promise<JobStatus[]> {
    const out: JobStatus[] = [];
    const storeRunning = dryRun ? await this.o.store.listRuns({ result: 'running', limit: 1000 }) : [];
    for (const id of await listAllTables(this.o.catalog)) {
      const name = formatTableIdentifier(id);
      const policies = jobsForTable(this.o.policies, name);
      if (policies.length === 0) {
        out.push({ table: name, job: null, state: 'unmanaged', reason: 'no policy in manager.yaml matches this table' });
        continue;
      }
      let table;
      try {
        table = await loadTableByName(this.o.catalog, name);
      } catch (err) {
        for (const p of policies) out.push({ table: name, job: p.job, state: 'error', reason: `cannot load the table: ${err instanceof Error ? err.message : String(err)}` });
        continue;
      }
      if (!table) continue;
      for (const p of policies) {
        if (this.stopped) break;
        const lastRun = await this.o.store.lastRun(name, p.job);
        const mine = this.running.get(name);
        const other = storeRunning.find((r) => r.table === name);
        const lock = mine ?? (other ? { job: other.job, runId: other.id, startedAtMs: other.startedAtMs } : undefined);
        const nowMs = this.now();
        const d = decide({
          policy: p,
          registered: this.o.registry.get(p.job) !== undefined,
          nowMs,
          ...(lock && lock.job === p.job ? { runningSelf: lock } : {}),
          ...(lock && lock.job !== p.job ? { lockedBy: lock } : {}),
          ...(lastRun ? { lastRun } : {}),
          metadata: table.metadata,
          respectWriterCadence: this.o.respectWriterCadence,
          freeSlots: this.o.maxConcurrentJobs - this.running.size,
          maxSlots: this.o.maxConcurrentJobs,
        });
        const base = { table: name, job: p.job, ...(lastRun ? { lastRun } : {}), ...(d.nextCheckMs !== undefined ? { nextCheck: new Date(d.nextCheckMs).toISOString() } : {}) };
        if (d.state === 'start' && !dryRun && !this.stopped) {
          const r = this.launch(name, p);
          out.push({ ...base, state: 'running', reason: `started: ${d.reason}`, ...(r.runId !== undefined ? { runId: r.runId } : {}) });
        } else {
          out.push({ ...base, state: d.state, reason: d.reason, ...(lock?.job === p.job && lock.runId !== undefined ? { runId: lock.runId } : {}) });
        }
      }
    }
    if (!dryRun) this.statuses = out;
    return out;
  }

  private launch(table: string, p: JobPolicy): Running {
    const r: Running = { table, job: p.job, startedAtMs: this.now(), controller: new AbortController() };
    this.running.set(table, r);
    // The job's own failures are recorded by execute(); what reaches this catch is the state
    // store failing to record (e.g. PostgreSQL unreachable), which must not crash the daemon.
    r.promise = this.execute(r, p).catch((err: unknown) => {
      this.o.logger.error('could not record a maintenance run in the state store', { table, job: p.job, ...(r.runId !== undefined ? { run: r.runId } : {}), error: err instanceof Error ? err.message : String(err) });
    }).finally(() => {
      this.running.delete(table);
      this.statuses = this.statuses.map((s) => (s.table === table && s.job === p.job && s.state === 'running' ? { ...s, state: 'waiting', reason: 'finished; re-evaluated at the next poll' } : s));
    });
    return r;
  }

  private async execute(r: Running, p: JobPolicy): Promise<void> {
    const job = this.o.registry.get(p.job)!;
    const log = this.o.logger;
    const rec = await this.o.store.startRun({ table: r.table, job: p.job, startedAtMs: r.startedAtMs, owner: this.owner });
    r.runId = rec.id;
    log.info('maintenance run started', { table: r.table, job: p.job, run: rec.id });
    try {
      const table = await loadTableByName(this.o.catalog, r.table);
      if (!table) throw new Error(`table ${r.table} no longer exists`);
      const context: JobContext = this.o.respectWriterCadence
        ? { beforeCommit: (signal) => waitForCommitWindow(async () => (await table.refresh()).metadata, signal, this.now) }
        : NO_WAIT_CONTEXT;
      const res = await job.run(table, p.options, r.controller.signal, context);
      await this.o.store.finishRun(rec.id, { endedAtMs: this.now(), result: res.noop ? 'noop' : 'succeeded', filesIn: res.filesIn, bytesIn: res.bytesIn, filesOut: res.filesOut, bytesOut: res.bytesOut, summary: res.summary });
      log.info('maintenance run finished', { table: r.table, job: p.job, run: rec.id, summary: res.summary });
    } catch (err) {
      const aborted = r.controller.signal.aborted;
      const message = err instanceof Error ? err.message : String(err);
      await this.o.store.finishRun(rec.id, { endedAtMs: this.now(), result: aborted ? 'aborted' : 'failed', error: aborted ? `aborted: ${message}` : message });
      (aborted ? log.warn : log.error)('maintenance run ' + (aborted ? 'aborted' : 'failed'), { table: r.table, job: p.job, run: rec.id, error: message });
    }
  }

  /** Stops polling, aborts running jobs and waits for them to record their end. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    const runs = [...this.running.values()];
    for (const r of runs) r.controller.abort(new Error('the manager is stopping'));
    await Promise.all(runs.map((r) => r.promise));
  }
}
