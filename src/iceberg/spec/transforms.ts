/**
 * Partition transforms (spec "Partition Transforms").
 * The type is defined here; application, result types and string forms live below.
 */
export type Transform =
  | { readonly kind: 'identity' }
  | { readonly kind: 'bucket'; readonly n: number }
  | { readonly kind: 'truncate'; readonly width: number }
  | { readonly kind: 'year' }
  | { readonly kind: 'month' }
  | { readonly kind: 'day' }
  | { readonly kind: 'hour' }
  | { readonly kind: 'void' }
  /** A transform this version does not know: kept for round-trips, never applied. */
  | { readonly kind: 'unknown'; readonly name: string };

/** Parses the spec's transform string form: `identity`, `bucket[16]`, `truncate[4]`, `day`, ... */
export function parseTransform(text: string): Transform {
  const s = text.trim().toLowerCase();
  const param = /^(bucket|truncate)\[(\d+)\]$/.exec(s);
  if (param) {
    const n = Number(param[2]);
    return param[1] === 'bucket' ? { kind: 'bucket', n } : { kind: 'truncate', width: n };
  }
  switch (s) {
    case 'identity':
    case 'year':
    case 'month':
    case 'day':
    case 'hour':
    case 'void':
      return { kind: s };
    default:
      return { kind: 'unknown', name: text };
  }
}

export function transformToString(t: Transform): string {
  switch (t.kind) {
    case 'bucket':
      return `bucket[${t.n}]`;
    case 'truncate':
      return `truncate[${t.width}]`;
    case 'unknown':
      return t.name;
    default:
      return t.kind;
  }
}
