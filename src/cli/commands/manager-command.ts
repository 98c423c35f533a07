import fs from 'node:fs';
import { Command } from 'commander';
import { loadManagerConfig } from '../../../manager/daemon/config-loader.js';
import type { ManagerConfig } from '../../../manager/daemon/config.js';
import { defaultJobRegistry, Manager } from '../../../manager/daemon/manager.js';
import { Scheduler, type JobStatus } from '../../../manager/daemon/scheduler.js';
import { openStateStore } from '../../../manager/state/open-state-store.js';
import type { RunRecord } from '../../../manager/state/state-store.js';
import { FilesystemCatalog } from '../../catalog/filesystem-catalog.js';
import { ConfigError, ValidationError } from '../../errors.js';
import { silentLogger } from '../../logging/logger.js';
import { createLogger } from '../../logging/pino-logger.js';
import { formatJson, formatTable, type Output } from '../output.js';

const DEFAULT_CONFIG = 'manager.yaml';

/** The manager config at `file`; a missing one names the flag that gives it. */
async function loadConfig(file: string): Promise<ManagerConfig> {
  if (!fs.existsSync(file)) {
    throw new ConfigError(`no manager config at ${file}: give its path with --config FILE (examples/manager.yaml is a starting point)`, { file });
  }
  return loadManagerConfig(file);
}

/** Asks a running manager for its status; undefined when none answers. */
async function statusFromDaemon(c: ManagerConfig): Promise<{ url: string; jobs: JobStatus[] } | undefined> {
  const host = c.http.host === '0.0.0.0' || c.http.host === '::' ? '127.0.0.1' : c.http.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${c.http.port}`;
  try {
    const res = await fetch(`${url}/v1/status`, { headers: c.authToken ? { authorization: `Bearer ${c.authToken}` } : {}, signal: AbortSignal.timeout(2000) });
    if (!res.ok) return undefined;
    return { url, jobs: ((await res.json()) as { jobs: JobStatus[] }).jobs };
  } catch {
    return undefined;
  }
}

/** Evaluates the policies without running anything (the daemon is not running). */
async function statusOffline(c: ManagerConfig): Promise<JobStatus[]> {
  const store = openStateStore(c.state);
  try {
    const s = new Scheduler({
      catalog: new FilesystemCatalog(c.warehouse), store, registry: defaultJobRegistry(), policies: c.policies,
      maxConcurrentJobs: c.scheduler.maxConcurrentJobs, pollIntervalMs: c.scheduler.pollIntervalMs,
      respectWriterCadence: c.scheduler.respectWriterCadence, logger: silentLogger,
    });
    return await s.tick(true);
  } finally {
    await store.close();
  }
}

function runRow(r: RunRecord): unknown[] {
  const took = r.endedAtMs === undefined ? '' : `${((r.endedAtMs - r.startedAtMs) / 1000).toFixed(1)}s`;
  return [r.id, r.table, r.job, r.result, new Date(r.startedAtMs).toISOString(), took, `${r.filesIn}/${r.bytesIn}`, `${r.filesOut}/${r.bytesOut}`, r.error ?? r.summary ?? ''];
}

/**
 * `icetide manager --config manager.yaml`: the maintenance daemon and HTTP API; `manager status`
 * says per table and job what runs and why the rest does not; `manager runs` lists recorded runs.
 */
export function managerCommand(out: Output): Command {
  const cmd = new Command('manager')
    .description('run the maintenance daemon and HTTP API/status page (status, runs: inspect it)')
    .option('--config <file>', 'manager config (also for status and runs: `manager status --config x`)', DEFAULT_CONFIG)
    // status and runs take --config too: their help lists it
    .configureHelp({ showGlobalOptions: true })
    .action(async (o: { config: string }) => {
      const config = await loadConfig(o.config);
      const log = createLogger({ pretty: process.stderr.isTTY === true });
      const manager = new Manager(config, { logger: log });
      const url = await manager.start();
      out.out(`icetide manager listening on ${url} (warehouse ${config.warehouse})`);
      await new Promise<void>((resolve) => {
        const onSignal = (sig: string) => {
          log.info('stopping: aborting running jobs', { signal: sig });
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      await manager.stop();
    });

  const configOf = (sub: Command): string => (sub.optsWithGlobals() as { config?: string }).config ?? DEFAULT_CONFIG;

  cmd.command('status')
    .description('per table and job: running, or why not (thresholds, window, last failure, lock, writer cadence)')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }, sub: Command) => {
      const config = await loadConfig(configOf(sub));
      const live = await statusFromDaemon(config);
      const jobs = live?.jobs ?? (await statusOffline(config));
      if (o.json) return out.out(formatJson({ source: live ? live.url : 'offline', jobs }));
      out.out(live ? `from the manager at ${live.url}` : 'the manager is not running: evaluated from the warehouse and the state store');
      out.out(formatTable(['TABLE', 'JOB', 'STATE', 'WHY'], jobs.map((j) => [j.table, j.job ?? '-', j.state, j.reason])));
    });

  cmd.command('runs')
    .description('list recorded maintenance runs, newest first')
    .option('--table <ns.table>', 'only this table')
    .option('--job <name>', 'only this job')
    .option('--limit <n>', 'at most this many runs', '20')
    .option('--json', 'print JSON')
    .action(async (o: { table?: string; job?: string; limit: string; json?: boolean }, sub: Command) => {
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new ValidationError(`--limit takes a positive integer, got "${o.limit}"`);
      const config = await loadConfig(configOf(sub));
      const store = openStateStore(config.state);
      try {
        const runs = await store.listRuns({ limit, ...(o.table ? { table: o.table } : {}), ...(o.job ? { job: o.job } : {}) });
        out.out(o.json ? formatJson(runs) : runs.length === 0 ? 'no runs recorded' : formatTable(['RUN', 'TABLE', 'JOB', 'RESULT', 'STARTED', 'TOOK', 'IN files/bytes', 'OUT files/bytes', 'SUMMARY / ERROR'], runs.map(runRow)));
      } finally {
        await store.close();
      }
    });
  return cmd;
}
