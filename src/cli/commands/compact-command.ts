import { Command } from 'commander';
import { compactTable, type CompactionReport } from '../../../manager/compaction/compact-table.js';
import { minorCompactTable, type MinorCompactionReport } from '../../../manager/compaction/minor-compaction.js';
import { ConfigError } from '../../errors.js';
import { formatJson, formatTable, type Output } from '../output.js';
import { CATALOG_NAME_HELP, CATALOG_URI_HELP, STORAGE_HELP, resolveTable, WAREHOUSE_HELP } from '../resolve-table.js';

interface CompactOpts {
  readonly warehouse?: string;
  readonly targetFileSize?: string;
  readonly minFileSize?: string;
  readonly deleteFileThreshold?: string;
  readonly maxCommitGroups?: string;
  readonly maxEqualityKeys?: string;
  readonly decodeWorkers?: string;
  readonly minor?: boolean;
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** `134217728`, `128m`, `128MB`, `128MiB` (binary units, as Iceberg's byte properties). */
export function parseBytes(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^\s*(\d+)\s*([kmg]?)(i?b)?\s*$/i.exec(text);
  if (!m) throw new ConfigError(`${flag}: expected bytes (e.g. 134217728, 128m, 128MiB), got "${text}"`);
  return Number(m[1]) * UNITS[m[2]!.toLowerCase()]!;
}

function parseCount(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim())) throw new ConfigError(`${flag}: expected a whole number, got "${text}"`);
  return Number(text);
}

const mb = (b: number) => (b / 1024 / 1024).toFixed(2);

/** `icetide compact LOC`: bin-pack small files (deletes applied), or `--minor`: equality -> position deletes. */
export function compactCommand(out: Output, setExit: (code: number) => void): Command {
  return new Command('compact')
    .description('compact a table: rewrite small data files (deletes applied) into target-size files; --minor turns equality deletes into position deletes')
    .argument('<LOC>', 'table directory, *.metadata.json, or ns.table with --warehouse or --catalog-uri')
    .option('--warehouse <dir>', WAREHOUSE_HELP).option('--catalog-uri <uri>', CATALOG_URI_HELP).option('--catalog-name <name>', CATALOG_NAME_HELP).option('--storage <file>', STORAGE_HELP)
    .option('--target-file-size <bytes>', 'size of the files written (default: write.target-file-size-bytes, else 128 MiB)')
    .option('--min-file-size <bytes>', 'files smaller than this are compacted (default: 0.75 x target)')
    .option('--delete-file-threshold <n>', 'also rewrite files with more than n delete files applied (default 10)')
    .option('--max-commit-groups <n>', 'split the run into at most n commits of whole partitions (default 10)')
    .option('--max-equality-keys <n>', 'equality-delete keys held in memory at once (default 1000000)')
    .option('--decode-workers <n>', 'worker threads decoding small input files (default: one per core beyond the first, at most 8; 0: none)')
    .option('--minor', 'minor compaction: equality deletes -> position deletes, no data rewrite')
    .option('--dry-run', 'print the plan, change nothing')
    .option('--json', 'machine-readable JSON output')
    .action(async (loc: string, o: CompactOpts) => {
      // flags first: a bad one is named before the table is opened
      const opt = <T>(k: string, v: T | undefined) => (v === undefined ? {} : { [k]: v });
      const maxEq = opt('maxEqualityKeysInMemory', parseCount('--max-equality-keys', o.maxEqualityKeys));
      const groups = opt('maxCommitGroups', parseCount('--max-commit-groups', o.maxCommitGroups));
      const major = {
        ...opt('targetFileSizeBytes', parseBytes('--target-file-size', o.targetFileSize)),
        ...opt('minFileSizeBytes', parseBytes('--min-file-size', o.minFileSize)),
        ...opt('deleteFileThreshold', parseCount('--delete-file-threshold', o.deleteFileThreshold)),
        ...opt('decodeWorkers', parseCount('--decode-workers', o.decodeWorkers)),
      };
      const table = await resolveTable(loc, o);
      if (o.minor) {
        const r = await minorCompactTable(table, { dryRun: o.dryRun ?? false, ...maxEq, ...groups });
        out.out(o.json ? formatJson(r) : minorText(r));
        if (r.conflict) setExit(1);
        return;
      }
      const r = await compactTable(table, { ...major, ...groups, ...maxEq, dryRun: o.dryRun ?? false });
      out.out(o.json ? formatJson(r) : compactText(r));
    });
}

function compactText(r: CompactionReport): string {
  const lines: string[] = [];
  const filesIn = r.plan.reduce((n, g) => n + g.filesIn, 0);
  const bytesIn = r.plan.reduce((n, g) => n + g.bytesIn, 0);
  const expected = r.plan.reduce((n, g) => n + g.expectedFilesOut, 0);
  lines.push(
    `${r.table}: ${r.dataFilesBefore} data files, ${r.deleteFilesBefore} delete files; target ${mb(r.options.targetFileSizeBytes)} MiB, min ${mb(r.options.minFileSizeBytes)} MiB`,
  );
  if (r.plan.length === 0) return [...lines, 'nothing to compact'].join('\n');
  lines.push(`plan: ${r.plan.length} group(s) in ${new Set(r.plan.map((g) => g.partition)).size} partition(s): ${filesIn} files (${mb(bytesIn)} MiB) -> ~${expected} files`);
  lines.push(formatTable(['partition', 'files in', 'MiB in', 'rows in', 'delete files', 'files out (est.)', 'why'], r.plan.map((g) => [g.partition, g.filesIn, mb(g.bytesIn), g.rowsIn, g.deleteFiles, g.expectedFilesOut, g.reasons])));
  if (r.dryRun) return [...lines, '(dry run: nothing written)'].join('\n');
  lines.push('');
  lines.push(
    formatTable(
      ['commit', 'groups', 'data files -', 'data files +', 'delete files -', 'MiB in', 'MiB out', 'rows'],
      r.commits.map((c) => [c.snapshotId, c.groups, c.dataFilesRemoved, c.dataFilesAdded, c.deleteFilesRemoved, mb(c.bytesIn), mb(c.bytesOut), c.rowsWritten]),
    ),
  );
  for (const d of r.dropped) lines.push(`dropped (retried next run): ${d.partition}, ${d.filesIn} files: ${d.reason}`);
  const secs = r.durationMs / 1000;
  lines.push(`${mb(r.bytesRead)} MiB read, ${mb(r.bytesWritten)} MiB written in ${secs.toFixed(1)} s (${secs > 0 ? mb(r.bytesRead / secs) : '-'} MiB/s)`);
  return lines.join('\n');
}

function minorText(r: MinorCompactionReport): string {
  const rows: [string, string | number | bigint][] = [
    ['data files scanned', r.dataFilesScanned],
    ['equality delete files removed', r.equalityDeleteFilesRemoved],
    ['position delete files added', r.positionDeleteFilesAdded],
    ['position deletes written', r.positionDeletesWritten],
    ['dangling delete files removed', r.danglingDeleteFilesRemoved],
    ['commits', r.commits.length],
    ['snapshot', r.snapshotId ?? (r.dryRun ? '(dry run)' : '(none)')],
  ];
  const text = `${r.table}: minor compaction\n${formatTable(['', 'count'], rows)}`;
  return r.conflict ? `${text}\nconflict after ${r.commits.length} commit(s) (the rest is retried next run): ${r.conflict}` : text;
}
