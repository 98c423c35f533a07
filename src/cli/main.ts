import { Command, CommanderError } from 'commander';
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
import { addHelpExamples, commandPath } from './help-examples.js';

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
  program.addCommand(initCommand(out, setExit));
  program.addCommand(catalogCommand(out));
  forEachCommand(program, (c) => {
    c.exitOverride().configureOutput({ writeOut: (t) => out.out(t), writeErr: (t) => out.err(t) });
    c.showHelpAfterError(`(${c.parent ? `icetide ${commandPath(c)}` : 'icetide'} --help shows usage and examples)`);
    addHelpExamples(c);
  });
  return program;
}

/**
 * Subcommands built with `new Command()` do not inherit exitOverride: without it commander
 * exits 1 on a usage error inside them, the code that means "not ready" to a scheduler.
 */
function forEachCommand(c: Command, f: (c: Command) => void): void {
  f(c);
  for (const sub of c.commands) forEachCommand(sub, f);
}

/** Runs the CLI; resolves to the process exit code (0 ok, 1 check failed, 2 error or usage error). */
export async function main(argv: readonly string[], out: Output = processOutput): Promise<number> {
  let code = 0;
  const program = buildCli(out, (c) => (code = c));
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    // The message says what and what to do; class names are for code, not for people.
    out.err(`icetide: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  } finally {
    await closeOpenedCatalogs();
  }
}
