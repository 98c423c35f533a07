import { Command } from 'commander';
import { countExpiredFiles } from '../../../manager/expiry/expired-files.js';
import { expireTable } from '../../../manager/expiry/expire-table.js';
import { ValidationError } from '../../errors.js';
import { parseDuration } from '../../duration.js';
import { formatJson, formatTable, type Output } from '../output.js';
import { CATALOG_NAME_HELP, CATALOG_URI_HELP, STORAGE_HELP, resolveTable, WAREHOUSE_HELP } from '../resolve-table.js';

interface ExpireOpts {
  readonly warehouse?: string;
  readonly olderThan?: string;
  readonly retainLast?: string;
  readonly pipelineRetention?: string;
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

/** `icetide expire LOC --older-than 5d --retain-last 10 [--pipeline-retention 7d] [--dry-run] [--json]`. */
export function expireCommand(out: Output): Command {
  return new Command('expire')
    .description('expire old snapshots and delete the files only they reach (keeps ref heads, retain-last, and each live pipeline\'s resume snapshot)')
    .argument('<LOC>', 'table directory, or ns.table with --warehouse or --catalog-uri')
    .option('--warehouse <dir>', WAREHOUSE_HELP).option('--catalog-uri <uri>', CATALOG_URI_HELP).option('--catalog-name <name>', CATALOG_NAME_HELP).option('--storage <file>', STORAGE_HELP)
    .option('--older-than <dur>', 'expire snapshots older than this (default: history.expire.max-snapshot-age-ms, else 5d)')
    .option('--retain-last <n>', 'keep at least this many snapshots per branch (default: history.expire.min-snapshots-to-keep, else 1)')
    .option('--pipeline-retention <dur>', 'a pipeline whose newest commit is older than this is retired and no longer pins history (default: every pipeline pins)')
    .option('--dry-run', 'report what would be expired and deleted; change nothing')
    .option('--json', 'print the report as JSON')
    .action(async (loc: string, o: ExpireOpts) => {
      let retainLast: number | undefined;
      if (o.retainLast !== undefined) {
        retainLast = Number(o.retainLast);
        if (!Number.isInteger(retainLast) || retainLast < 1) throw new ValidationError(`--retain-last takes a whole number >= 1, got "${o.retainLast}"`);
      }
      const table = await resolveTable(loc, o);
      const r = await expireTable(table, {
        ...(o.olderThan === undefined ? {} : { olderThanMs: parseDuration(o.olderThan, '--older-than') }),
        ...(retainLast === undefined ? {} : { retainLast }),
        ...(o.pipelineRetention === undefined ? {} : { pipelineRetentionMs: parseDuration(o.pipelineRetention, '--pipeline-retention') }),
        dryRun: o.dryRun ?? false,
      });
      if (o.json) {
        out.out(formatJson({ ...r, cutoff: new Date(r.cutoffMs).toISOString() }));
        return;
      }
      const verb = r.dryRun ? 'would expire' : 'expired';
      out.out(`${r.table}: ${verb} ${r.expiredSnapshotIds.length} snapshot(s) older than ${new Date(r.cutoffMs).toISOString()} (retain-last ${r.retainLast})`);
      const f = r.files;
      out.out(
        formatTable(['kind', r.dryRun ? 'to delete' : 'deleted'], [
          ['data files', f.dataFiles.length],
          ['delete files', f.deleteFiles.length],
          ['manifests', f.manifests.length],
          ['manifest lists', f.manifestLists.length],
          ['statistics files', f.statisticsFiles.length],
          ['key-filter checkpoints', f.keyFilterCheckpoints.length],
          ['metadata.json files', r.metadataFiles.length],
          ['total', countExpiredFiles(f) + r.metadataFiles.length],
        ]),
      );
      if (r.pipelines.length > 0) {
        out.out(formatTable(['pipeline', 'resume snapshot', 'committed', 'pinned'], r.pipelines.map((p) => [p.pipelineId, p.snapshotId, new Date(p.committedMs).toISOString(), p.pinned ? 'yes' : 'no (retired)'])));
      }
      for (const x of r.failures) out.err(`icetide: could not delete ${x.location}: ${x.error}`);
    });
}
