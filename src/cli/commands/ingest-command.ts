import os from 'node:os';
import { Command } from 'commander';
import { loadPipelineConfig } from '../../pipeline/config-loader.js';
import { buildPipeline } from '../../pipeline/pipeline-builder.js';
import { PipelineMetrics } from '../../pipeline/pipeline-metrics.js';
import { ReadinessNotifier } from '../../pipeline/readiness-notifier.js';
import { writePipelineStatus, type PipelineState, type PipelineStatus } from '../../pipeline/pipeline-status.js';
import { stringifyJson } from '../../iceberg/spec/lossless-json.js';
import { fileIOFor } from '../../io/file-io-registry.js';
import { createLogger } from '../../logging/pino-logger.js';
import { scrubString } from '../../logging/redaction.js';
import type { Output } from '../output.js';
import { formatLag, ProgressLine } from '../progress-line.js';

/**
 * `icetide ingest PIPELINE.yaml [--once] [--metrics-port N]`: creates the target tables on
 * first run, then keeps them in sync. SIGINT/SIGTERM stop reading, commit what was read up to
 * the last complete batch, and exit; a second signal exits at once (nothing half-written is
 * ever committed). Publishes its status for the manager after every commit.
 */
export function ingestCommand(out: Output): Command {
  return new Command('ingest')
    .description('run a pipeline: source changes into Iceberg tables (creates the tables on first run)')
    .argument('<PIPELINE.yaml>', 'pipeline config')
    .option('--once', 'stop when the source is drained (default: run until SIGINT/SIGTERM)')
    .option('--metrics-port <port>', 'serve Prometheus metrics at http://127.0.0.1:PORT/metrics')
    .action(async (file: string, o: { once?: boolean; metricsPort?: string }) => {
      const config = await loadPipelineConfig(file);
      const tty = process.stderr.isTTY === true;
      const progress = new ProgressLine((t) => process.stderr.write(t));
      const log = progress.above(createLogger({ pretty: tty }));
      const controller = new AbortController();
      let signals = 0;
      const onSignal = (sig: string) => {
        if (++signals > 1) process.exit(130);
        log.info('stopping: finishing the in-flight batch', { signal: sig });
        controller.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const metrics = new PipelineMetrics(config.pipelineId);
      const server = o.metricsPort === undefined ? undefined : await metrics.serve(Number(o.metricsPort));
      const started = Date.now();
      const io = fileIOFor(config.target.warehouse, config.target.storage);
      let status: PipelineStatus | undefined;
      const publish = async (patch: Partial<PipelineStatus> & { state: PipelineState }) => {
        if (!status) return;
        status = { ...status, ...patch, updatedAtMs: Date.now() };
        await writePipelineStatus(io, built!.warehouse, status).catch((err: unknown) => log.warn('cannot write pipeline status', { error: (err as Error).message }));
      };
      let built: Awaited<ReturnType<typeof buildPipeline>> | undefined;
      try {
        built = await buildPipeline(config, { log });
        status = {
          pipelineId: config.pipelineId, state: 'starting', updatedAtMs: Date.now(), pid: process.pid, host: os.hostname(), source: scrubString(built.source.name),
          tables: built.writers.map((w) => w.table.name), events: 0, commits: 0, rowsPerSecond: 0, commitIntervalMs: config.commit.intervalMs,
        };
        await publish({ state: 'starting' });
        // Ready-partition announcements, one delivery chain per table (never blocks commits).
        const notify = config.readiness.notify;
        const notifiers = new Map<string, { n: ReadinessNotifier; chain: Promise<void> }>();
        for (const w of notify ? built.writers : []) {
          const n = new ReadinessNotifier(w.table, io, ReadinessNotifier.stateLocation(built.warehouse, config.pipelineId, w.table.name), notify!, config.readiness.allowedLatenessMs, log);
          notifiers.set(w.table.name, { n, chain: Promise.resolve() });
        }
        const stats = await built.runner.run({
          once: o.once ?? false,
          signal: controller.signal,
          commitIntervalMs: config.commit.intervalMs,
          commitMaxRows: config.commit.maxRows,
          idleCommitIntervalMs: config.readiness.idleCommitIntervalMs,
          log,
          onTableCommit: (table, s, seconds) => {
            metrics.tableCommitted(table, s, seconds);
            const n = notifiers.get(table);
            if (n) n.chain = n.chain.then(() => n.n.afterCommit(s.snapshot)).then(() => undefined, () => undefined);
          },
          onCommit: (p) => {
            const rate = Math.round(p.events / Math.max(0.001, (Date.now() - started) / 1000));
            metrics.pipelineCommitted(p.events - (status?.events ?? 0), p.watermarkMs);
            void publish({ state: p.phase === 'snapshot' ? 'snapshotting' : 'streaming', events: p.events, commits: p.commits, rowsPerSecond: rate, lastCommitAtMs: Date.now(), lastPosition: stringifyJson(p.position), ...(p.watermarkMs !== undefined ? { watermarkMs: p.watermarkMs } : {}) });
            const lag = p.watermarkMs === undefined ? 'n/a' : formatLag(Date.now() - p.watermarkMs);
            if (tty) progress.show(`${p.events} events  ${rate}/s  commits ${p.commits}  phase ${p.phase}  watermark lag ${lag}`);
            else log.info('commit', { events: p.events, commits: p.commits, phase: p.phase, position: stringifyJson(p.position), watermarkMs: p.watermarkMs });
          },
        });
        progress.end();
        await Promise.all([...notifiers.values()].map((n) => n.chain));
        await publish({ state: 'stopped' });
        out.out(`ingested ${stats.events} events in ${stats.commits} commits${stats.skippedAlreadyCommitted ? ` (${stats.skippedAlreadyCommitted} already committed, skipped)` : ''}${stats.rejected ? ` (${stats.rejected} rejected, in the dead-letter file)` : ''}`);
      } catch (err) {
        progress.end();
        metrics.failed();
        await publish({ state: 'failed', lastError: scrubString((err as Error).message) });
        throw err;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await server?.close();
        await built?.catalog.close?.();
      }
    });
}
