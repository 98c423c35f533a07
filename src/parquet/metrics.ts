/**
 * Column metrics for manifest entries (spec "Manifests" data_file fields 108-110, 125, 137,
 * 128, 129 and table properties `write.metadata.metrics.*`). Modes: none, counts,
 * truncate(N), full; default truncate(16). String bounds are truncated to N code points,
 * binary to N bytes; a truncated upper bound has its last incrementable unit incremented
 * (as Iceberg Java's UnicodeUtil/BinaryUtil do) and is dropped when none is.
 */
import { ConfigError } from '../errors.js';
import type { Schema } from '../iceberg/spec/schema.js';
import type { PrimitiveValue } from '../iceberg/spec/values.js';
import type { LeafColumn } from './parquet-schema.js';

export type MetricsMode = { readonly kind: 'none' } | { readonly kind: 'counts' } | { readonly kind: 'truncate'; readonly length: number } | { readonly kind: 'full' };

export interface MetricsConfig {
  /** `write.metadata.metrics.default`; truncate(16) when unset. */
  readonly defaultMode?: MetricsMode;
  /** `write.metadata.metrics.column.<dotted name>`. */
  readonly columnModes?: ReadonlyMap<string, MetricsMode>;
  /** `write.metadata.metrics.max-inferred-column-defaults` (100): leaves past it get `none` unless set per column. */
  readonly maxInferredColumnDefaults?: number;
}

export const DEFAULT_METRICS_MODE: MetricsMode = { kind: 'truncate', length: 16 };

export function parseMetricsMode(s: string, property: string): MetricsMode {
  const v = s.trim().toLowerCase();
  if (v === 'none' || v === 'counts' || v === 'full') return { kind: v };
  const m = /^truncate\((\d+)\)$/.exec(v);
  if (m) {
    const length = Number(m[1]);
    if (length > 0) return { kind: 'truncate', length };
  }
  throw new ConfigError(`table property ${property}: invalid metrics mode ${JSON.stringify(s)} (expected none, counts, truncate(N) with N > 0, or full)`, { property });
}

/** Resolves each leaf's mode: per-column setting, else the default for the first N leaves. */
export function resolveMetricsModes(schema: Schema, leaves: readonly LeafColumn[], cfg: MetricsConfig | undefined): MetricsMode[] {
  const def = cfg?.defaultMode ?? DEFAULT_METRICS_MODE;
  const limit = cfg?.maxInferredColumnDefaults ?? 100;
  return leaves.map((l, i) => {
    const own = cfg?.columnModes?.get(l.icebergName);
    if (own) return own;
    // A mode set on a parent struct/list/map name applies to its leaves too.
    if (cfg?.columnModes) {
      let id = schema.parentId(l.fieldId);
      while (id !== undefined) {
        const name = schema.findColumnName(id);
        const m = name !== undefined ? cfg.columnModes.get(name) : undefined;
        if (m) return m;
        id = schema.parentId(id);
      }
    }
    return i < limit ? def : { kind: 'none' };
  });
}

/** First `n` code points. */
export function truncateStringLower(s: string, n: number): string {
  let units = 0;
  for (let cp = 0; cp < n && units < s.length; cp++) {
    const c = s.charCodeAt(units);
    units += c >= 0xd800 && c <= 0xdbff && units + 1 < s.length ? 2 : 1;
  }
  return s.slice(0, units);
}

/**
 * Smallest string of at most `n` code points that is >= every string with `s`'s first n code
 * points: the prefix with its last code point incremented (skipping surrogates, U+10FFFF
 * carries). Undefined when every code point is U+10FFFF.
 */
export function truncateStringUpper(s: string, n: number): string | undefined {
  const cps = Array.from(truncateStringLower(s, n));
  if (cps.length === Array.from(s).length) return s;
  for (let i = cps.length - 1; i >= 0; i--) {
    const cp = cps[i]!.codePointAt(0)!;
    if (cp === 0x10ffff) continue;
    const next = cp === 0xd7ff ? 0xe000 : cp + 1;
    return cps.slice(0, i).join('') + String.fromCodePoint(next);
  }
  return undefined;
}

export function truncateBinaryLower(b: Uint8Array, n: number): Uint8Array {
  return b.length <= n ? b : b.slice(0, n);
}

export function truncateBinaryUpper(b: Uint8Array, n: number): Uint8Array | undefined {
  if (b.length <= n) return b;
  for (let i = n - 1; i >= 0; i--) {
    if (b[i] !== 0xff) {
      const out = b.slice(0, i + 1);
      out[i] = out[i]! + 1;
      return out;
    }
  }
  return undefined;
}

/** Applies a mode's truncation to a bound (only string and binary truncate). */
export function boundFor(mode: MetricsMode, kind: string, v: PrimitiveValue, upper: boolean): PrimitiveValue | undefined {
  if (mode.kind !== 'truncate') return v;
  if (kind === 'string' && typeof v === 'string') return upper ? truncateStringUpper(v, mode.length) : truncateStringLower(v, mode.length);
  if (kind === 'binary' && v instanceof Uint8Array) return upper ? truncateBinaryUpper(v, mode.length) : truncateBinaryLower(v, mode.length);
  return v;
}
