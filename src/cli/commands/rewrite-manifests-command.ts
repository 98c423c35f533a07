import { Command } from 'commander';
import { rewriteManifests } from '../../../manager/manifests/rewrite-manifests.js';
import { ValidationError } from '../../errors.js';
import { formatJson, type Output } from '../output.js';
import { CATALOG_NAME_HELP, CATALOG_URI_HELP, STORAGE_HELP, resolveTable, WAREHOUSE_HELP } from '../resolve-table.js';

interface RewriteManifestsOpts {
  readonly warehouse?: string;
  readonly targetSizeBytes?: string;
  readonly json?: boolean;
}

/** `icetide rewrite-manifests LOC [--target-size-bytes N] [--json]`. */
export function rewriteManifestsCommand(out: Output): Command {
  return new Command('rewrite-manifests')
    .description('merge small manifests per partition spec and content into a replace snapshot (no data change)')
    .argument('<LOC>', 'table directory, or ns.table with --warehouse or --catalog-uri')
    .option('--warehouse <dir>', WAREHOUSE_HELP).option('--catalog-uri <uri>', CATALOG_URI_HELP).option('--catalog-name <name>', CATALOG_NAME_HELP).option('--storage <file>', STORAGE_HELP)
    .option('--target-size-bytes <n>', 'manifest size to aim for (default: commit.manifest.target-size-bytes, else 8 MB)')
    .option('--json', 'print the report as JSON')
    .action(async (loc: string, o: RewriteManifestsOpts) => {
      let targetSizeBytes: number | undefined;
      if (o.targetSizeBytes !== undefined) {
        targetSizeBytes = Number(o.targetSizeBytes);
        if (!Number.isInteger(targetSizeBytes) || targetSizeBytes < 1) throw new ValidationError(`--target-size-bytes takes a whole number >= 1, got "${o.targetSizeBytes}"`);
      }
      const table = await resolveTable(loc, o);
      const r = await rewriteManifests(table, targetSizeBytes === undefined ? {} : { targetSizeBytes });
      if (o.json) out.out(formatJson(r));
      else if (r.snapshotId === undefined) out.out(`${r.table}: nothing to merge (${r.manifestsBefore} manifest(s))`);
      else out.out(`${r.table}: ${r.manifestsBefore} -> ${r.manifestsAfter} manifests (${r.replaced} merged into ${r.created}; ${r.bytesReplaced} -> ${r.bytesCreated} bytes), snapshot ${r.snapshotId}`);
    });
}
