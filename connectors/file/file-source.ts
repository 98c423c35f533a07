/**
 * The file source: replays a JSON-lines changelog of Debezium change events (one file, or a
 * directory of `*.jsonl` files in name order) as ChangeBatches. For replay and the demo.
 */
import { resolve } from 'node:path';
import { ConfigError, ValidationError } from '../../src/errors.js';
import type { PipelineConfig, TableConfig } from '../../src/pipeline/config.js';
import type { Source, SourceTable } from '../../src/pipeline/source.js';
import type { ChangeBatch, ChangeEvent, EventRejection, Phase, SourcePosition } from '../../src/sink/change-event.js';
import { parseChangeLine, peekTable, type ParsedChange } from './change-line.js';
import type { Envelope } from './change-record.js';
import { DeadLetterWriter, rejectionLetter } from './dead-letter.js';
import { ChangeLineError } from './errors.js';
import { readChangelogLines, type LineItem } from './line-reader.js';
import { compareFileNames, compareFilePositions, filePosition, toFilePosition, type FilePosition } from './position.js';
import { discoverTables } from './table-discovery.js';
import { TableProblem, TableRegistry, type FileTableSpec } from './table-registry.js';

export type FileOnError = { readonly mode: 'stop' } | { readonly mode: 'dead-letter'; readonly path: string };

export interface FileSourceOptions {
  /** A `.jsonl` file or a directory of them. */
  readonly path: string;
  /** The tables to read (SourceTable[] fits); events of any other table are errors. */
  readonly tables: readonly FileTableSpec[];
  /** Most events per batch (default 10,000). */
  readonly batchMaxEvents?: number;
  /** Bad lines stop the read (default) or go to a dead-letter file. */
  readonly onError?: FileOnError;
  /** How often follow mode (`untilDrained: false`) looks for new lines (default 500 ms). */
  readonly pollIntervalMs?: number;
  /** Debezium envelopes (default) or ExtractNewRecordState records. */
  readonly envelope?: Envelope;
}

export const DEFAULT_BATCH_MAX_EVENTS = 10_000;

/**
 * Reads Debezium change events from JSON lines (see change-line.ts for the envelope and
 * value-decoder.ts for the accepted values). Positions are `{file, line}`; batches end at line
 * boundaries, hold at most `batchMaxEvents` events and never mix snapshot reads (`r`) with
 * changes (`c`/`u`/`d`); a truncate (`t`) is a batch of its own. A batch's watermark is the
 * highest `source.ts_ms` read so far: a file is complete up to the line being read.
 */
export class FileChangelogSource implements Source {
  readonly name: string;
  private readonly registry: TableRegistry;
  private readonly batchMaxEvents: number;
  private readonly pollIntervalMs: number;
  private readonly deadLetter: DeadLetterWriter | undefined;
  private readonly envelope: Envelope;
  /**
   * With a dead-letter file, events the sink rejects go there too (Source contract); without
   * one this is unset and a rejection stops the pipeline.
   */
  readonly rejected?: (rejection: EventRejection) => Promise<void>;

  constructor(private readonly options: FileSourceOptions) {
    this.name = `file:${options.path}`;
    this.registry = new TableRegistry(options.tables);
    this.batchMaxEvents = options.batchMaxEvents ?? DEFAULT_BATCH_MAX_EVENTS;
    if (!Number.isSafeInteger(this.batchMaxEvents) || this.batchMaxEvents < 1) {
      throw new ValidationError(`batchMaxEvents must be a positive integer, got ${this.batchMaxEvents}`);
    }
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.envelope = options.envelope ?? 'debezium';
    const deadLetter = options.onError?.mode === 'dead-letter' ? new DeadLetterWriter(options.onError.path) : undefined;
    this.deadLetter = deadLetter;
    // Synced at once: the commit that moves past the event may follow right after.
    if (deadLetter) this.rejected = async (r) => deadLetter.writeNow(rejectionLetter(r));
  }

  /**
   * The configured tables with their columns and keys. Tables matched by a RegExp, and tables
   * whose columns come from Debezium schema blocks, are found by scanning the changelog.
   */
  async discover(): Promise<SourceTable[]> {
    return discoverTables(this.registry, { scan: (exact, matched) => this.scan(exact, matched), compareNames: compareFileNames, where: `in ${this.options.path}` });
  }

  private async scan(exact: readonly string[], matched: Set<string>): Promise<void> {
    const needsRegex = this.options.tables.some((s) => s.name instanceof RegExp);
    const wanted = new Set(exact.filter((n) => !this.registry.hasDeclaredColumns(this.registry.specFor(n)!)));
    const lines = readChangelogLines({ path: this.options.path, follow: false, pollIntervalMs: this.pollIntervalMs, signal: new AbortController().signal });
    for await (const item of lines) {
      if (item.kind !== 'line') continue;
      const peek = peekTable(item, this.envelope);
      if (!peek) continue;
      const name = peek.table.name;
      const spec = this.registry.specFor(name);
      try {
        if (!spec) {
          this.registry.checkNaming(peek.table);
          continue;
        }
        if (spec.name instanceof RegExp) matched.add(name);
        if (peek.rowSchema && !this.registry.hasDeclaredColumns(spec)) {
          this.registry.learn(name, peek.rowSchema);
          wanted.delete(name);
        }
      } catch (err) {
        if (err instanceof TableProblem) throw new ConfigError(`${item.file}:${item.line}: ${err.message}`, { table: name });
        throw err;
      }
      if (!needsRegex && wanted.size === 0) return;
    }
  }

