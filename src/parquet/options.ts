/**
 * Writer options and their table properties (Iceberg docs "Configuration / Write properties").
 */
import { ConfigError } from '../errors.js';
import { CODECS, type Codec } from './compression.js';
import { parseMetricsMode, type MetricsConfig, type MetricsMode } from './metrics.js';

export interface ParquetWriteOptions {
  /** `write.parquet.compression-codec`, default zstd. */
  codec?: Codec;
  /** `write.parquet.compression-level`; zstd 3 / gzip 6 when unset. */
  compressionLevel?: number;
  /** `write.parquet.row-group-size-bytes`, default 128 MiB (of buffered, uncompressed values). */
  rowGroupSizeBytes?: number;
  /** `write.parquet.page-size-bytes`, default 1 MiB. */
  pageSizeBytes?: number;
  /** `write.parquet.page-row-limit`, default 20000. */
  pageRowLimit?: number;
  /** `write.target-file-size-bytes`, default 512 MiB; used by RollingParquetWriter. */
  targetFileSizeBytes?: number;
  metrics?: MetricsConfig;
  /**
   * Encode and compress row groups on a worker thread while the caller's thread keeps
   * shredding: the row group goes to the worker in slices of a few MiB as it fills, so its
   * pages are encoded before it is complete (at most one finished row group in flight).
   * Same bytes as in-thread.
   */
  encodeInWorker?: boolean;
  /** Footer key/value metadata. */
  keyValueMetadata?: Readonly<Record<string, string>>;
}

export const DEFAULTS = {
  codec: 'zstd' as Codec,
  rowGroupSizeBytes: 128 * 1024 * 1024,
  pageSizeBytes: 1024 * 1024,
  pageRowLimit: 20_000,
  targetFileSizeBytes: 512 * 1024 * 1024,
};

const P = {
  codec: 'write.parquet.compression-codec',
  level: 'write.parquet.compression-level',
  rowGroup: 'write.parquet.row-group-size-bytes',
  page: 'write.parquet.page-size-bytes',
  pageRows: 'write.parquet.page-row-limit',
  target: 'write.target-file-size-bytes',
  metricsDefault: 'write.metadata.metrics.default',
  metricsColumn: 'write.metadata.metrics.column.',
  metricsMaxInferred: 'write.metadata.metrics.max-inferred-column-defaults',
} as const;

function positiveInt(props: Readonly<Record<string, string>>, key: string): number | undefined {
  const s = props[key];
  if (s === undefined) return undefined;
  const n = Number(s.trim());
  if (!/^\s*\d+\s*$/.test(s) || !Number.isSafeInteger(n) || n <= 0) {
    throw new ConfigError(`table property ${key}: expected a positive integer, got ${JSON.stringify(s)}`, { property: key });
  }
  return n;
}

export function validateLevel(codec: Codec, level: number | undefined, key: string = P.level): void {
  if (level === undefined) return;
  const [lo, hi] = codec === 'zstd' ? [-7, 22] : codec === 'gzip' ? [0, 9] : [-Infinity, Infinity];
  if (!Number.isInteger(level) || level < lo || level > hi) {
    throw new ConfigError(`${key}: compression level ${level} is out of range for ${codec} (${lo}..${hi})`, { property: key });
  }
}

/** Table properties -> options; a bad value is a ConfigError naming the property. */
export function parquetWriteOptionsFromProperties(props: Readonly<Record<string, string>>): ParquetWriteOptions {
  const opts: ParquetWriteOptions = {};
  const codec = props[P.codec];
  if (codec !== undefined) {
    const c = codec.trim().toLowerCase();
    if (!(CODECS as readonly string[]).includes(c)) {
      throw new ConfigError(`table property ${P.codec}: unsupported codec ${JSON.stringify(codec)} (expected one of ${CODECS.join(', ')})`, { property: P.codec });
    }
    opts.codec = c as Codec;
  }
  const level = props[P.level];
  if (level !== undefined) {
    if (!/^\s*-?\d+\s*$/.test(level)) throw new ConfigError(`table property ${P.level}: expected an integer, got ${JSON.stringify(level)}`, { property: P.level });
    opts.compressionLevel = Number(level);
    validateLevel(opts.codec ?? DEFAULTS.codec, opts.compressionLevel, `table property ${P.level}`);
  }
  const rg = positiveInt(props, P.rowGroup);
  if (rg !== undefined) opts.rowGroupSizeBytes = rg;
  const page = positiveInt(props, P.page);
  if (page !== undefined) opts.pageSizeBytes = page;
  const pageRows = positiveInt(props, P.pageRows);
  if (pageRows !== undefined) opts.pageRowLimit = pageRows;
  const target = positiveInt(props, P.target);
  if (target !== undefined) opts.targetFileSizeBytes = target;

  const columnModes = new Map<string, MetricsMode>();
  for (const [k, v] of Object.entries(props)) {
    if (k.startsWith(P.metricsColumn)) columnModes.set(k.slice(P.metricsColumn.length), parseMetricsMode(v, k));
  }
  const metricsDefault = props[P.metricsDefault];
  const maxInferred = props[P.metricsMaxInferred];
  if (metricsDefault !== undefined || columnModes.size > 0 || maxInferred !== undefined) {
    opts.metrics = {
      ...(metricsDefault !== undefined ? { defaultMode: parseMetricsMode(metricsDefault, P.metricsDefault) } : {}),
      ...(columnModes.size > 0 ? { columnModes } : {}),
      ...(maxInferred !== undefined ? { maxInferredColumnDefaults: positiveInt(props, P.metricsMaxInferred)! } : {}),
    };
  }
  return opts;
}
