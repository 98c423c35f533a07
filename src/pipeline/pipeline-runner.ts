import { stringifyJson } from '../iceberg/spec/lossless-json.js';
import { silentLogger, type Logger } from '../logging/logger.js';
import type { ChangeBatch, ChangeEvent, EventRejection, InsertColumns, Phase, SourcePosition } from '../sink/change-event.js';
import { firstUncommitted, insertEvents, withConstantColumns } from '../sink/insert-columns.js';
import type { CommitStats, TableWriter } from '../sink/table-writer.js';
import { ConfigError } from '../errors.js';
import type { Source, SourceTable } from './source.js';
import { CHANGELOG_COLUMNS, changelogEvent, withConstants, type BindingWriters, type TableBinding } from './table-binding.js';

export interface RunOptions {
  /** Stop when the source is drained (`--once`). */
  readonly once: boolean;
  readonly signal: AbortSignal;
  readonly commitIntervalMs: number;
  readonly commitMaxRows: number;
  /** A table that received nothing still commits (position, watermark) at most this often. */
  readonly idleCommitIntervalMs?: number;
  readonly log?: Logger;
  /** Called after every pipeline commit (progress display, metrics). */
  readonly onCommit?: (p: CommitProgress) => void;
  /** Called after each table's commit with its statistics. */
  readonly onTableCommit?: (table: string, stats: CommitStats, seconds: number) => void;
}

/** The table committed full-load rows and the source has moved on to its changes. */
function fullLoadEnded(w: WriterState, batch: ChangeBatch): boolean {
  return w.committedPhase === 'snapshot' && batch.phase === 'incremental';
}

export interface CommitProgress {
  readonly position: SourcePosition;
  readonly events: number;
  readonly commits: number;
  readonly watermarkMs?: number;
  readonly phase: Phase;
}

export interface RunStats {
  readonly events: number;
  /** Events a table writer rejected that went to the source's dead-letter output. */
  readonly rejected: number;
  readonly commits: number;
  readonly skippedAlreadyCommitted: number;
  readonly position: SourcePosition | undefined;
}

interface WriterState {
  writer: TableWriter;
  /** Position this table already committed up to: events at or before it are skipped. */
  committed: SourcePosition | undefined;
  /** Phase and watermark of that commit: the end of a full load and a new watermark must land. */
  committedPhase: Phase | undefined;
  committedWatermarkMs: number | undefined;
  dirty: boolean;
  lastCommitMs: number;
}

/**
 * Drives one pipeline: reads batches from the source, routes each event to its tables'
 * writers, and commits all of them together at a batch boundary every commit interval or
 * max-rows (DESIGN.md "Writing"). Exactly-once: every table stores the position it has
 * committed; the source restarts from the lowest of them, and each table skips what it
 * already has, so a crash between two tables' commits neither loses nor duplicates.
 */
export class PipelineRunner {
  private readonly writers: WriterState[];
  /** The bindings, with writers replaced after a mid-stream schema change. */
  private bindings: TableBinding[];

  constructor(
    private readonly source: Source,
    bindings: readonly TableBinding[],
  ) {
    this.bindings = [...bindings];
    this.writers = [...new Set(bindings.flatMap((b) => [b.mirror, ...(b.changelog ? [b.changelog] : [])]))].map((writer) => ({ writer, committed: writer.resume?.position, committedPhase: writer.resume?.phase, committedWatermarkMs: writer.resume?.watermarkMs, dirty: false, lastCommitMs: Date.now() }));
  }

  /** Where the source must restart: the lowest committed position (undefined: from the start). */
  startPosition(): SourcePosition | undefined {
    let min: SourcePosition | undefined;
    for (const w of this.writers) {
      if (w.committed === undefined) return undefined;
      if (min === undefined || this.source.comparePositions(w.committed, min) < 0) min = w.committed;
    }
    return min;
  }

