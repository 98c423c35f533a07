import { Command } from 'commander';
import { loadPipelineConfig } from '../../pipeline/config-loader.js';
import { buildPipeline } from '../../pipeline/pipeline-builder.js';
import { stringifyJson } from '../../iceberg/spec/lossless-json.js';
import { jsonLogger } from '../../logging/logger.js';
import type { Output } from '../output.js';

/**
 * `icetide ingest PIPELINE.yaml [--once]`: creates the target tables on first run, then keeps
 * them in sync. SIGINT/SIGTERM stop reading, commit what was read up to the last complete
 * batch, and exit; a second signal exits at once (nothing half-written is ever committed).
 */
export function ingestCommand(out: Output): Command {
  return new Command('ingest')
    .description('run a pipeline: source changes into Iceberg tables (creates the tables on first run)')
    .argument('<PIPELINE.yaml>', 'pipeline config')
    .option('--once', 'stop when the source is drained (default: run until SIGINT/SIGTERM)')
    .action(async (file: string, o: { once?: boolean }) => {
      const config = await loadPipelineConfig(file);
      const log = jsonLogger;
      const controller = new AbortController();
      let signals = 0;
      const onSignal = (sig: string) => {
        if (++signals > 1) process.exit(130);
        log.info('stopping: finishing the in-flight batch', { signal: sig });
        controller.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const tty = process.stderr.isTTY;
      const started = Date.now();
      try {
        const { runner } = await buildPipeline(config, { log });
        const stats = await runner.run({
          once: o.once ?? false,
          signal: controller.signal,
          commitIntervalMs: config.commit.intervalMs,
          commitMaxRows: config.commit.maxRows,
          idleCommitIntervalMs: config.readiness.idleCommitIntervalMs,
          log,
          onCommit: (p) => {
            const rate = Math.round(p.events / Math.max(0.001, (Date.now() - started) / 1000));
            const lag = p.watermarkMs === undefined ? 'n/a' : `${((Date.now() - p.watermarkMs) / 1000).toFixed(1)}s`;
            if (tty) process.stderr.write(`\r${p.events} events  ${rate}/s  commits ${p.commits}  phase ${p.phase}  watermark lag ${lag}   `);
            else log.info('commit', { events: p.events, commits: p.commits, phase: p.phase, position: stringifyJson(p.position), watermarkMs: p.watermarkMs });
          },
        });
        if (tty) process.stderr.write('\n');
        out.out(`ingested ${stats.events} events in ${stats.commits} commits${stats.skippedAlreadyCommitted ? ` (${stats.skippedAlreadyCommitted} already committed, skipped)` : ''}`);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
