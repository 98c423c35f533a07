import type { JobName, JobOptions } from '../jobs.js';
import type { StateStoreConfig } from '../state/state-store-config.js';
import type { CatalogSpec } from '../../src/catalog/open-catalog.js';

/** A UTC time-of-day window in minutes since midnight; end may be < start (wraps midnight). */
export interface TimeWindow {
  readonly text: string;
  readonly startMin: number;
  readonly endMin: number;
}

export interface JobThresholds {
  readonly minSnapshots?: number;
  readonly minDataFiles?: number;
  readonly minDeleteFiles?: number;
  readonly minFiles?: number;
}

export interface JobPolicy {
  readonly job: JobName;
  readonly intervalMs: number;
  readonly windows: readonly TimeWindow[];
  readonly thresholds: JobThresholds;
  readonly options: JobOptions;
  /** Index of the policy in the file (`policies[i]`), for status messages. */
  readonly policyIndex: number;
}

export interface TablePattern {
  readonly text: string;
  readonly regex: RegExp;
}

export interface Policy {
  readonly index: number;
  readonly tables: readonly TablePattern[];
  readonly jobs: readonly JobPolicy[];
}

export interface ManagerConfig {
  readonly warehouse: string;
  /** Where the tables' pointers live (the pipelines' `target.catalog`). */
  readonly catalog: CatalogSpec;
  readonly http: { readonly host: string; readonly port: number };
  readonly authToken?: string;
  /** Where runs are recorded; default SQLite at `<warehouse>/_icetide/manager.db`. */
  readonly state: StateStoreConfig;
  readonly scheduler: {
    readonly maxConcurrentJobs: number;
    readonly pollIntervalMs: number;
    readonly respectWriterCadence: boolean;
  };
  readonly policies: readonly Policy[];
}

/** `db.*` matches every table of namespace db; `*` stays within a name part, `**` crosses dots. */
export function globToRegex(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^.]*';
    else if (c === '?') re += '[^.]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Per job, the first policy (in file order) that matches the table and names the job. */
export function jobsForTable(policies: readonly Policy[], table: string): JobPolicy[] {
  const out = new Map<JobName, JobPolicy>();
  for (const p of policies) {
    if (!p.tables.some((t) => t.regex.test(table))) continue;
    for (const j of p.jobs) if (!out.has(j.job)) out.set(j.job, j);
  }
  return [...out.values()];
}

export function inWindow(w: TimeWindow, nowMs: number): boolean {
  const min = Math.floor((nowMs % 86_400_000) / 60_000);
  return w.startMin <= w.endMin ? min >= w.startMin && min < w.endMin : min >= w.startMin || min < w.endMin;
}
