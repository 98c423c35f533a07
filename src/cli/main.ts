import { Command, CommanderError } from 'commander';
import { IcetideError } from '../errors.js';
import { tableCommands } from './commands/table-commands.js';
import { ingestCommand } from './commands/ingest-command.js';
import { readyCommand } from './commands/ready-command.js';
import { managerCommand } from './commands/manager-command.js';
import { expireCommand } from './commands/expire-command.js';
import { removeOrphansCommand } from './commands/remove-orphans-command.js';
import { rewriteManifestsCommand } from './commands/rewrite-manifests-command.js';
import { compactCommand } from './commands/compact-command.js';
import { initCommand } from './commands/init-command.js';
import { catalogCommand } from './commands/catalog-command.js';
import { processOutput, type Output } from './output.js';
import { closeOpenedCatalogs } from './resolve-table.js';

/** Builds the `icetide` command tree; a thin layer over the library. */
export function buildCli(out: Output, setExit: (code: number) => void): Command {
  const program = new Command('icetide')
    .description('database changes into Apache Iceberg tables, and the maintenance that keeps them healthy')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.out(s), writeErr: (s) => out.err(s) });
  program.addCommand(tableCommands(out, setExit));
  program.addCommand(ingestCommand(out));
  program.addCommand(readyCommand(out, setExit));
  program.addCommand(managerCommand(out));
  program.addCommand(expireCommand(out));
  program.addCommand(removeOrphansCommand(out));
  program.addCommand(rewriteManifestsCommand(out));
  program.addCommand(compactCommand(out, setExit));
  program.addCommand(initCommand(out));
  program.addCommand(catalogCommand(out));
  return program;
}

/** Runs the CLI; resolves to the process exit code (0 ok, 1 check failed, 2 error). */
export async function main(argv: readonly string[], out: Output = processOutput): Promise<number> {
  let code = 0;
  const program = buildCli(out, (c) => (code = c));
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    const msg = err instanceof IcetideError ? `${err.name}: ${err.message}` : err instanceof Error ? err.message : String(err);
    out.err(`icetide: ${msg}`);
    return 2;
  } finally {
    await closeOpenedCatalogs();
  }
}
