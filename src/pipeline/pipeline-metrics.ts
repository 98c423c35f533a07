import http from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CommitStats } from '../sink/table-writer.js';

/**
 * Prometheus metrics of one ingest process (prom-client), labelled by pipeline and table.
 * Served at `/metrics` when `icetide ingest --metrics-port` is given.
 */
export class PipelineMetrics {
  readonly registry = new Registry();
  private readonly events = new Counter({ name: 'icetide_events_total', help: 'change events read from the source', labelNames: ['pipeline'], registers: [this.registry] });
  private readonly rows = new Counter({ name: 'icetide_rows_written_total', help: 'rows written to data files', labelNames: ['pipeline', 'table'], registers: [this.registry] });
  private readonly commits = new Counter({ name: 'icetide_commits_total', help: 'Iceberg commits', labelNames: ['pipeline', 'table'], registers: [this.registry] });
  private readonly commitSeconds = new Histogram({ name: 'icetide_commit_duration_seconds', help: 'time to close files and commit one snapshot', labelNames: ['pipeline', 'table'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30], registers: [this.registry] });
  private readonly files = new Counter({ name: 'icetide_files_written_total', help: 'data and delete files written', labelNames: ['pipeline', 'table', 'content'], registers: [this.registry] });
  private readonly deleteRows = new Counter({ name: 'icetide_delete_rows_written_total', help: 'equality and position delete rows written', labelNames: ['pipeline', 'table', 'kind'], registers: [this.registry] });
  private readonly skipped = new Counter({ name: 'icetide_key_filter_skipped_deletes_total', help: 'equality deletes the key filter proved unnecessary', labelNames: ['pipeline', 'table'], registers: [this.registry] });
  private readonly watermarkLag = new Gauge({ name: 'icetide_watermark_lag_seconds', help: 'now minus the committed watermark', labelNames: ['pipeline'], registers: [this.registry] });
  private readonly sourceLag = new Gauge({ name: 'icetide_source_lag_seconds', help: 'now minus the source time of the newest committed change', labelNames: ['pipeline'], registers: [this.registry] });
  private readonly errors = new Counter({ name: 'icetide_errors_total', help: 'pipeline failures', labelNames: ['pipeline'], registers: [this.registry] });

  constructor(private readonly pipeline: string) {}

  tableCommitted(table: string, s: CommitStats, seconds: number): void {
    const l = { pipeline: this.pipeline, table };
    this.commits.inc(l);
    this.commitSeconds.observe(l, seconds);
    this.rows.inc(l, s.rows);
    this.files.inc({ ...l, content: 'data' }, s.dataFiles);
    this.files.inc({ ...l, content: 'deletes' }, s.deleteFiles);
    this.deleteRows.inc({ ...l, kind: 'equality' }, s.equalityDeletes);
    this.deleteRows.inc({ ...l, kind: 'position' }, s.positionDeletes);
    this.skipped.inc(l, s.skippedDeletes);
  }

  pipelineCommitted(events: number, watermarkMs: number | undefined, nowMs = Date.now()): void {
    this.events.inc({ pipeline: this.pipeline }, events);
    if (watermarkMs !== undefined) {
      this.watermarkLag.set({ pipeline: this.pipeline }, (nowMs - watermarkMs) / 1000);
      this.sourceLag.set({ pipeline: this.pipeline }, (nowMs - watermarkMs) / 1000);
    }
  }

  failed(): void {
    this.errors.inc({ pipeline: this.pipeline });
  }

  /** Serves `/metrics` on the port (0: any free port); resolves to the bound port. */
  async serve(port: number, host = '127.0.0.1'): Promise<{ port: number; close: () => Promise<void> }> {
    const server = http.createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    });
    await new Promise<void>((resolve) => server.listen(port, host, resolve));
    const addr = server.address();
    return { port: typeof addr === 'object' && addr ? addr.port : port, close: () => new Promise((r) => server.close(() => r())) };
  }
}
