/**
 * Location comparison for orphan removal. A file listed from storage and the same file as a
 * manifest records it may be spelled differently: `file:/x`, `file:///x` and `/x`; `s3a://b/k`
 * and `s3://b/k`; `hdfs:/p` and `hdfs://nn:8020/p`. Listings and references are joined on the
 * path alone; schemes and authorities are then reconciled, and a pair that cannot be
 * reconciled is a prefix mismatch: an error by default, never a silent deletion (the failure
 * that deleted live files in apache/iceberg#4346, fixed there by prefix-mismatch modes).
 * Pure functions, no I/O.
 */
import { ValidationError } from '../../src/errors.js';

export interface ParsedLocation {
  /** Lower-case scheme, undefined for a plain path. */
  readonly scheme?: string;
  /** Authority (bucket, namenode:port); undefined when absent or empty (`file:///x`, `hdfs:/p`). */
  readonly authority?: string;
  /** The path: one slash between segments, no trailing slash. Relative when it does not start with `/`. */
  readonly path: string;
}

export interface EquivalenceOptions {
  /** Scheme -> canonical scheme (Iceberg's default: s3a and s3n equal s3). */
  readonly equalSchemes: Readonly<Record<string, string>>;
  /** Authority -> canonical authority (e.g. two namenode names of one HDFS). */
  readonly equalAuthorities: Readonly<Record<string, string>>;
}

export const DEFAULT_EQUAL_SCHEMES: Readonly<Record<string, string>> = { s3a: 's3', s3n: 's3' };

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):(.*)$/;

export function parseLocation(location: string): ParsedLocation {
  const m = SCHEME.exec(location);
  // A Windows drive letter is not a scheme; icetide runs on POSIX paths, but do not misparse `C:/x`.
  if (!m || m[1]!.length === 1) return { path: cleanPath(location) };
  const scheme = m[1]!.toLowerCase();
  let rest = m[2]!;
  let authority: string | undefined;
  if (rest.startsWith('//')) {
    const end = rest.indexOf('/', 2);
    authority = end < 0 ? rest.slice(2) : rest.slice(2, end);
    rest = end < 0 ? '/' : rest.slice(end);
  }
  let path = cleanPath(rest);
  if (scheme === 'file') {
    try {
      path = decodeURIComponent(path); // file URIs percent-encode; listings give raw names
    } catch {
      /* keep as is */
    }
  }
  return { scheme, ...(authority ? { authority } : {}), path };
}

function cleanPath(p: string): string {
  let s = p.replace(/\/{2,}/g, '/');
  if (s.startsWith('./')) s = s.slice(2);
  if (s.length > 1) s = s.replace(/\/+$/, '');
  return s;
}

export function isRelative(loc: ParsedLocation): boolean {
  return !loc.path.startsWith('/');
}

/**
 * Whether two spellings of one path name the same file. A side without a scheme (or
 * authority) matches any: `/x` is `file:/x`, `hdfs:/p` is `hdfs://nn:8020/p` (the listing
 * qualified it). Both present and different, after the equivalence maps, is a mismatch.
 */
export function sameFile(listed: ParsedLocation, referenced: ParsedLocation, eq: EquivalenceOptions): boolean {
  if (listed.path !== referenced.path) return false;
  const scheme = (s: string | undefined) => (s === undefined ? undefined : eq.equalSchemes[s] ?? s);
  const authority = (a: string | undefined) => (a === undefined ? undefined : eq.equalAuthorities[a] ?? a);
  const agree = <T>(a: T | undefined, b: T | undefined) => a === undefined || b === undefined || a === b;
  // Plain paths are local files: they match `file:` only, never `s3:` of the same key.
  const ls = scheme(listed.scheme) ?? 'file';
  const rs = scheme(referenced.scheme) ?? 'file';
  return ls === rs && agree(authority(listed.authority), authority(referenced.authority));
}

/** `s3a=s3,s3n=s3` -> { s3a: 's3', s3n: 's3' } (the CLI's --equal-schemes / --equal-authorities). */
export function parseEquivalences(text: string | undefined, option: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (text === undefined || text.trim() === '') return out;
  for (const pair of text.split(',')) {
    const [from, to, ...extra] = pair.split('=').map((x) => x.trim());
    if (!from || !to || extra.length > 0) throw new ValidationError(`${option} takes from=to pairs separated by commas, e.g. s3a=s3,s3n=s3; got "${pair}"`);
    out[option === '--equal-schemes' ? from.toLowerCase() : from] = option === '--equal-schemes' ? to.toLowerCase() : to;
  }
  return out;
}