  async run(o: RunOptions): Promise<RunStats> {
    const log = o.log ?? silentLogger;
    const from = this.startPosition();
    log.info('pipeline starting', { source: this.source.name, from: from === undefined ? 'beginning' : stringifyJson(from), tables: this.writers.length });
    let events = 0;
    let commits = 0;
    let skipped = 0;
    let rejected = 0;
    let pendingRows = 0;
    let lastCommit = Date.now();
    let last: ChangeBatch | undefined;
    let uncommitted: ChangeBatch | undefined;
    /**
     * `final`: the last commit of a drained `--once` run, which lands every table's position and
     * watermark. `checkpoint`: a run that ends cleanly, where each changed key filter or index
     * is checkpointed too — by the commit a table makes anyway; a table with nothing to commit
     * gets it from checkpointOnStop, at the position it already holds (never moved on by it).
     */
    const commitAll = async (batch: ChangeBatch, final = false, checkpoint = final): Promise<void> => {
      const now = Date.now();
      let landed = false;
      for (const w of this.writers) {
        const newWatermark = batch.watermarkMs !== undefined && (w.committedWatermarkMs === undefined || batch.watermarkMs > w.committedWatermarkMs);
        // An idle table commits now and then too: its position and watermark move on. A table
        // that never committed commits at once, or a restart would re-read the source from the
        // start (for a database source: a new snapshot, appended again to append tables). The
        // end of a full load commits at once, or a restart would resume the load.
        const force = w.dirty || w.committed === undefined || fullLoadEnded(w, batch) || (final && newWatermark) || now - w.lastCommitMs >= (o.idleCommitIntervalMs ?? 60_000);
        // After a restart the source re-reads from the lowest table's position: a table already
        // past this batch has nothing to add and must not move its position back (a later
        // restart would then hand it rows it already holds).
        if (!w.dirty && w.committed !== undefined) {
          const cmp = this.source.comparePositions(batch.position, w.committed);
          if (cmp < 0 || (cmp === 0 && !newWatermark)) continue;
        }
        const t0 = performance.now();
        const stats = await w.writer.commit({ position: batch.position, phase: batch.phase, ...(batch.watermarkMs !== undefined ? { watermarkMs: batch.watermarkMs } : {}), force, finalCheckpoint: checkpoint && (force || w.dirty) });
        if (stats) {
          o.onTableCommit?.(w.writer.table.name, stats, (performance.now() - t0) / 1000);
          w.committed = batch.position;
          w.committedPhase = batch.phase;
          if (newWatermark) w.committedWatermarkMs = batch.watermarkMs;
          w.lastCommitMs = now;
          landed = true;
        }
        w.dirty = false;
      }
      if (final && !landed) return;
      commits++;
      pendingRows = 0;
      lastCommit = Date.now();
      uncommitted = undefined;
      await this.source.committed?.(batch.position);
      o.onCommit?.({ position: batch.position, events, commits, phase: batch.phase, ...(batch.watermarkMs !== undefined ? { watermarkMs: batch.watermarkMs } : {}) });
    };
    // Only a source with a dead-letter output takes rejections; otherwise the writer throws them.
    const deadLetter = this.source.rejected;
    const onReject = deadLetter && (async (r: EventRejection): Promise<void> => {
      await deadLetter(r);
      rejected++;
      log.warn('event rejected by the sink: sent to the dead-letter output', { table: r.event.table, target: r.target, origin: r.event.origin, reason: r.reason });
    });
    try {
      for await (const batch of this.source.read(from, { signal: o.signal, untilDrained: o.once, committedFor: (t) => this.committedFor(t) })) {
        if (last && last.phase !== batch.phase && uncommitted) await commitAll(uncommitted); // phases never share a commit
        if (batch.schemaChanges && batch.schemaChanges.length > 0) {
          // Rows written so far are committed under the old schema; the next rows need the new one.
          if (uncommitted) await commitAll(uncommitted);
          for (const t of batch.schemaChanges) await this.evolve(t, log);
        }
        if (batch.truncated && batch.truncated.length > 0) {
          if (uncommitted) await commitAll(uncommitted);
          for (const t of batch.truncated) {
            const rows = await this.truncate(t.table, t.sourceTsMs, batch.position);
            pendingRows += rows;
          }
        }
        // One write() per table and batch, not per event (a promise per event was a hot-path cost).
        const toWrite = new Map<WriterState, ChangeEvent[]>();
        for (const ev of batch.events) {
          const routed = this.route(ev);
          if (routed.length === 0) throw new ConfigError(`${ev.origin ?? stringifyJson(ev.position)}: event for source table ${ev.table}, which no table entry of the pipeline matches`);
          for (const { state, event } of routed) {
            if (state.committed !== undefined && this.source.comparePositions(ev.position, state.committed) <= 0) {
              skipped++;
              continue;
            }
            let list = toWrite.get(state);
            if (!list) toWrite.set(state, (list = []));
            list.push(event);
            pendingRows++;
          }
          events++;
        }
        for (const [state, list] of toWrite) {
          await state.writer.write(list, batch.phase, onReject);
          state.dirty = true;
        }
        if (batch.inserts && batch.inserts.length > 0) {
          const r = await this.writeInserts(batch.inserts, batch.phase);
          pendingRows += r.written;
          skipped += r.skipped;
          events += batch.inserts.length;
        }
        last = batch;
        uncommitted = batch;
        if (pendingRows >= o.commitMaxRows || Date.now() - lastCommit >= o.commitIntervalMs || this.writers.some((w) => fullLoadEnded(w, batch))) await commitAll(batch);
        if (o.signal.aborted) break;
      }
      if (uncommitted) await commitAll(uncommitted, false, true);
      // Drained (not stopped): what the source proved last (its position, its watermark) is
      // committed even by tables that had nothing new, so a scheduler sees them ready.
      if (o.once && !o.signal.aborted && last) await commitAll(last, true);
      // A table the last commit skipped still gets its checkpoint: the next start loads it
      // instead of reading the key columns of every data file committed since the last one.
      for (const w of this.writers) {
        const t0 = performance.now();
        const stats = await w.writer.checkpointOnStop();
        if (stats) o.onTableCommit?.(w.writer.table.name, stats, (performance.now() - t0) / 1000);
      }
    } catch (err) {
      await Promise.all(this.writers.map((w) => w.writer.abort().catch(() => undefined)));
      throw err;
    } finally {
      await this.source.close();
    }
    log.info('pipeline stopped', { events, commits, skippedAlreadyCommitted: skipped, rejected });
    return { events, rejected, commits, skippedAlreadyCommitted: skipped, position: last?.position };
  }

