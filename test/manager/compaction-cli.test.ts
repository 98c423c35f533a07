import { describe, expect, it } from 'vitest';
import { parseBytes } from '../../src/cli/commands/compact-command.js';
import { main } from '../../src/cli/main.js';
import { parseJson } from '../../src/iceberg/spec/lossless-json.js';
import { useTempDir } from '../support/temp-dir.js';
import { newTable, scanRows, UpsertDriver } from './compaction-support.js';

const tempDir = useTempDir('icetide-compact-cli-');

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'icetide', ...argv], { out: (t) => (stdout += `${t}\n`), err: (t) => (stderr += `${t}\n`) });
  return { code, stdout, stderr };
}

describe('icetide compact', () => {
  it('--dry-run prints the plan; a run compacts (table and --json); --minor converts equality deletes', async () => {
    const wh = tempDir();
    const t = await newTable(wh);
    const d = await UpsertDriver.open(t, 4);
    for (let c = 0; c < 10; c++) await d.commit(30);
    const rows = await scanRows(t);

    const dry = await run('compact', 'm.t', '--warehouse', wh, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/plan: 3 group\(s\) in 3 partition\(s\)/);
    expect(dry.stdout).toMatch(/region=0/);
    expect(dry.stdout).toMatch(/dry run/);

    const minor = await run('compact', 'm.t', '--warehouse', wh, '--minor', '--json');
    expect(minor.code).toBe(0);
    const m = parseJson(minor.stdout) as { equalityDeleteFilesRemoved: number; snapshotId: bigint };
    expect(m.equalityDeleteFilesRemoved).toBeGreaterThan(0);
    await t.refresh();
    expect(await scanRows(t)).toEqual(rows);

    const human = await run('compact', 'm.t', '--warehouse', wh, '--max-commit-groups', '1', '--target-file-size', '64m', '--decode-workers', '2');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/MiB\/s/);
    await t.refresh();
    expect(await scanRows(t)).toEqual(rows);

    const again = await run('compact', 'm.t', '--warehouse', wh, '--json', '--decode-workers', '0');
    const r = parseJson(again.stdout) as { plan: unknown[]; commits: unknown[]; options: { decodeWorkers: number } };
    expect(r.options.decodeWorkers).toBe(0);
    expect(r.plan).toEqual([]);
    expect(r.commits).toEqual([]);
  });

  it('bad flags exit 2 with a message', async () => {
    const r = await run('compact', tempDir(), '--target-file-size', 'lots');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--target-file-size/);
    const workers = await run('compact', tempDir(), '--decode-workers', 'many');
    expect(workers.code).toBe(2);
    expect(workers.stderr).toMatch(/--decode-workers: expected a whole number, got "many"/);
    expect(parseBytes('x', '128MiB')).toBe(128 * 1024 * 1024);
    expect(parseBytes('x', '1000')).toBe(1000);
    expect(parseBytes('x', '2k')).toBe(2048);
  });
});
