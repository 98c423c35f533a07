import path from 'node:path';
import { Command } from 'commander';
import { parseTableIdentifier } from '../../catalog/catalog.js';
import { FilesystemCatalog } from '../../catalog/filesystem-catalog.js';
import { applyMetadataRestore, planMetadataRestore, type MetadataRestorePlan } from '../../catalog/metadata-restore.js';
import { ValidationError } from '../../errors.js';
import { LocalFileIO } from '../../io/local-file-io.js';
import { localPathOf } from '../../io/location.js';
import { formatJson, type Output } from '../output.js';

interface RestoreOpts {
  readonly warehouse?: string;
  readonly toVersion?: string;
  readonly yes?: boolean;
  readonly json?: boolean;
}

/**
 * `icetide table restore-metadata LOC [--warehouse DIR] [--to-version N] [--yes] [--json]`:
 * makes a readable metadata version current again after the newest one was corrupted.
 * Without --yes it only prints the plan.
 */
export function addRestoreMetadataCommand(table: Command, out: Output): void {
  table
    .command('restore-metadata')
    .description('make a readable metadata version current again when the newest metadata.json is corrupt (dry run unless --yes)')
    .argument('<LOC>', 'table directory, or ns.table with --warehouse')
    .option('--warehouse <dir>', 'filesystem catalog warehouse')
    .option('--to-version <n>', 'the version to restore (default: the newest readable one)')
    .option('--yes', 'really restore (default: print what would be done)')
    .option('--json', 'print the plan or result as JSON')
    .action(async (loc: string, o: RestoreOpts) => {
      const { tableLocation, name } = restoreTarget(loc, o.warehouse);
      const toVersion = parseVersion(o.toVersion);
      const io = new LocalFileIO();
      const plan = await planMetadataRestore(io, tableLocation, name, toVersion === undefined ? {} : { toVersion });
      if (o.yes) await applyMetadataRestore(io, plan);
      out.out(o.json ? formatJson(planJson(plan, !o.yes)) : planText(plan, !o.yes));
    });
}

function restoreTarget(loc: string, warehouse: string | undefined): { tableLocation: string; name: string } {
  if (warehouse !== undefined) return { tableLocation: new FilesystemCatalog(warehouse).tableLocation(parseTableIdentifier(loc)), name: loc };
  const trimmed = loc.replace(/\/+$/, '');
  if (trimmed.endsWith('.metadata.json')) throw new ValidationError(`restore-metadata takes the table directory, not one metadata file (${loc})`);
  return { tableLocation: trimmed, name: path.basename(localPathOf(trimmed)) };
}

function parseVersion(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new ValidationError(`--to-version takes a version number (the N of vN.metadata.json), got "${text}"`);
  return Number(text);
}

function planJson(p: MetadataRestorePlan, dryRun: boolean) {
  return { table: p.table, dryRun, corrupt: p.corrupt, restoreFrom: p.restoreFrom, newVersion: p.newVersion, setAside: p.setAside, currentSnapshotId: p.metadata.currentSnapshotId ?? null };
}

function planText(p: MetadataRestorePlan, dryRun: boolean): string {
  const would = (verb: string, done: string) => (dryRun ? `would ${verb}` : done);
  return [
    ...p.corrupt.map((c) => `${p.table}: v${c.version} (${c.location}) is unreadable: ${c.problem}`),
    `${would('write', 'wrote')} v${p.newVersion.version} (${p.newVersion.location}) as a copy of v${p.restoreFrom.version} (${p.restoreFrom.location}), current snapshot ${p.metadata.currentSnapshotId ?? 'none'}`,
    ...p.setAside.map((s) => `${would('keep', 'kept')} ${s.from} aside as ${s.to}`),
    `${would('point', 'pointed')} version-hint.text at ${p.newVersion.version}`,
    dryRun ? 'dry run: nothing changed; pass --yes to restore' : `${p.table}: restored v${p.restoreFrom.version} as v${p.newVersion.version}`,
  ].join('\n');
}