  /** Evolves the targets of a source table whose columns changed and swaps in new writers. */
  private async evolve(table: SourceTable, log: Logger): Promise<void> {
    for (const b of this.bindings) {
      if (!b.matches(table.name) || !b.evolve) continue;
      const next = await b.evolve(table);
      this.replaceWriters(b, next);
      log.info('source table columns changed: target schema evolved', { table: table.name, target: next.mirror.table.name, columns: table.columns.length });
    }
  }

  /**
   * A source table was emptied at `position`: each mirror that has not committed past it is
   * emptied (with fresh writers), each changelog table that has not gets a `truncate` row.
   * Returns the rows written (changelog rows).
   */
  private async truncate(table: string, sourceTsMs: number, position: SourcePosition): Promise<number> {
    const pending = (w: TableWriter) => {
      const c = this.stateOf(w).committed;
      return c === undefined || this.source.comparePositions(position, c) > 0;
    };
    let rows = 0;
    for (const b of this.bindings.filter((x) => x.matches(table))) {
      if (pending(b.mirror) && b.truncate) {
        const next = await b.truncate();
        if (next) this.replaceWriters(b, next);
      }
    }
    for (const b of this.bindings.filter((x) => x.matches(table))) {
      if (!b.changelog || !pending(b.changelog)) continue;
      const state = this.stateOf(b.changelog);
      const row = { [CHANGELOG_COLUMNS.op]: 'truncate', [CHANGELOG_COLUMNS.sourceTs]: BigInt(sourceTsMs) * 1000n, [CHANGELOG_COLUMNS.position]: stringifyJson(position) };
      await state.writer.write([{ table, op: 'insert', after: row, position, sourceTsMs }], 'incremental');
      state.dirty = true;
      rows++;
    }
    return rows;
  }

