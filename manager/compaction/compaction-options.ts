import { ConfigError } from '../../src/errors.js';
import { defaultDecodeWorkers } from '../../src/iceberg/read/decoder-pool.js';

/** Iceberg Java's RewriteDataFiles default target (`write.target-file-size-bytes` wins). */
export const DEFAULT_TARGET_FILE_SIZE = 128 * 1024 * 1024;
/** Iceberg Java's `min-file-size-bytes` default: 75% of the target. */
export const MIN_FILE_SIZE_RATIO = 0.75;
/** A data file with more delete files than this applied is rewritten whatever its size. */
export const DEFAULT_DELETE_FILE_THRESHOLD = 10;
/** Iceberg Java's `partial-progress.max-commits` default. */
export const DEFAULT_MAX_COMMIT_GROUPS = 10;
/** Equality-delete keys held in memory at once while rewriting (see EqualityDeleteIndex). */
export const DEFAULT_MAX_EQUALITY_KEYS = 1_000_000;

const TARGET_PROPERTY = 'write.target-file-size-bytes';

/** What the caller may set; every field has a default. */
export interface CompactionOptions {
  readonly targetFileSizeBytes?: number;
  readonly minFileSizeBytes?: number;
  readonly deleteFileThreshold?: number;
  readonly maxCommitGroups?: number;
  readonly maxEqualityKeysInMemory?: number;
  /** Worker threads decoding small input files (0: decode on the calling thread). */
  readonly decodeWorkers?: number;
  readonly dryRun?: boolean;
}

/** Options with every default applied (the planner takes these). */
export interface PlanOptions {
  readonly targetFileSizeBytes: number;
  readonly minFileSizeBytes: number;
  readonly deleteFileThreshold: number;
}

export interface ResolvedCompactionOptions extends PlanOptions {
  readonly maxCommitGroups: number;
  readonly maxEqualityKeysInMemory: number;
  readonly decodeWorkers: number;
  readonly dryRun: boolean;
}

function positive(name: string, v: number | undefined, allowZero = false): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isSafeInteger(v) || v < 0 || (!allowZero && v === 0)) throw new ConfigError(`${name}: expected a ${allowZero ? 'non-negative' : 'positive'} integer, got ${v}`);
  return v;
}

/**
 * Defaults: target = the option, else the table property `write.target-file-size-bytes`,
 * else 128 MiB; min = 0.75 x target (files at or above it are "big enough"); decode workers =
 * one per core beyond the main thread's (at least 1, at most 8).
 */
export function resolveCompactionOptions(o: CompactionOptions, tableProperties: Readonly<Record<string, string>>): ResolvedCompactionOptions {
  const prop = tableProperties[TARGET_PROPERTY];
  const fromProp = prop !== undefined && /^\d+$/.test(prop.trim()) ? Number(prop.trim()) : undefined;
  const target = positive('target-file-size', o.targetFileSizeBytes) ?? fromProp ?? DEFAULT_TARGET_FILE_SIZE;
  const min = positive('min-file-size', o.minFileSizeBytes, true) ?? Math.floor(target * MIN_FILE_SIZE_RATIO);
  if (min > target) throw new ConfigError(`min-file-size (${min}) must not exceed target-file-size (${target})`);
  return {
    targetFileSizeBytes: target,
    minFileSizeBytes: min,
    deleteFileThreshold: positive('delete-file-threshold', o.deleteFileThreshold, true) ?? DEFAULT_DELETE_FILE_THRESHOLD,
    maxCommitGroups: positive('max-commit-groups', o.maxCommitGroups) ?? DEFAULT_MAX_COMMIT_GROUPS,
    maxEqualityKeysInMemory: positive('max-equality-keys', o.maxEqualityKeysInMemory) ?? DEFAULT_MAX_EQUALITY_KEYS,
    decodeWorkers: positive('decode-workers', o.decodeWorkers, true) ?? defaultDecodeWorkers(),
    dryRun: o.dryRun ?? false,
  };
}
