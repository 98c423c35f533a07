import type { FileIO } from '../io/file-io.js';
import { joinLocation } from '../io/location.js';
import { NotFoundError } from '../errors.js';
import type { Snapshot } from '../iceberg/spec/snapshot.js';
import type { PartitionField } from '../iceberg/spec/partition-spec.js';
import { partitionPathSegment, transformHumanString, transformResultType } from '../iceberg/spec/transforms.js';
import { isPrimitive } from '../iceberg/spec/types.js';
import type { Table } from '../iceberg/table.js';
import type { Logger } from '../logging/logger.js';
import { SUMMARY } from '../sink/resume-state.js';
import type { ReadinessNotifyConfig } from './config.js';
import { partitionEndMs } from './readiness.js';

/** One time partition that became ready. */
export interface ReadyPartition {
  readonly table: string;
  /** `name=value` as in partition paths, e.g. `created_at_day=2026-11-23`. */
  readonly partition: string;
  readonly partitionEnd: string;
  readonly watermark: string;
  readonly snapshotId: string;
}

/** Most partitions announced per field and commit (a long outage does not flood the webhook). */
const MAX_PER_COMMIT = 1000;

/** The partition values of one time partition field whose end passed in (fromMs, toMs]. */
export function partitionsEndingIn(field: PartitionField, sourceKind: string, fromMs: number, toMs: number): number[] {
  const out: number[] = [];
  if (toMs <= fromMs) return out;
  // Estimate a start below fromMs and walk forward: ends are increasing in the value.
  const unitMs = { hour: 3_600_000, day: 86_400_000, month: 28 * 86_400_000, year: 365 * 86_400_000, identity: 86_400_000 }[field.transform.kind as 'day'] ?? 0;
  if (unitMs === 0) return out;
  let v = Math.floor(fromMs / unitMs) - 2;
  for (; partitionEndMs(field, v, sourceKind) <= fromMs; v++);
  for (; out.length < MAX_PER_COMMIT && partitionEndMs(field, v, sourceKind) <= toMs; v++) out.push(v);
  return out;
}

/**
 * Announces time partitions of a table that became ready (DESIGN.md "Readiness"): after each
 * commit, every partition whose end + allowed lateness the new watermark passed gets a webhook
 * POST (retried with backoff) and/or a marker file under its partition path. Delivery is at
 * least once: the last announced watermark is saved only after delivery succeeded, so a
 * failure or crash announces the same partitions again later.
 */
export class ReadinessNotifier {
  private last: number | undefined;
  private loaded = false;

  constructor(
    private readonly table: Table,
    private readonly io: FileIO,
    private readonly stateLocation: string,
    private readonly cfg: ReadinessNotifyConfig,
    private readonly allowedLatenessMs: number,
    private readonly log: Logger,
    private readonly post: (url: string, init: { method: string; headers: Record<string, string>; body: string }) => Promise<{ ok: boolean; status: number }> = fetch,
  ) {}

  static stateLocation(warehouse: string, pipelineId: string, table: string): string {
    return joinLocation(warehouse, '_icetide', 'notifications', pipelineId, `${table}.json`);
  }

  async afterCommit(snapshot: Snapshot): Promise<ReadyPartition[]> {
    const wmText = snapshot.summary[SUMMARY.watermark];
    if (wmText === undefined) return [];
    const watermark = Number(wmText);
    if (!this.loaded) await this.load();
    const from = this.last;
    if (from === undefined) {
      // First watermark seen: announce from here on (history is not replayed).
      await this.save(watermark);
      return [];
    }
    if (watermark <= from) return [];
    const ready = this.readyBetween(from - this.allowedLatenessMs, watermark - this.allowedLatenessMs, watermark, snapshot.snapshotId);
    for (const p of ready) await this.deliver(p);
    await this.save(watermark);
    return ready;
  }

  private readyBetween(fromEnd: number, toEnd: number, watermark: number, snapshotId: bigint): ReadyPartition[] {
    const schema = this.table.schema();
    const out: ReadyPartition[] = [];
    for (const field of this.table.spec().fields) {
      const source = schema.findField(field.sourceId);
      if (!source || !isPrimitive(source.type)) continue;
      const timeField = ['hour', 'day', 'month', 'year'].includes(field.transform.kind) || (field.transform.kind === 'identity' && source.type.kind === 'date');
      if (!timeField) continue;
      const resultType = transformResultType(field.transform, source.type);
      for (const v of partitionsEndingIn(field, source.type.kind, fromEnd, toEnd)) {
        out.push({
          table: this.table.name,
          partition: `${field.name}=${transformHumanString(field.transform, resultType, v)}`,
          partitionEnd: new Date(partitionEndMs(field, v, source.type.kind)).toISOString(),
          watermark: new Date(watermark).toISOString(),
          snapshotId: String(snapshotId),
        });
        if (this.cfg.markerFile) this.markerPaths.set(out[out.length - 1]!, partitionPathSegment(field.name, field.transform, resultType, v));
      }
    }
    return out;
  }

  private readonly markerPaths = new Map<ReadyPartition, string>();

  private async deliver(p: ReadyPartition): Promise<void> {
    const body = JSON.stringify({ event: 'partition-ready', ...p });
    const wh = this.cfg.webhook;
    if (wh) {
      let attempt = 0;
      for (;;) {
        try {
          const r = await this.post(wh.url, { method: 'POST', headers: { 'content-type': 'application/json', ...wh.headers }, body });
          if (r.ok) break;
          throw new Error(`HTTP ${r.status}`);
        } catch (err) {
          if (++attempt > wh.retries) {
            this.log.error('readiness webhook failed; will retry after the next commit', { table: p.table, partition: p.partition, error: (err as Error).message });
            throw err;
          }
          await new Promise((res) => setTimeout(res, Math.min(30_000, 200 * 2 ** attempt)));
        }
      }
    }
    const rel = this.markerPaths.get(p);
    if (rel !== undefined) {
      await this.io.write(joinLocation(this.table.location, 'data', rel, this.cfg.markerName), new TextEncoder().encode(`${body}\n`));
      this.markerPaths.delete(p);
    }
    this.log.info('partition ready', { ...p });
  }

  private async load(): Promise<void> {
    this.loaded = true;
    try {
      const s = JSON.parse(new TextDecoder().decode(await this.io.read(this.stateLocation))) as { notifiedWatermarkMs?: number };
      this.last = s.notifiedWatermarkMs;
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }

  private async save(watermark: number): Promise<void> {
    this.last = watermark;
    await this.io.write(this.stateLocation, new TextEncoder().encode(JSON.stringify({ notifiedWatermarkMs: watermark })));
  }
}
