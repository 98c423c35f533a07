import { isSetAsideMetadata } from '../../src/catalog/metadata-file.js';
import { IcetideError } from '../../src/errors.js';
import type { FileInfo } from '../../src/io/file-io.js';
import { isRelative, parseLocation, sameFile, type EquivalenceOptions, type ParsedLocation } from './location-normalizer.js';

/** What to do with a listed file whose path a reference names under another scheme/authority (Iceberg's PrefixMismatchMode). */
export type PrefixMismatchMode = 'error' | 'ignore' | 'delete';

export interface OrphanFinderOptions extends EquivalenceOptions {
  /** Only files last modified before this instant may be orphans (age window and in-flight markers folded in). */
  readonly cutoffMs: number;
  /** File names that are never orphans: readiness marker files under partition paths (default `_SUCCESS`). */
  readonly keepNames?: readonly string[];
}

/** Readiness markers (`readiness.notify.marker-file`) live under partition paths on purpose. */
export const DEFAULT_KEEP_NAMES: readonly string[] = ['_SUCCESS'];

export interface PrefixMismatch {
  readonly listed: FileInfo;
  readonly referenced: string;
}

export interface OrphanVerdict {
  /** Unreferenced and older than the cutoff: may be deleted. */
  readonly orphans: FileInfo[];
  /** Unreferenced but too new (possibly part of a commit in flight): kept. */
  readonly tooNew: FileInfo[];
  /** Listed files that a reference names under an irreconcilable scheme/authority or directory. */
  readonly mismatches: PrefixMismatch[];
  /** References that are relative paths: they cannot be compared with a listing. */
  readonly unresolvable: string[];
  /** How many listed files a reference matched. */
  readonly matched: number;
}

const baseName = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/**
 * The set difference listing - references, as a pure function. Joins on the normalised path,
 * then reconciles scheme and authority (`sameFile`). A listed file that no reference names by
 * path but one names by file name is also a mismatch: table files carry unique names, so the
 * same name under another directory means the references point at another copy of the table
 * (a moved table, a re-mounted bucket) and deleting would destroy live data.
 */
export function findOrphans(listed: Iterable<FileInfo>, referenced: Iterable<string>, o: OrphanFinderOptions): OrphanVerdict {
  const byPath = new Map<string, { raw: string; loc: ParsedLocation }[]>();
  const byName = new Map<string, string>();
  const unresolvable: string[] = [];
  for (const raw of referenced) {
    const loc = parseLocation(raw);
    if (isRelative(loc)) {
      unresolvable.push(raw);
      continue;
    }
    const list = byPath.get(loc.path) ?? [];
    list.push({ raw, loc });
    byPath.set(loc.path, list);
    byName.set(baseName(loc.path), raw);
  }
  const orphans: FileInfo[] = [];
  const tooNew: FileInfo[] = [];
  const mismatches: PrefixMismatch[] = [];
  let matched = 0;
  const keep = new Set(o.keepNames ?? DEFAULT_KEEP_NAMES);
  for (const f of listed) {
    const loc = parseLocation(f.location);
    // Corrupt metadata kept aside by restore-metadata is evidence for whoever investigates: never an orphan.
    if (keep.has(baseName(loc.path)) || isSetAsideMetadata(loc.path)) continue;
    const refs = byPath.get(loc.path);
    if (refs) {
      if (refs.some((r) => sameFile(loc, r.loc, o))) matched++;
      else mismatches.push({ listed: f, referenced: refs[0]!.raw });
      continue;
    }
    const sameName = byName.get(baseName(loc.path));
    if (sameName !== undefined) {
      mismatches.push({ listed: f, referenced: sameName });
      continue;
    }
    (f.modifiedMs < o.cutoffMs ? orphans : tooNew).push(f);
  }
  return { orphans, tooNew, mismatches, unresolvable, matched };
}

/** Listing and metadata do not line up: deleting would be guessing (apache/iceberg#4346). */
export class PrefixMismatchError extends IcetideError {}

/**
 * The run may delete only when every reference could be compared with the listing: no
 * relative reference, no irreconcilable scheme/authority (unless the caller chose `ignore` or
 * `delete`), and, when the table references anything under the listed root, at least one
 * listed file matched (a listing that matches nothing means the two name different places).
 */
export function assertLocationsReconciled(v: OrphanVerdict, mode: PrefixMismatchMode, referencedUnderRoot: number): void {
  if (v.unresolvable.length > 0) {
    throw new PrefixMismatchError(`${v.unresolvable.length} referenced location(s) are relative and cannot be compared with the listing, e.g. ${v.unresolvable[0]}`);
  }
  if (mode === 'error' && v.mismatches.length > 0) {
    const ex = v.mismatches.slice(0, 3).map((m) => `${m.listed.location} (metadata: ${m.referenced})`).join('; ');
    throw new PrefixMismatchError(
      `${v.mismatches.length} listed file(s) match referenced files only by path or name, with another scheme, authority or directory: ${ex}. ` +
        'Nothing was deleted. If these are the same file system, declare it with --equal-schemes/--equal-authorities; --prefix-mismatch ignore keeps such files, delete removes them',
    );
  }
  if (referencedUnderRoot > 0 && v.matched + v.mismatches.length === 0) {
    throw new PrefixMismatchError(`none of the ${referencedUnderRoot} files the metadata references under the table location was found in the listing: the metadata and the listing name different places`);
  }
}
