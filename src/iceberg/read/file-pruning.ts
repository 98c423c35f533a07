import type { DataFile } from '../spec/manifest.js';
import type { PartitionSpec } from '../spec/partition-spec.js';
import type { PrimitiveValue } from '../spec/values.js';
import { compareValues, deserializeValue } from '../spec/value-serialization.js';
import { evaluate, type Predicate } from './predicate.js';

/**
 * Whether a data file may hold a row matching the predicate, from its metadata alone:
 * identity partition values are exact; column bounds and null counts bound the rest
 * (spec "Manifests": bounds may be truncated, lower <= min and upper >= max, so a skip
 * decided here is always safe). False means the file is skipped without being read.
 */
export function fileMayMatch(p: Predicate, file: DataFile, spec: PartitionSpec | undefined): boolean {
  switch (p.kind) {
    case 'and':
      return p.terms.every((t) => fileMayMatch(t, file, spec));
    case 'is-null':
    case 'not-null': {
      const nulls = file.nullValueCounts?.get(p.fieldId);
      const values = file.valueCounts?.get(p.fieldId);
      if (p.kind === 'is-null') return nulls === undefined || nulls > 0n;
      return nulls === undefined || values === undefined || nulls < values;
    }
    case 'compare': {
      const identity = identityPartitionValue(p.fieldId, file, spec);
      if (identity !== undefined) return evaluate(p, () => identity);
      const nulls = file.nullValueCounts?.get(p.fieldId);
      const values = file.valueCounts?.get(p.fieldId);
      if (nulls !== undefined && values !== undefined && nulls === values) return false; // all null
      const lo = bound(file.lowerBounds?.get(p.fieldId), p);
      const hi = bound(file.upperBounds?.get(p.fieldId), p);
      const c = (a: PrimitiveValue, b: PrimitiveValue) => compareValues(p.type, a, b);
      switch (p.op) {
        case '=':
          return !((lo !== undefined && c(p.value, lo) < 0) || (hi !== undefined && c(p.value, hi) > 0));
        case '<':
          return lo === undefined || c(lo, p.value) < 0;
        case '<=':
          return lo === undefined || c(lo, p.value) <= 0;
        case '>':
          return hi === undefined || c(hi, p.value) > 0;
        case '>=':
          return hi === undefined || c(hi, p.value) >= 0;
        case '!=':
          return !(lo !== undefined && hi !== undefined && c(lo, p.value) === 0 && c(hi, p.value) === 0 && nulls === 0n);
      }
    }
  }
}

function bound(bytes: Uint8Array | undefined, p: Extract<Predicate, { kind: 'compare' }>): PrimitiveValue | undefined {
  if (!bytes) return undefined;
  try {
    return deserializeValue(p.type, bytes);
  } catch {
    return undefined;
  }
}

/** The file's exact value of a column, when it is an identity partition source. */
function identityPartitionValue(fieldId: number, file: DataFile, spec: PartitionSpec | undefined): PrimitiveValue | null | undefined {
  if (!spec) return undefined;
  const i = spec.fields.findIndex((f) => f.sourceId === fieldId && f.transform.kind === 'identity');
  return i < 0 ? undefined : (file.partition[i] ?? null);
}