  /** Swaps in a binding's new writers (after a schema change or a truncation). */
  private replaceWriters(b: TableBinding, next: BindingWriters): void {
    this.replaceWriter(b.mirror, next.mirror);
    if (b.changelog && next.changelog) this.replaceWriter(b.changelog, next.changelog);
  }

  private replaceWriter(old: TableWriter, next: TableWriter): void {
    if (old === next) return;
    const state = this.writers.find((w) => w.writer === old);
    if (state) state.writer = next;
    // Tables merged from several sources share writers: every binding sees the new one.
    this.bindings = this.bindings.map((b) => (b.mirror === old || b.changelog === old ? { ...b, ...(b.mirror === old ? { mirror: next } : {}), ...(b.changelog === old ? { changelog: next } : {}) } : b));
  }

  /** The positions committed by each table `sourceTable` feeds. */
  private committedFor(sourceTable: string): (SourcePosition | undefined)[] {
    return this.bindings
      .filter((b) => b.matches(sourceTable))
      .flatMap((b) => [b.mirror, ...(b.changelog ? [b.changelog] : [])])
      .map((w) => this.stateOf(w).committed);
  }

  /**
   * Columnar inserts to every table of their source table, each skipping the rows it already
   * committed (positions increase along the rows). Mirrors take them column-wise; changelog
   * tables as rows.
   */
  private async writeInserts(ins: InsertColumns, phase: Phase): Promise<{ written: number; skipped: number }> {
    let written = 0;
    let skipped = 0;
    let routed = false;
    for (const b of this.bindings) {
      if (!b.matches(ins.table)) continue;
      routed = true;
      const rows = b.constants ? withConstantColumns(ins, b.constants(ins.table)) : ins;
      const targets: [WriterState, boolean][] = [[this.stateOf(b.mirror), false], ...(b.changelog ? [[this.stateOf(b.changelog), true] as [WriterState, boolean]] : [])];
      for (const [state, changelog] of targets) {
        const from = state.committed === undefined ? 0 : firstUncommitted(rows, state.committed, (x, y) => this.source.comparePositions(x, y));
        skipped += from;
        if (from >= rows.length) continue;
        if (changelog) await state.writer.write(insertEvents(rows, from).map((e) => changelogEvent(e, stringifyJson(e.position))), phase);
        else await state.writer.writeInserts(rows, from, rows.length, phase);
        state.dirty = true;
        written += rows.length - from;
      }
    }
    if (!routed) throw new ConfigError(`${ins.origin}: rows of source table ${ins.table}, which no table entry of the pipeline matches`);
    return { written, skipped };
  }

  private route(ev: ChangeEvent): { state: WriterState; event: ChangeEvent }[] {
    const out: { state: WriterState; event: ChangeEvent }[] = [];
    for (const b of this.bindings) {
      if (!b.matches(ev.table)) continue;
      const e = b.constants ? withConstants(ev, b.constants(ev.table)) : ev;
      out.push({ state: this.stateOf(b.mirror), event: e });
      if (b.changelog) out.push({ state: this.stateOf(b.changelog), event: changelogEvent(e, stringifyJson(ev.position)) });
    }
    return out;
  }

  private stateOf(w: TableWriter): WriterState {
    return this.writers.find((s) => s.writer === w)!;
  }
}
