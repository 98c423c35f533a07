import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BenchReferenceError, SUMMARY_ENV, headlineRow, pairedRatios, reference, report } from '../../bench/bench-stats.js';

describe('headlineRow', () => {
  it('has no reference, ratio or goal unless given, and met is "-" without a goal', () => {
    expect(headlineRow('commits/s', '87.0 (min 79.0)')).toEqual({ measure: 'commits/s', ours: '87.0 (min 79.0)', reference: '-', ratio: '-', goal: '-', met: '-' });
  });

  it('says whether a goal was met, and prints a measured ratio to two places', () => {
    expect(headlineRow('scan rows/s', '994k', { reference: 'DuckDB 10.8M', ratio: 0.0921, goal: '>= 0.30x', ok: false })).toEqual({
      measure: 'scan rows/s', ours: '994k', reference: 'DuckDB 10.8M', ratio: '0.09', goal: '>= 0.30x', met: 'no',
    });
    expect(headlineRow('bytes/key', '27.6', { goal: '<= 32', ok: true }).met).toBe('yes');
  });

  it('refuses a goal without its check', () => {
    expect(() => headlineRow('bytes/key', '27.6', { goal: '<= 32' })).toThrow(/bytes\/key: a goal \(<= 32\) needs its check/);
  });
});

describe('pairedRatios', () => {
  it('takes each ratio within one run, then min/median over runs', () => {
    expect(pairedRatios([10, 30, 20], [10, 10, 40])).toEqual({ min: 0.5, median: 1, max: 3 });
  });

  it('refuses runs without a reference run beside them', () => {
    expect(() => pairedRatios([1, 2], [1])).toThrow(/as many reference runs as ours \(2 vs 1\)/);
  });
});

describe('report', () => {
  const saved = process.env[SUMMARY_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[SUMMARY_ENV];
    else process.env[SUMMARY_ENV] = saved;
    vi.restoreAllMocks();
  });

  it('prints the table and appends one JSON line per row, named by bench, to the summary file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'icetide-bench-report-'));
    try {
      const file = path.join(dir, 'rows.jsonl');
      process.env[SUMMARY_ENV] = file;
      const printed: string[] = [];
      vi.spyOn(console, 'log').mockImplementation((s: string) => void printed.push(s));
      const a = headlineRow('x per s', '5', { reference: 'ref 10', ratio: 0.5, goal: '>= 0.40x', ok: true });
      const b = headlineRow('y MB', '7');
      report('one', [a]);
      report('two', [b]);
      expect(fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([{ bench: 'one', ...a }, { bench: 'two', ...b }]);
      expect(printed.join('\n')).toMatch(/measure\s+ours\s+reference\s+ratio\s+goal\s+met\n\s*x per s\s+5\s+ref 10\s+0\.50\s+>= 0\.40x\s+yes/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes no file when the summary variable is unset', () => {
    delete process.env[SUMMARY_ENV];
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(() => report('alone', [headlineRow('z', '1')])).not.toThrow();
  });
});

describe('reference', () => {
  it('returns what the reference gave', async () => {
    expect(await reference('scan', 'DuckDB', () => 42)).toBe(42);
  });

  it('turns a reference that cannot start into an error naming the bench and the reference', async () => {
    const err = await reference('scan', 'DuckDB', () => Promise.reject(new Error('libduckdb.so: not found'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BenchReferenceError);
    expect((err as BenchReferenceError).message).toMatch(/^scan: DuckDB could not run \(libduckdb\.so: not found\)/);
  });
});

describe('npm run bench (bench/run-all.ts)', () => {
  const runAll = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', path.resolve('bench/run-all.ts'), ...args], { encoding: 'utf8' });

  it('names the benches when --only asks for one that does not exist, running none', () => {
    const r = runAll('--only', 'scan,nope');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--only: no bench named nope; the benches are avro, catalog, compaction, .*sink/);
    expect(r.stdout).not.toMatch(/=== bench/);
  });

  it('refuses an unknown argument with its usage', () => {
    const r = runAll('--fast');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown argument --fast; usage: npm run bench \[-- --full\] \[-- --only name1,name2\]/);
  });
});
