import { Command } from 'commander';
import { IcetideError, ValidationError } from '../../errors.js';
import { noWatermarkReason, partitionReadiness, tableReadiness, type TableReadiness } from '../../pipeline/readiness.js';
import type { Table } from '../../iceberg/table.js';
import { formatJson, type Output } from '../output.js';
import { parseDuration, parseInstant } from '../../duration.js';
import { CATALOG_NAME_HELP, CATALOG_URI_HELP, STORAGE_HELP, resolveTable, WAREHOUSE_HELP } from '../resolve-table.js';
import { formatLag } from '../progress-line.js';

interface ReadyOpts {
  readonly until?: string;
  readonly warehouse?: string;
  readonly partition?: string;
  readonly allowedLateness?: string;
  readonly wait?: boolean;
  readonly timeout?: string;
  readonly pollInterval?: string;
  readonly json?: boolean;
}

/**
 * `icetide ready TABLE --until T [--wait --timeout 30m] [--json]`: exit 0 when the table's
 * committed watermark covers T, 1 when not (or the wait timed out), 2 on error (no table,
 * no watermark yet). A scheduler task runs this as its dependency.
 */
export function readyCommand(out: Output, setExit: (code: number) => void): Command {
  return new Command('ready')
    .description('exit 0 when every source change up to --until is committed to the table (1: not yet, 2: error)')
    .argument('<TABLE>', 'table directory, *.metadata.json, or ns.table with --warehouse or --catalog-uri')
    .option('--until <time>', 'ISO-8601 time with zone, e.g. 2026-11-23T10:00:00Z (or use --partition)')
    .option('--warehouse <dir>', WAREHOUSE_HELP).option('--catalog-uri <uri>', CATALOG_URI_HELP).option('--catalog-name <name>', CATALOG_NAME_HELP).option('--storage <file>', STORAGE_HELP)
    .option('--partition <name=value>', 'readiness of one time partition, e.g. created_at_day=2026-11-23 (ready when the watermark passes its end + lateness)')
    .option('--allowed-lateness <dur>', 'with --partition: extra wait after the partition end', '0s')
    .option('--wait', 'block until ready (or --timeout)')
    .option('--timeout <dur>', 'with --wait: give up after this long (exit 1)', '30m')
    .option('--poll-interval <dur>', 'with --wait: how often to re-read the table', '200ms')
    .option('--json', 'print the readiness as JSON')
    .action(async (loc: string, o: ReadyOpts) => {
      if ((o.until === undefined) === (o.partition === undefined)) throw new ValidationError('give exactly one of --until TIME or --partition NAME=VALUE');
      const until = o.until === undefined ? 0 : parseInstant(o.until, '--until');
      const lateness = parseDuration(o.allowedLateness ?? '0s', '--allowed-lateness');
      const deadline = Date.now() + (o.wait ? parseDuration(o.timeout ?? '30m', '--timeout') : 0);
      const poll = parseDuration(o.pollInterval ?? '200ms', '--poll-interval');
      const table = await resolveTable(loc, o);
      const check = (t: Table): TableReadiness => {
        if (!o.partition) return tableReadiness(t.metadata, until);
        const schema = t.schema();
        return partitionReadiness(t.metadata, t.spec(), (id) => schema.findField(id)?.type.kind ?? 'unknown', o.partition, lateness);
      };
      let r = check(table);
      while (!r.ready && o.wait && Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, Math.min(poll, Math.max(0, deadline - Date.now()))));
        r = check(await table.refresh());
      }
      if (r.watermarkMs === undefined && !r.ready) {
        throw new IcetideError(noWatermarkReason(table.name, table.metadata), { table: table.name });
      }
      const report = {
        table: table.name,
        ready: r.ready,
        until: new Date(r.untilMs).toISOString(),
        watermark: r.watermarkMs === undefined ? null : new Date(r.watermarkMs).toISOString(),
        lagSeconds: r.lagMs === undefined ? null : r.lagMs / 1000,
        snapshotId: r.snapshotId ?? null,
        commitTime: r.commitTimeMs === undefined ? null : new Date(r.commitTimeMs).toISOString(),
        ...(o.partition ? { partition: o.partition } : {}),
      };
      const lag = r.lagMs === undefined ? '' : ` (lag ${formatLag(r.lagMs)})`;
      out.out(o.json ? formatJson(report) : `${r.ready ? 'ready' : 'not ready'}: ${table.name} watermark ${report.watermark} ${r.ready ? '>=' : '<'} ${report.until}${lag}`);
      setExit(r.ready ? 0 : 1);
    });
}