  async *read(from: SourcePosition | undefined, opts: { readonly signal: AbortSignal; readonly untilDrained: boolean }): AsyncGenerator<ChangeBatch> {
    const after = from === undefined ? undefined : toFilePosition(from);
    const lines = readChangelogLines({ path: this.options.path, ...(after ? { after } : {}), follow: !opts.untilDrained, pollIntervalMs: this.pollIntervalMs, signal: opts.signal });
    let events: ChangeEvent[] = [];
    let phase: Phase = 'incremental';
    let last: FilePosition | undefined = after;
    let watermark: number | undefined;
    const flush = async (): Promise<ChangeBatch> => {
      await this.deadLetter?.sync();
      const batch: ChangeBatch = { events, position: filePosition(last!.file, last!.line), phase, ...(watermark !== undefined ? { watermarkMs: watermark } : {}) };
      events = [];
      return batch;
    };
    for await (const item of lines) {
      if (item.kind === 'idle') {
        if (events.length > 0) yield await flush();
        // Drained: everything written so far is read, which is this source's proof of being
        // caught up. An empty batch carries the watermark forward (DESIGN.md "Readiness").
        else if (last) yield { events: [], position: filePosition(last.file, last.line), phase: 'incremental', watermarkMs: (watermark = Math.max(watermark ?? 0, Date.now())) };
        continue;
      }
      let parsed: ParsedChange | undefined;
      try {
        parsed = parseChangeLine(item, this.registry, this.envelope);
      } catch (err) {
        if (!(err instanceof ChangeLineError)) throw err;
        if (!this.deadLetter) {
          // Hand on the good events before the bad line, then stop.
          if (events.length > 0) yield await flush();
          throw err;
        }
        await this.deadLetter.write(deadLetterOf(item, err));
      }
      const linePhase: Phase = parsed?.kind === 'event' && parsed.snapshot ? 'snapshot' : 'incremental';
      if (parsed && events.length > 0 && (linePhase !== phase || parsed.kind === 'truncate')) yield await flush();
      last = { file: item.file, line: item.line };
      if (!parsed) continue;
      if (parsed.kind === 'truncate') {
        // Its own batch: the runner commits what came before, then empties the targets.
        watermark = Math.max(watermark ?? parsed.sourceTsMs, parsed.sourceTsMs);
        await this.deadLetter?.sync();
        yield { events: [], position: filePosition(item.file, item.line), phase: 'incremental', watermarkMs: watermark, truncated: [{ table: parsed.table, sourceTsMs: parsed.sourceTsMs }] };
        continue;
      }
      phase = linePhase;
      events.push(parsed.event);
      watermark = Math.max(watermark ?? parsed.event.sourceTsMs, parsed.event.sourceTsMs);
      if (events.length >= this.batchMaxEvents) yield await flush();
      if (opts.signal.aborted) return;
    }
    if (events.length > 0 && !opts.signal.aborted) yield await flush();
  }

  comparePositions(a: SourcePosition, b: SourcePosition): number {
    return compareFilePositions(toFilePosition(a), toFilePosition(b));
  }

  async close(): Promise<void> {
    await this.deadLetter?.close();
  }
}

function deadLetterOf(item: LineItem, err: ChangeLineError): { position: FilePosition; error: string; raw: string; rawBase64?: string } {
  return {
    position: { file: item.file, line: item.line },
    error: err.message,
    raw: item.text,
    ...(item.bytes ? { rawBase64: Buffer.from(item.bytes).toString('base64') } : {}),
  };
}

/** The file source's view of one config table entry. */
export function fileTableSpec(t: TableConfig): FileTableSpec {
  return {
    name: t.match.kind === 'exact' ? t.match.name : t.match.regex,
    ...(t.columns ? { columns: t.columns } : {}),
    primaryKey: t.keyColumns ?? [],
  };
}

export interface CreateFileSourceOptions {
  /** Base for relative paths (default: process.cwd()). */
  readonly cwd?: string;
  readonly batchMaxEvents?: number;
  readonly pollIntervalMs?: number;
}

/** The file source of a pipeline config (`source.type: file`); relative paths are resolved against `cwd`. */
export function createFileSource(config: PipelineConfig, options: CreateFileSourceOptions = {}): FileChangelogSource {
  const cwd = options.cwd ?? process.cwd();
  const onError: FileOnError = config.onError.mode === 'dead-letter'
    ? { mode: 'dead-letter', path: resolve(cwd, config.onError.deadLetterPath) }
    : { mode: 'stop' };
  return new FileChangelogSource({
    path: resolve(cwd, config.source.path),
    envelope: config.source.type === 'file' ? config.source.envelope : 'debezium',
    tables: config.tables.map(fileTableSpec),
    onError,
    ...(options.batchMaxEvents !== undefined ? { batchMaxEvents: options.batchMaxEvents } : {}),
    ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
  });
}
