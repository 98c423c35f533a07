import type { PipelineConfig } from '../../src/pipeline/config.js';
import { buildPipeline } from '../../src/pipeline/pipeline-builder.js';

/** Builds the pipeline, runs it until the source is drained (`--once`), and releases its catalog. */
export async function ingestOnce(config: PipelineConfig): Promise<{ events: number }> {
  const built = await buildPipeline(config);
  try {
    return await built.runner.run({ once: true, signal: new AbortController().signal, commitIntervalMs: config.commit.intervalMs, commitMaxRows: config.commit.maxRows, idleCommitIntervalMs: config.readiness.idleCommitIntervalMs });
  } finally {
    await built.catalog.close?.();
  }
}
