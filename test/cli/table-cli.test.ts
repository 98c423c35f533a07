import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseJson } from '../../src/iceberg/spec/lossless-json.js';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { primitive } from '../../src/iceberg/spec/types.js';
import { FIXTURES, readOracle } from '../fixtures-path.js';
import { dataFile, equalityDeletes } from '../support/data-files.js';
import { useTempDir } from '../support/temp-dir.js';

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'icetide', ...args], { out: (t) => (stdout += `${t}\n`), err: (t) => (stderr += `${t}\n`) });
  return { code, stdout, stderr };
}

describe('icetide table', () => {
  const tempDir = useTempDir();
  const eq = path.join(FIXTURES, 'spark-v2-eqdeletes', 'table');

  it('plan --json has the documented shape and exact snapshot ids', async () => {
    const r = await run('table', 'plan', eq, '--json');
    expect(r.code).toBe(0);
    const plan = parseJson(r.stdout) as { snapshotId: bigint; dataFiles: { path: string; recordCount: number; deletes: { path: string; content: string; equalityIds?: number[] }[] }[] };
    expect(plan.snapshotId).toBe(1916084761853986166n);
    const oracle = readOracle('spark-v2-eqdeletes');
    expect(plan.dataFiles.map((f) => f.path).sort()).toEqual(oracle.snapshot!.scan.dataFiles.map((f) => f.path).sort());
    const withDeletes = plan.dataFiles.find((f) => f.deletes.length > 1)!;
    expect(withDeletes.deletes.every((d) => d.content === 'equality' && Array.isArray(d.equalityIds))).toBe(true);
  });

  it('plan --snapshot reads a historical snapshot; a bad id is a clear error (exit 2)', async () => {
    const ok = await run('table', 'plan', eq, '--snapshot', '853766660775201079', '--json');
    expect(ok.code).toBe(0);
    expect((parseJson(ok.stdout) as { dataFiles: unknown[] }).dataFiles).toHaveLength(1);
    const bad = await run('table', 'plan', eq, '--snapshot', '12');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/has no snapshot 12/);
  });

  it('plan --verify reports the stale file sizes of the DuckDB-rewritten fixture and exits 1', async () => {
    const r = await run('table', 'plan', path.join(FIXTURES, 'spark-v2-partition-evolution-duckdb-rewritten', 'table'), '--verify', '--json');
    expect(r.code).toBe(1);
    const plan = parseJson(r.stdout) as { problems: { path: string; problem: string }[] };
    expect(plan.problems.length).toBe(6);
    expect(plan.problems[0]!.problem).toMatch(/manifest records/);
    expect((await run('table', 'plan', eq, '--verify')).code).toBe(0);
  });

  it('describe, snapshots and files, human and JSON', async () => {
    const d = await run('table', 'describe', eq);
    expect(d.stdout).toMatch(/format\s+v2/);
    expect(d.stdout).toMatch(/bir\s+date/);
    const dj = parseJson((await run('table', 'describe', eq, '--json')).stdout) as { formatVersion: number; schema: { fields: unknown[] } };
    expect(dj.formatVersion).toBe(2);
    expect(dj.schema.fields).toHaveLength(3);
    const s = parseJson((await run('table', 'snapshots', eq, '--json')).stdout) as { snapshotId: bigint; current: boolean }[];
    expect(s).toHaveLength(6);
    expect(s.filter((x) => x.current).map((x) => x.snapshotId)).toEqual([1916084761853986166n]);
    const f = parseJson((await run('table', 'files', eq, '--json')).stdout) as { content: string }[];
    expect(f.filter((x) => x.content === 'data')).toHaveLength(2);
    expect(f.filter((x) => x.content === 'equality-deletes')).toHaveLength(4);
    expect((await run('table', 'snapshots', eq)).stdout).toMatch(/1916084761853986166\s.*\*/);
  });

  it('opens ns.table from a --warehouse and a metadata JSON path', async () => {
    const wh = tempDir();
    const t = await new FilesystemCatalog(wh).createTable({ namespace: ['db'], name: 't' }, { schema: new Schema(0, [{ id: 1, name: 'id', required: true, type: primitive('long') }]) });
    await t.newAppend().appendFile(dataFile()).commit();
    await t.newRowDelta().addDeletes(equalityDeletes([1])).commit();
    const r = await run('table', 'plan', 'db.t', '--warehouse', wh, '--json');
    expect(r.code).toBe(0);
    const plan = parseJson(r.stdout) as { dataFiles: { deletes: unknown[] }[] };
    expect(plan.dataFiles[0]!.deletes).toHaveLength(1);
    const m = await run('table', 'describe', path.join(wh, 'db', 't', 'metadata', 'v2.metadata.json'), '--json');
    expect((parseJson(m.stdout) as { snapshotCount: number }).snapshotCount).toBe(1);
  });

  it('missing tables and bad identifiers exit 2 with a message', async () => {
    const r = await run('table', 'describe', 'nope.t', '--warehouse', tempDir());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/table nope\.t does not exist/);
    const bad = await run('table', 'describe', 'justaname', '--warehouse', tempDir());
    expect(bad.stderr).toMatch(/namespace\.table/);
  });
});
