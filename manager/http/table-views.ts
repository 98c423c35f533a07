import type { PartitionField } from '../../src/iceberg/spec/partition-spec.js';
import { civilFromDays } from '../../src/iceberg/spec/value-serialization.js';
import type { Table } from '../../src/iceberg/table.js';
import { partitionReadiness, tableWatermark, type TableReadiness } from '../../src/pipeline/readiness.js';

/**
 * The JSON shapes of the manager API, computed from the table itself (never from a process
 * that says it is running). Snapshot ids are rendered as decimal strings: they are 64-bit and
 * a JavaScript client would round a bare number.
 */
export interface FileStats {
  readonly dataFiles: number;
  readonly deleteFiles: number;
  readonly dataBytes: number;
  readonly deleteBytes: number;
  readonly records: number;
}

export interface TableSummary extends FileStats {
  readonly table: string;
  readonly watermark: string | null;
  readonly lagSeconds: number | null;
  readonly snapshotId: string | null;
  readonly commitTime: string | null;
  readonly snapshots: number;
}

export interface ReadinessView {
  readonly table: string;
  readonly ready: boolean;
  readonly until: string;
  readonly watermark: string | null;
  readonly lagSeconds: number | null;
  readonly snapshotId: string | null;
  readonly commitTime: string | null;
}

export interface PartitionView {
  readonly partition: string;
  readonly ready: boolean;
  readonly end: string;
  readonly readyAt: string;
  readonly dataFiles: number;
  readonly records: number;
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

export function readinessView(table: string, r: TableReadiness): ReadinessView {
  return {
    table,
    ready: r.ready,
    until: new Date(r.untilMs).toISOString(),
    watermark: iso(r.watermarkMs),
    lagSeconds: r.lagMs === undefined ? null : r.lagMs / 1000,
    snapshotId: r.snapshotId === undefined ? null : r.snapshotId.toString(),
    commitTime: iso(r.commitTimeMs),
  };
}

/** Live data/delete file counts and bytes of the current snapshot, cached per snapshot. */
export class FileStatsCache {
  private readonly cache = new Map<string, { snapshotId: bigint; stats: FileStats }>();

  async of(table: Table): Promise<FileStats> {
    const cur = table.currentSnapshot();
    if (!cur) return { dataFiles: 0, deleteFiles: 0, dataBytes: 0, deleteBytes: 0, records: 0 };
    const hit = this.cache.get(table.name);
    if (hit && hit.snapshotId === cur.snapshotId) return hit.stats;
    let dataFiles = 0, deleteFiles = 0, dataBytes = 0, deleteBytes = 0, records = 0;
    for (const e of await table.entries(cur.snapshotId)) {
      if (e.status === 'deleted') continue;
      if (e.dataFile.content === 'data') {
        dataFiles++;
        dataBytes += Number(e.dataFile.fileSizeInBytes);
        records += Number(e.dataFile.recordCount);
      } else {
        deleteFiles++;
        deleteBytes += Number(e.dataFile.fileSizeInBytes);
      }
    }
    const stats = { dataFiles, deleteFiles, dataBytes, deleteBytes, records };
    this.cache.set(table.name, { snapshotId: cur.snapshotId, stats });
    return stats;
  }
}

export async function tableSummary(table: Table, files: FileStatsCache, nowMs = Date.now()): Promise<TableSummary> {
  const md = table.metadata;
  const wm = tableWatermark(md);
  const cur = table.currentSnapshot();
  return {
    table: table.name,
    watermark: iso(wm?.watermarkMs),
    lagSeconds: wm === undefined ? null : (nowMs - wm.watermarkMs) / 1000,
    snapshotId: cur ? cur.snapshotId.toString() : null,
    commitTime: iso(cur?.timestampMs),
    snapshots: md.snapshots.length,
    ...(await files.of(table)),
  };
}

const TIME_TRANSFORMS = new Set(['hour', 'day', 'month', 'year']);

function isTimeField(f: PartitionField, kind: string): boolean {
  return TIME_TRANSFORMS.has(f.transform.kind) || (f.transform.kind === 'identity' && kind === 'date');
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** The human form `parsePartitionValue` reads: hour 2026-11-23-10, day 2026-11-23, month 2026-11, year 2026. */
export function formatPartitionValue(f: PartitionField, value: number): string {
  switch (f.transform.kind) {
    case 'year':
      return pad(1970 + value, 4);
    case 'month':
      return `${pad(1970 + Math.floor(value / 12), 4)}-${pad((((value % 12) + 12) % 12) + 1)}`;
    case 'hour': {
      const d = civilFromDays(Math.floor(value / 24));
      return `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}-${pad(((value % 24) + 24) % 24)}`;
    }
    default: {
      const d = civilFromDays(value);
      return `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`;
    }
  }
}

/**
 * The time partitions of the table's live data files, each judged by `partitionReadiness`
 * (the same function `icetide ready --partition` uses), oldest first.
 */
export async function tablePartitions(table: Table, allowedLatenessMs: number, nowMs = Date.now()): Promise<PartitionView[]> {
  const md = table.metadata;
  const schema = table.schema();
  const kindOf = (id: number): string => schema.findField(id)?.type.kind ?? 'unknown';
  const specs = table.specs();
  const seen = new Map<string, { specId: number; field: PartitionField; value: number; files: number; records: number }>();
  const cur = table.currentSnapshot();
  if (!cur) return [];
  for (const e of await table.entries(cur.snapshotId)) {
    if (e.status === 'deleted' || e.dataFile.content !== 'data') continue;
    const spec = specs.get(e.dataFile.specId);
    if (!spec) continue;
    spec.fields.forEach((f, i) => {
      const v = e.dataFile.partition[i];
      if (typeof v !== 'number' || !isTimeField(f, kindOf(f.sourceId))) return;
      const key = `${f.name}=${formatPartitionValue(f, v)}`;
      const prev = seen.get(key);
      if (prev) {
        prev.files++;
        prev.records += Number(e.dataFile.recordCount);
      } else {
        seen.set(key, { specId: spec.specId, field: f, value: v, files: 1, records: Number(e.dataFile.recordCount) });
      }
    });
  }
  const out: PartitionView[] = [];
  for (const [key, p] of seen) {
    const r = partitionReadiness(md, specs.get(p.specId)!, kindOf, key, allowedLatenessMs, nowMs);
    out.push({
      partition: key,
      ready: r.ready,
      end: new Date(r.partitionEndMs).toISOString(),
      readyAt: new Date(r.untilMs).toISOString(),
      dataFiles: p.files,
      records: p.records,
    });
  }
  return out.sort((a, b) => a.end.localeCompare(b.end) || a.partition.localeCompare(b.partition));
}

