import { Command } from 'commander';
import { countRows, scanTable } from '../../iceberg/read/table-scan.js';
import { parsePredicate } from '../../iceberg/read/predicate.js';
import { stringifyJson } from '../../iceberg/spec/lossless-json.js';
import { ValidationError } from '../../errors.js';
import { formatTable, type Output } from '../output.js';
import { parseSnapshotId, CATALOG_NAME_HELP, CATALOG_URI_HELP, STORAGE_HELP, resolveTable, WAREHOUSE_HELP } from '../resolve-table.js';
import { csvField, formatHuman, toJsonCell } from '../value-format.js';

interface ScanOpts {
  readonly warehouse?: string;
  readonly snapshot?: string;
  readonly columns?: string;
  readonly where?: string;
  readonly limit?: string;
  readonly format?: string;
  readonly json?: boolean;
}

/** `icetide table scan` and `icetide table count`: rows of a snapshot with deletes applied. */
export function addScanCommands(table: Command, out: Output): void {
  table
    .command('scan')
    .description('live rows of a snapshot (position and equality deletes applied)')
    .argument('<LOC>', 'table directory, *.metadata.json, or ns.table with --warehouse or --catalog-uri')
    .option('--warehouse <dir>', WAREHOUSE_HELP).option('--catalog-uri <uri>', CATALOG_URI_HELP).option('--catalog-name <name>', CATALOG_NAME_HELP).option('--storage <file>', STORAGE_HELP)
    .option('--snapshot <id>', 'snapshot id (default: current)')
    .option('--columns <a,b>', 'columns to print (default: all)')
    .option('--where <expr>', 'row filter: "col = value [AND col2 > 3 ...]", ops = != < <= > >=, IS [NOT] NULL')
    .option('--limit <n>', 'stop after n rows')
    .option('--format <fmt>', 'table | jsonl | csv', 'table')
    .action(async (loc: string, o: ScanOpts) => {
      const format = o.format ?? 'table';
      if (!['table', 'jsonl', 'csv'].includes(format)) throw new ValidationError(`--format must be table, jsonl or csv, got "${format}"`);
      const limit = o.limit === undefined ? undefined : Number(o.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new ValidationError(`--limit takes a whole number, got "${o.limit}"`);
      const t = await resolveTable(loc, o);
      const schema = t.schema();
      const columns = o.columns?.split(',').map((c) => c.trim()).filter(Boolean);
      const fields = columns ? columns.map((c) => schema.fields.find((f) => f.name === c)!).filter(Boolean) : [...schema.fields];
      const rows = scanTable(t, {
        ...(o.snapshot ? { snapshotId: parseSnapshotId(o.snapshot)! } : {}),
        ...(columns ? { columns } : {}),
        ...(o.where ? { filter: parsePredicate(o.where, schema) } : {}),
        ...(limit !== undefined ? { limit } : {}),
      });
      if (format === 'jsonl') {
        for await (const batch of rows) {
          out.out(batch.map((r) => stringifyJson(Object.fromEntries(fields.map((f) => [f.name, toJsonCell(f.type, r[f.name])])))).join('\n'));
        }
      } else if (format === 'csv') {
        out.out(fields.map((f) => csvField(f.name)).join(','));
        for await (const batch of rows) out.out(batch.map((r) => fields.map((f) => (r[f.name] === null || r[f.name] === undefined ? '' : csvField(formatHuman(f.type, r[f.name])))).join(',')).join('\n'));
      } else {
        // A terminal table needs every row for column widths: cap it so a huge scan cannot exhaust memory.
        const cap = limit ?? 1000;
        const cells: string[][] = [];
        for await (const batch of rows) {
          for (const r of batch) if (cells.length < cap) cells.push(fields.map((f) => formatHuman(f.type, r[f.name])));
          if (cells.length >= cap) break;
        }
        out.out(formatTable(fields.map((f) => f.name), cells));
        if (limit === undefined && cells.length >= cap) out.err(`(first ${cap} rows; use --limit, or --format jsonl|csv to stream everything)`);
      }
    });

  table
    .command('count')
    .description('number of live rows (deletes applied; files without deletes are not read)')
    .argument('<LOC>', 'table directory, *.metadata.json, or ns.table with --warehouse or --catalog-uri')
    .option('--warehouse <dir>', WAREHOUSE_HELP).option('--catalog-uri <uri>', CATALOG_URI_HELP).option('--catalog-name <name>', CATALOG_NAME_HELP).option('--storage <file>', STORAGE_HELP)
    .option('--snapshot <id>', 'snapshot id (default: current)')
    .option('--where <expr>', 'count only rows matching the filter')
    .option('--json', 'print {"count": N}')
    .action(async (loc: string, o: ScanOpts) => {
      const t = await resolveTable(loc, o);
      const n = await countRows(t, {
        ...(o.snapshot ? { snapshotId: parseSnapshotId(o.snapshot)! } : {}),
        ...(o.where ? { filter: parsePredicate(o.where, t.schema()) } : {}),
      });
      out.out(o.json ? stringifyJson({ count: n }) : String(n));
    });
}
