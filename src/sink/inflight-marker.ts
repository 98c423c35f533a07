import { randomUUID } from 'node:crypto';
import type { FileIO } from '../io/file-io.js';

/**
 * In-flight markers: a writer that is writing files for a commit it has not made yet says so
 * with `metadata/icetide-inflight-<writer-uuid>.json` = { writerId, pipelineId, startedMs,
 * heartbeatMs }. The orphan remover keeps every file newer than the oldest live marker's
 * start, so files of a long-running commit are never mistaken for orphans, whatever the age
 * window (the failure Iceberg's docs warn about: a job writing longer than `older_than`,
 * apache/iceberg#4194). A marker whose heartbeat is older than the dead-after interval belongs
 * to a crashed writer and protects nothing. The writer removes its marker after commit/abort.
 */
export const INFLIGHT_MARKER_PREFIX = 'icetide-inflight-';
export const DEFAULT_HEARTBEAT_MS = 60_000;
/** A marker not refreshed for this long is dead (15 heartbeats missed). */
export const DEFAULT_MARKER_DEAD_AFTER_MS = 15 * 60_000;

export interface InflightMarkerRecord {
  readonly writerId: string;
  readonly pipelineId?: string;
  readonly startedMs: number;
  readonly heartbeatMs: number;
}

export function isInflightMarker(location: string): boolean {
  const name = location.slice(location.lastIndexOf('/') + 1);
  return name.startsWith(INFLIGHT_MARKER_PREFIX) && name.endsWith('.json');
}

/** Parses a marker; undefined when it is not a well-formed marker (treated as dead). */
export function parseInflightMarker(bytes: Uint8Array): InflightMarkerRecord | undefined {
  try {
    const v: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof v !== 'object' || v === null) return undefined;
    const o = v as Record<string, unknown>;
    if (typeof o['writerId'] !== 'string' || typeof o['startedMs'] !== 'number' || typeof o['heartbeatMs'] !== 'number') return undefined;
    return {
      writerId: o['writerId'],
      startedMs: o['startedMs'],
      heartbeatMs: o['heartbeatMs'],
      ...(typeof o['pipelineId'] === 'string' ? { pipelineId: o['pipelineId'] } : {}),
    };
  } catch {
    return undefined;
  }
}

/** Whether a marker is live at `nowMs`: its newest sign of life (heartbeat or file time) is recent. */
export function isMarkerLive(m: InflightMarkerRecord, fileModifiedMs: number, nowMs: number, deadAfterMs = DEFAULT_MARKER_DEAD_AFTER_MS): boolean {
  return nowMs - Math.max(m.heartbeatMs, fileModifiedMs) < deadAfterMs;
}

export interface InflightMarkerOptions {
  readonly pipelineId?: string;
  readonly heartbeatMs?: number;
  readonly writerId?: string;
}

/** One writer's marker, refreshed by a timer that never keeps the process alive. */
export class InflightMarker {
  private timer: NodeJS.Timeout | undefined;
  private record: InflightMarkerRecord;
  /** A heartbeat write in progress: stop() waits for it, so it cannot re-create a removed marker. */
  private pending: Promise<void> = Promise.resolve();

  private constructor(
    private readonly io: FileIO,
    readonly location: string,
    record: InflightMarkerRecord,
  ) {
    this.record = record;
  }

  /** Writes the marker (before the first file of the commit is created) and starts heartbeats. */
  static async start(io: FileIO, newMetadataLocation: (fileName: string) => string, o: InflightMarkerOptions = {}): Promise<InflightMarker> {
    const writerId = o.writerId ?? randomUUID();
    const now = Date.now();
    const m = new InflightMarker(io, newMetadataLocation(`${INFLIGHT_MARKER_PREFIX}${writerId}.json`), {
      writerId,
      ...(o.pipelineId === undefined ? {} : { pipelineId: o.pipelineId }),
      startedMs: now,
      heartbeatMs: now,
    });
    await m.write();
    m.timer = setInterval(() => void m.beat(), o.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
    m.timer.unref();
    return m;
  }

  get startedMs(): number {
    return this.record.startedMs;
  }

  /** Refreshes the heartbeat; a failed write is retried by the next beat. */
  async beat(): Promise<void> {
    if (!this.timer) return;
    this.record = { ...this.record, heartbeatMs: Date.now() };
    this.pending = this.pending.then(() => (this.timer ? this.write() : undefined)).catch(() => undefined);
    await this.pending;
  }

  /** Stops heartbeats and removes the marker (best effort: a leftover marker dies on its own). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.pending;
    await this.io.delete(this.location).catch(() => undefined);
  }

  private async write(): Promise<void> {
    await this.io.write(this.location, new TextEncoder().encode(JSON.stringify(this.record)));
  }
}

/**
 * Runs `work` with a marker up for `table`: the files a maintenance job (compaction, a
 * manifest rewrite) writes before its commit are in-flight files like a pipeline's, and an
 * orphan removal running meanwhile must keep them however short its window.
 */
export async function withInflightMarker<T>(table: { readonly io: FileIO; readonly ops: { newMetadataLocation(fileName: string): string } }, work: () => Promise<T>): Promise<T> {
  const marker = await InflightMarker.start(table.io, (f) => table.ops.newMetadataLocation(f));
  try {
    return await work();
  } finally {
    await marker.stop();
  }
}
