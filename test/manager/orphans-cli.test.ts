import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { main } from '../../src/cli/main.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { primitive } from '../../src/iceberg/spec/types.js';
import { TableWriter } from '../../src/sink/table-writer.js';
import { useTempDir } from '../support/temp-dir.js';

/** CLI smoke tests of the maintenance commands: expire, remove-orphans, rewrite-manifests. */
const tempDir = useTempDir('icetide-maint-cli-');

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'icetide', ...args], { out: (t) => (stdout += `${t}\n`), err: (t) => (stderr += `${t}\n`) });
  return { code, stdout, stderr };
}

async function warehouse(): Promise<string> {
  const wh = tempDir();
  const schema = new Schema(0, [{ id: 1, name: 'id', required: true, type: primitive('long') }, { id: 2, name: 'v', required: false, type: primitive('string') }], [1]);
  const t = await new FilesystemCatalog(wh).createTable({ namespace: ['db'], name: 't' }, { schema });
  const w = await TableWriter.open(t, { pipelineId: 'p', mode: 'upsert', keyFilter: false });
  for (let c = 0; c < 3; c++) {
    await w.write([{ table: 's.t', op: 'insert', after: { id: 1n, v: `c${c}` }, position: { c }, sourceTsMs: c }], 'incremental');
    await w.commit({ position: { c }, phase: 'incremental', watermarkMs: c });
  }
  return wh;
}

describe('maintenance CLI', () => {
  it('remove-orphans: dry run by default, --delete deletes, a short window needs --force', async () => {
    const wh = await warehouse();
    const stray = path.join(wh, 'db', 't', 'data', 'stray.parquet');
    fs.writeFileSync(stray, 'x');
    const old = new Date(Date.now() - 5 * 86_400_000);
    fs.utimesSync(stray, old, old);
    const dry = await run('remove-orphans', 'db.t', '--warehouse', wh, '--json');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('stray.parquet');
    expect(fs.existsSync(stray)).toBe(true);
    expect((await run('remove-orphans', 'db.t', '--warehouse', wh, '--older-than', '10m')).code).toBe(2);
    const del = await run('remove-orphans', 'db.t', '--warehouse', wh, '--delete');
    expect(del.code).toBe(0);
    expect(del.stdout).toMatch(/1 orphan file\(s\).* deleted/);
    expect(fs.existsSync(stray)).toBe(false);
  });

  it('expire --dry-run then expire; rewrite-manifests', async () => {
    const wh = await warehouse();
    const dry = await run('expire', 'db.t', '--warehouse', wh, '--older-than', '0s', '--retain-last', '1', '--pipeline-retention', '0s', '--dry-run', '--json');
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout).expiredSnapshotIds).toHaveLength(2);
    const real = await run('expire', 'db.t', '--warehouse', wh, '--older-than', '0s', '--retain-last', '1', '--pipeline-retention', '0s');
    expect(real.code).toBe(0);
    expect(real.stdout).toContain('expired 2 snapshot(s)');
    const rw = await run('rewrite-manifests', 'db.t', '--warehouse', wh, '--json');
    expect(rw.code).toBe(0);
    expect(JSON.parse(rw.stdout).manifestsAfter).toBeLessThanOrEqual(JSON.parse(rw.stdout).manifestsBefore);
    expect((await run('expire', 'db.t', '--warehouse', wh, '--retain-last', '0')).code).toBe(2);
  });
});
