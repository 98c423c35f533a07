import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { parseJson } from '../../src/iceberg/spec/lossless-json.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { primitive } from '../../src/iceberg/spec/types.js';
import { TableWriter } from '../../src/sink/table-writer.js';
import { startCli } from '../support/cli-process.js';
import { useTempDir } from '../support/temp-dir.js';

const schema = new Schema(0, [{ id: 1, name: 'id', required: true, type: primitive('long') }], [1]);

describe('icetide table restore-metadata (a real process)', () => {
  const tempDir = useTempDir();

  it('reading a corrupt table exits 2 naming the command; the dry run changes nothing; --yes restores; count reads v2 again', async () => {
    const wh = tempDir();
    const t = await new FilesystemCatalog(wh).createTable({ namespace: ['d'], name: 't' }, { schema, properties: { 'format-version': '2' } });
    const w = await TableWriter.open(t, { pipelineId: 'p', mode: 'upsert' });
    for (const [pos, ids] of [[1, [1, 2, 3]], [2, [4]]] as const) {
      await w.write(ids.map((id) => ({ table: 's', op: 'insert' as const, after: { id: BigInt(id) }, position: pos, sourceTsMs: pos })), 'incremental');
      await w.commit({ position: pos, phase: 'incremental' });
    }
    const meta = path.join(wh, 'd', 't', 'metadata');
    const v3 = path.join(meta, 'v3.metadata.json');
    fs.writeFileSync(v3, fs.readFileSync(v3).subarray(0, 100));
    const cli = async (...args: string[]) => startCli(args, wh).done;

    const read = await cli('table', 'count', 'd.t', '--warehouse', wh);
    expect(read.code).toBe(2);
    expect(read.stderr).toContain(`icetide: table d.t: its newest metadata file ${v3} is unreadable`);
    expect(read.stderr).toContain(`icetide table restore-metadata d.t --warehouse ${wh} --yes`);

    const dry = await cli('table', 'restore-metadata', 'd.t', '--warehouse', wh);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`would write v4 (${path.join(meta, 'v4.metadata.json')}) as a copy of v2`);
    expect(dry.stdout).toMatch(/would keep .*v3\.metadata\.json aside as .*v3\.metadata\.json\.corrupt-\d{8}T\d{6}Z/);
    expect(dry.stdout).toContain('dry run: nothing changed; pass --yes to restore');
    expect(fs.existsSync(path.join(meta, 'v4.metadata.json'))).toBe(false);

    const done = await cli('table', 'restore-metadata', path.join(wh, 'd', 't'), '--yes', '--json');
    expect(done.code).toBe(0);
    const r = parseJson(done.stdout) as { dryRun: boolean; restoreFrom: { version: number }; newVersion: { version: number }; setAside: { to: string }[] };
    expect([r.dryRun, r.restoreFrom.version, r.newVersion.version]).toEqual([false, 2, 4]);
    expect(fs.existsSync(r.setAside[0]!.to)).toBe(true);

    const count = await cli('table', 'count', 'd.t', '--warehouse', wh, '--json');
    expect(count.code).toBe(0);
    expect(count.stdout).toMatch(/\b3\b/);

    const again = await cli('table', 'restore-metadata', 'd.t', '--warehouse', wh);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('nothing to restore: its newest metadata file v4');
  }, 60_000);
});
