import { Counter, Gauge, Registry } from 'prom-client';
import { JOB_NAMES } from '../jobs.js';
import type { RunTotals } from '../state/state-store.js';
import type { PipelineView } from './pipeline-views.js';
import type { TableSummary } from './table-views.js';

/**
 * The manager's Prometheus metrics, recomputed from the warehouse and the state store on every
 * scrape (the tables and the store are the truth; the manager keeps no counters of its own).
 */
export class ManagerMetrics {
  readonly registry = new Registry();
  private readonly lag = this.gauge('icetide_table_watermark_lag_seconds', 'now minus the committed watermark of the table', ['table']);
  private readonly dataFiles = this.gauge('icetide_table_data_files', 'live data files in the current snapshot', ['table']);
  private readonly deleteFiles = this.gauge('icetide_table_delete_files', 'live delete files in the current snapshot', ['table']);
  private readonly dataBytes = this.gauge('icetide_table_data_bytes', 'bytes of live data files', ['table']);
  private readonly deleteBytes = this.gauge('icetide_table_delete_bytes', 'bytes of live delete files', ['table']);
  private readonly snapshots = this.gauge('icetide_table_snapshots', 'snapshots in the table metadata', ['table']);
  private readonly lastCommit = this.gauge('icetide_table_last_commit_timestamp_seconds', 'commit time of the current snapshot', ['table']);
  private readonly runs = new Counter({ name: 'icetide_maintenance_runs_total', help: 'maintenance runs recorded in the state store, by result', labelNames: ['table', 'job', 'result'], registers: [this.registry] });
  private readonly errors = new Counter({ name: 'icetide_maintenance_errors_total', help: 'maintenance runs that failed', labelNames: ['table', 'job'], registers: [this.registry] });
  private readonly bytes = new Counter({ name: 'icetide_maintenance_bytes_total', help: 'bytes read/removed (in) and written (out) by maintenance runs', labelNames: ['table', 'job', 'direction'], registers: [this.registry] });
  private readonly files = new Counter({ name: 'icetide_maintenance_files_total', help: 'files read/removed (in) and written (out) by maintenance runs', labelNames: ['table', 'job', 'direction'], registers: [this.registry] });
  private readonly running = this.gauge('icetide_maintenance_running_jobs', 'maintenance jobs running now', []);
  private readonly pipelineState = this.gauge('icetide_pipeline_state', '1 for the state the pipeline is in (stalled derived from its heartbeat)', ['pipeline', 'state']);
  private readonly pipelineLag = this.gauge('icetide_pipeline_watermark_lag_seconds', 'now minus the pipeline watermark, from its status file', ['pipeline']);
  private readonly pipelineRate = this.gauge('icetide_pipeline_rows_per_second', 'rows per second the pipeline reported', ['pipeline']);

  private gauge(name: string, help: string, labelNames: string[]): Gauge {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  update(tables: readonly TableSummary[], totals: readonly RunTotals[], pipelines: readonly PipelineView[], runningJobs: number): void {
    this.registry.resetMetrics();
    for (const t of tables) {
      const l = { table: t.table };
      if (t.lagSeconds !== null) this.lag.set(l, t.lagSeconds);
      this.dataFiles.set(l, t.dataFiles);
      this.deleteFiles.set(l, t.deleteFiles);
      this.dataBytes.set(l, t.dataBytes);
      this.deleteBytes.set(l, t.deleteBytes);
      this.snapshots.set(l, t.snapshots);
      if (t.commitTime !== null) this.lastCommit.set(l, Date.parse(t.commitTime) / 1000);
      // Every table and job has its error series from the start, at 0: an alert on
      // increase(...) sees the first failure (a series that appears with it has no increase).
      for (const job of JOB_NAMES) this.errors.inc({ table: t.table, job }, 0);
    }
    for (const r of totals) {
      this.runs.inc({ table: r.table, job: r.job, result: r.result }, r.runs);
      this.errors.inc({ table: r.table, job: r.job }, r.result === 'failed' ? r.runs : 0);
      this.bytes.inc({ table: r.table, job: r.job, direction: 'in' }, r.bytesIn);
      this.bytes.inc({ table: r.table, job: r.job, direction: 'out' }, r.bytesOut);
      this.files.inc({ table: r.table, job: r.job, direction: 'in' }, r.filesIn);
      this.files.inc({ table: r.table, job: r.job, direction: 'out' }, r.filesOut);
    }
    this.running.set(runningJobs);
    for (const p of pipelines) {
      this.pipelineState.set({ pipeline: p.pipelineId, state: p.state }, 1);
      if (p.lagSeconds !== null) this.pipelineLag.set({ pipeline: p.pipelineId }, p.lagSeconds);
      this.pipelineRate.set({ pipeline: p.pipelineId }, p.rowsPerSecond);
    }
  }
}
