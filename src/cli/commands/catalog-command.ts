import { ValidationError } from '../../errors.js';
import { Command } from 'commander';
import { FilesystemCatalog } from '../../catalog/filesystem-catalog.js';
import { migrateToSqlCatalog } from '../../catalog/migrate-to-sql-catalog.js';
import { DEFAULT_SQL_CATALOG_NAME, SqlCatalog } from '../../catalog/sql-catalog.js';
import { formatJson, formatTable, type Output } from '../output.js';
import { CATALOG_NAME_HELP, CATALOG_URI_HELP } from '../resolve-table.js';
import { addCatalogServeCommand } from './catalog-serve-command.js';

interface MigrateOpts {
  readonly warehouse: string;
  readonly to: string;
  readonly name?: string;
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

/** `icetide catalog migrate --warehouse DIR --to URI [--name N] [--dry-run] [--json]`; `icetide catalog serve`. */
export function catalogCommand(out: Output): Command {
  const catalog = new Command('catalog').description('catalog administration');
  catalog
    .command('migrate')
    .description('register every table of a filesystem warehouse in a SQL catalog at its current metadata file (no data is rewritten; re-running skips what is registered)')
    // checked in the action (not requiredOption), so an unknown option is reported as such first
    .option('--warehouse <dir>', 'the filesystem warehouse to migrate from (required)')
    .option('--to <uri>', `${CATALOG_URI_HELP} (required)`)
    .option('--name <name>', CATALOG_NAME_HELP, DEFAULT_SQL_CATALOG_NAME)
    .option('--dry-run', 'list what would be registered; change nothing')
    .option('--json', 'print the result as JSON')
    .action(async (o: Partial<MigrateOpts>) => {
      if (!o.warehouse || !o.to) throw new ValidationError(`catalog migrate needs ${!o.warehouse ? '--warehouse DIR' : '--to URI'} (e.g. icetide catalog migrate --warehouse ./warehouse --to sqlite:./catalog.db)`);
      const to = new SqlCatalog({ uri: o.to, name: o.name ?? DEFAULT_SQL_CATALOG_NAME, warehouse: o.warehouse });
      try {
        const result = await migrateToSqlCatalog(new FilesystemCatalog(o.warehouse), to, { dryRun: o.dryRun ?? false });
        if (o.json) {
          out.out(formatJson(result));
          return;
        }
        out.out(formatTable(['table', 'metadata', 'action'], result.map((r) => [r.table, r.metadataLocation, r.action])));
        const n = (a: string) => result.filter((r) => r.action === a).length;
        out.out(o.dryRun ? `${n('would-register')} to register, ${n('already-registered')} already registered in ${to.name} (${to.target})` : `${n('registered')} registered, ${n('already-registered')} already registered in ${to.name} (${to.target})`);
      } finally {
        await to.close();
      }
    });
  addCatalogServeCommand(catalog, out);
  return catalog;
}
