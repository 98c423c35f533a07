import path from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildCli, main } from '../../src/cli/main.js';
import { commandPath, HELP_EXAMPLES } from '../../src/cli/help-examples.js';
import { formatLag, ProgressLine } from '../../src/cli/progress-line.js';
import { FIXTURES } from '../fixtures-path.js';
import { useTempDir } from '../support/temp-dir.js';

/**
 * The CLI contract schedulers rely on (README "CLI reference"): 0 ok, 1 not ready / a check
 * failed, 2 any error, usage errors included: a typo must never read as "not yet". Every
 * command is walked from the command tree, so a new command is covered without a new test.
 */
async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'icetide', ...args], { out: (t) => (stdout += `${t}\n`), err: (t) => (stderr += `${t}\n`) });
  return { code, stdout, stderr };
}

function allCommands(c: Command): Command[] {
  return [c, ...c.commands.flatMap(allCommands)];
}

const silent = { out: () => undefined, err: () => undefined };
const commands = allCommands(buildCli(silent, () => undefined));
const paths = commands.map(commandPath);
const withSubcommands = commands.filter((c) => c.commands.length > 0).map(commandPath);
const required = commands.filter((c) => c.registeredArguments.some((a) => a.required)).map(commandPath);
const args = (p: string): string[] => (p === 'icetide' ? [] : p.split(' '));

describe('CLI contract: exit codes and messages', () => {
  const tempDir = useTempDir();

  it('walks every command', () => {
    expect(paths).toEqual(expect.arrayContaining(['ingest', 'ready', 'init', 'manager status', 'manager runs', 'table scan', 'compact', 'expire', 'remove-orphans', 'rewrite-manifests']));
  });

  it.each(paths)('%s: an unknown option exits 2, names it and points at --help', async (p) => {
    const r = await run(...args(p), '--no-such-flag');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: unknown option '--no-such-flag'/);
    expect(r.stderr).toContain(`(${p === 'icetide' ? 'icetide' : `icetide ${p}`} --help shows usage and examples)`);
    expect(r.stdout).toBe('');
  });

  it.each(required)('%s: a missing argument exits 2 and names it', async (p) => {
    const r = await run(...args(p));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: missing required argument '[A-Z.]+'/i);
  });

  it.each(withSubcommands)('%s: an unknown command exits 2 and names it', async (p) => {
    const r = await run(...args(p), 'no-such-command');
    expect(r.code).toBe(2);
    // a group with an action of its own (manager) reads it as a stray argument
    expect(r.stderr).toMatch(/error: (unknown command 'no-such-command'|too many arguments for '\w+')/);
  });

  it.each(paths)('%s --help exits 0 and shows examples', async (p) => {
    expect(HELP_EXAMPLES[p], `no examples for ${p} in src/cli/help-examples.ts`).toBeDefined();
    const r = await run(...args(p), '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: icetide/);
    expect(r.stdout).toContain(`Examples:\n  ${HELP_EXAMPLES[p]![0]}`);
  });

  it('an option without its value exits 2 and names the option', async () => {
    const r = await run('ready', 'db.t', '--warehouse', tempDir(), '--until');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: option '--until <time>' argument missing/);
  });

  const table = path.join(FIXTURES, 'spark-v2-eqdeletes', 'table');
  // Bad values of every command: exit 2, a plain message naming the flag (no class names).
  it.each([
    [['ready', table], /^icetide: give exactly one of --until TIME or --partition NAME=VALUE/],
    [['ready', table, '--until', 'tomorrow'], /^icetide: --until takes an ISO-8601 time with a zone/],
    [['ready', table, '--until', '2026-11-23T10:00:00Z', '--wait', '--timeout', '5 minutes'], /^icetide: --timeout takes a duration like/],
    [['table', 'scan', table, '--format', 'xml'], /^icetide: --format must be table, jsonl or csv/],
    [['table', 'scan', table, '--limit', '-1'], /^icetide: --limit takes a whole number/],
    [['table', 'files', table, '--snapshot', 'latest'], /^icetide: --snapshot takes a snapshot id/],
    [['table', 'scan', 'db.orders'], /^icetide: db\.orders is not a table directory or metadata file here; .* add --warehouse DIR/],
    [['compact', table, '--target-file-size', 'big'], /^icetide: --target-file-size: expected bytes/],
    [['compact', table, '--max-commit-groups', 'two'], /^icetide: --max-commit-groups: expected a whole number/],
    [['expire', table, '--retain-last', '0'], /^icetide: --retain-last takes a whole number >= 1/],
    [['expire', table, '--older-than', '5 days'], /^icetide: --older-than takes a duration like/],
    [['remove-orphans', table, '--older-than', '5m'], /^icetide: --older-than 5m is below the 1 hour minimum: .*add --force if no writer is running/],
    [['remove-orphans', table, '--dry-run', '--delete'], /^icetide: give --dry-run or --delete, not both/],
    [['remove-orphans', table, '--prefix-mismatch', 'maybe'], /^icetide: --prefix-mismatch takes error, ignore, delete/],
    [['rewrite-manifests', table, '--target-size-bytes', '0'], /^icetide: --target-size-bytes takes a whole number >= 1/],
    [['manager', 'runs', '--limit', '0'], /^icetide: --limit takes a positive integer/],
    [['manager', 'status', '--config', '/nonexistent/manager.yaml'], /^icetide: no manager config at \/nonexistent\/manager\.yaml: give its path with --config FILE/],
    [['init', 'postgres://u@h/db'], /^icetide: the URL scheme is postgres:\/\/, expected mysql:\/\//],
    [['ingest', '/nonexistent/pipeline.yaml'], /^icetide: .*\/nonexistent\/pipeline\.yaml/],
  ])('%j exits 2: %s', async (argv, message) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\b[A-Z]\w*Error: /);
  });

  it('manager status and runs --help list --config', async () => {
    for (const sub of ['status', 'runs']) expect((await run('manager', sub, '--help')).stdout).toMatch(/--config <file>/);
  });
});

describe('progress and lag for people', () => {
  it('formats lag as its two largest units', () => {
    expect(formatLag(400)).toBe('0.4s');
    expect(formatLag(42_000)).toBe('42s');
    expect(formatLag(252_000)).toBe('4m 12s');
    expect(formatLag((3 * 3600 + 4 * 60) * 1000)).toBe('3h 4m');
    expect(formatLag((2 * 86_400 + 3 * 3600 + 59) * 1000)).toBe('2d 3h');
  });

  it('log lines and the end never share a line with the progress', () => {
    let screen = '';
    const p = new ProgressLine((t) => (screen += t));
    const logged: string[] = [];
    const log = p.above({ info: (m) => logged.push(`${JSON.stringify(screen)}|${m}`), warn: () => undefined, error: () => undefined });
    p.show('10 events');
    log.info('snapshot: reading table');
    // The progress was erased (carriage return + erase line) before the log line was written.
    expect(logged[0]).toBe(`${JSON.stringify('\r\x1b[K10 events\r\x1b[K')}|snapshot: reading table`);
    p.show('20 events');
    p.end();
    expect(screen.endsWith('\r\x1b[K20 events\n')).toBe(true);
    p.end(); // nothing shown: no blank line
    expect(screen.endsWith('20 events\n')).toBe(true);
  });
});
