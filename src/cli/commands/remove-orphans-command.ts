import { Command } from 'commander';
import { parseEquivalences } from '../../../manager/orphans/location-normalizer.js';
import type { PrefixMismatchMode } from '../../../manager/orphans/orphan-finder.js';
import { MIN_ORPHAN_AGE_MS, removeOrphans } from '../../../manager/orphans/remove-orphans.js';
import { ValidationError } from '../../errors.js';
import { parseDuration } from '../../duration.js';
import { formatJson, formatTable, type Output } from '../output.js';
import { CATALOG_NAME_HELP, CATALOG_URI_HELP, STORAGE_HELP, resolveTable, WAREHOUSE_HELP } from '../resolve-table.js';

interface RemoveOrphansOpts {
  readonly warehouse?: string;
  readonly olderThan?: string;
  readonly dryRun?: boolean;
  readonly delete?: boolean;
  readonly force?: boolean;
  readonly equalSchemes?: string;
  readonly equalAuthorities?: string;
  readonly prefixMismatch?: string;
  readonly json?: boolean;
}

const MODES: readonly PrefixMismatchMode[] = ['error', 'ignore', 'delete'];

/** `icetide remove-orphans LOC --older-than 3d [--dry-run (default) | --delete] [--force] [--json]`. */
export function removeOrphansCommand(out: Output): Command {
  return new Command('remove-orphans')
    .description('find files under the table location that no metadata reaches; lists them (dry run) unless --delete')
    .argument('<LOC>', 'table directory, or ns.table with --warehouse or --catalog-uri')
    .option('--warehouse <dir>', WAREHOUSE_HELP).option('--catalog-uri <uri>', CATALOG_URI_HELP).option('--catalog-name <name>', CATALOG_NAME_HELP).option('--storage <file>', STORAGE_HELP)
    .option('--older-than <dur>', 'only files older than this (safety window; below 1h needs --force)', '3d')
    .option('--dry-run', 'list what would be deleted (the default)')
    .option('--delete', 'really delete')
    .option('--force', 'allow a window under 1 hour')
    .option('--equal-schemes <map>', 'schemes naming the same store, added to s3a=s3,s3n=s3', '')
    .option('--equal-authorities <map>', 'authorities naming the same store, e.g. nn1:8020=nn,nn2:8020=nn', '')
    .option('--prefix-mismatch <mode>', 'a listed file that metadata names under another scheme/authority: error (stop), ignore (keep), delete', 'error')
    .option('--json', 'print the report as JSON')
    .action(async (loc: string, o: RemoveOrphansOpts) => {
      if (o.delete && o.dryRun) throw new ValidationError('give --dry-run or --delete, not both');
      const mode = (o.prefixMismatch ?? 'error') as PrefixMismatchMode;
      if (!MODES.includes(mode)) throw new ValidationError(`--prefix-mismatch takes ${MODES.join(', ')}; got "${o.prefixMismatch}"`);
      const olderThanMs = parseDuration(o.olderThan ?? '3d', '--older-than');
      if (olderThanMs < MIN_ORPHAN_AGE_MS && !o.force) {
        throw new ValidationError(`--older-than ${o.olderThan} is below the 1 hour minimum: files of commits in flight could be deleted; add --force if no writer is running`);
      }
      const table = await resolveTable(loc, o);
      const r = await removeOrphans(table, {
        olderThanMs,
        force: o.force ?? false,
        dryRun: !o.delete,
        equalSchemes: parseEquivalences(o.equalSchemes, '--equal-schemes'),
        equalAuthorities: parseEquivalences(o.equalAuthorities, '--equal-authorities'),
        prefixMismatch: mode,
      });
      if (o.json) {
        out.out(formatJson({ ...r, cutoff: new Date(r.cutoffMs).toISOString() }));
        return;
      }
      out.out(formatTable(['modified', 'bytes', 'path'], r.orphans.map((f) => [new Date(f.modifiedMs).toISOString(), f.size, f.location])));
      const bytes = r.orphans.reduce((n, f) => n + f.size, 0);
      out.out(
        `${r.table}: ${r.orphans.length} orphan file(s), ${bytes} bytes ${r.dryRun ? 'would be deleted (dry run; pass --delete)' : 'deleted'}; ` +
          `${r.listed} listed, ${r.keptTooNew} unreferenced but newer than ${new Date(r.cutoffMs).toISOString()} kept` +
          (r.liveMarkers.length > 0 ? `, ${r.liveMarkers.length} writer(s) in flight` : '') +
          (r.reevaluations > 0 ? `; re-checked ${r.reevaluations} time(s) against commits made during the run` : ''),
      );
      for (const x of r.failures) out.err(`icetide: could not delete ${x.location}: ${x.error}`);
    });
}
