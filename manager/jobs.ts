import type { Table } from '../src/iceberg/table.js';

/**
 * What one maintenance run did. Files/bytes "in" are what the job read or removed (rewritten
 * inputs, expired files), "out" what it wrote; `summary` is one line for people and `details`
 * free-form numbers/strings for the run record.
 */
export interface JobResult {
  readonly filesIn: number;
  readonly bytesIn: number;
  readonly filesOut: number;
  readonly bytesOut: number;
  readonly summary: string;
  /** True when the job looked and found nothing to do (no commit). */
  readonly noop?: boolean;
  readonly details?: Readonly<Record<string, string | number | boolean>>;
}

/** Option values a policy passes to a job (thresholds, retention, ...), from manager.yaml. */
export type JobOptions = Readonly<Record<string, unknown>>;

/** What the scheduler offers a running job besides its options and signal. */
export interface JobContext {
  /**
   * Resolves when a commit now would not land in a streaming writer's commit window (see
   * daemon/writer-cadence.ts); call it right before committing. Resolves at once when the
   * table has no writer cadence; never waits longer than two writer intervals.
   */
  beforeCommit(signal: AbortSignal): Promise<void>;
}

/** A context that never waits (tests, the CLI running a job by hand). */
export const NO_WAIT_CONTEXT: JobContext = { beforeCommit: async () => undefined };

/**
 * A maintenance job the manager can schedule on a table. `run` must honour `signal`: on abort
 * it stops before its commit (or lets an in-flight commit finish) so the table stays valid.
 */
export interface MaintenanceJob {
  readonly name: JobName;
  readonly description: string;
  run(table: Table, options: JobOptions, signal: AbortSignal, context?: JobContext): Promise<JobResult>;
}

/** The jobs a policy can name. */
export const JOB_NAMES = ['compact', 'compact-minor', 'expire', 'remove-orphans', 'rewrite-manifests'] as const;
export type JobName = (typeof JOB_NAMES)[number];

export function isJobName(s: string): s is JobName {
  return (JOB_NAMES as readonly string[]).includes(s);
}

/** Name -> job. Jobs not registered yet are reported as such by the scheduler, not run. */
export class JobRegistry {
  private readonly jobs = new Map<JobName, MaintenanceJob>();

  constructor(jobs: readonly MaintenanceJob[] = []) {
    for (const j of jobs) this.register(j);
  }

  register(job: MaintenanceJob): this {
    this.jobs.set(job.name, job);
    return this;
  }

  get(name: JobName): MaintenanceJob | undefined {
    return this.jobs.get(name);
  }

  names(): JobName[] {
    return [...this.jobs.keys()];
  }
}

/** Throws the signal's reason when aborted: call between the steps of a job. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
}
