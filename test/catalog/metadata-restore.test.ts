import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorruptMetadataError } from '../../src/catalog/corrupt-metadata.js';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { applyMetadataRestore, planMetadataRestore } from '../../src/catalog/metadata-restore.js';
import { openTable } from '../../src/catalog/open-table.js';
import { CommitRaceError, IcetideError, UnsupportedFormatVersionError, ValidationError } from '../../src/errors.js';
import { scanTable } from '../../src/iceberg/read/table-scan.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { primitive } from '../../src/iceberg/spec/types.js';
import type { Table } from '../../src/iceberg/table.js';
import { LocalFileIO } from '../../src/io/local-file-io.js';
import type { ChangeEvent } from '../../src/sink/change-event.js';
import { TableWriter } from '../../src/sink/table-writer.js';
import { removeOrphans } from '../../manager/orphans/remove-orphans.js';
import { useTempDir } from '../support/temp-dir.js';

const schema = new Schema(0, [{ id: 1, name: 'id', required: true, type: primitive('long') }, { id: 2, name: 'v', required: false, type: primitive('string') }], [1]);
const upsert = (id: number, v: string, position: number): ChangeEvent => ({ table: 's', op: 'insert', after: { id: BigInt(id), v }, position, sourceTsMs: position });
const io = new LocalFileIO();

async function rows(t: Table): Promise<string[]> {
  const out: string[] = [];
  for await (const b of scanTable(t)) for (const r of b) out.push(`${r['id']}=${r['v']}`);
  return out.sort();
}

/** Ways a metadata file is found broken: a crash mid-write, a zero-length file, a garbled block. */
const CORRUPTIONS: [string, (good: Buffer) => Buffer][] = [
  ['truncated mid-JSON', (good) => good.subarray(0, Math.floor(good.length / 2))],
  ['empty', () => Buffer.alloc(0)],
  ['binary garbage', () => Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 131 + 7) % 256))],
];

describe('a corrupt newest metadata.json and table restore-metadata', () => {
  const tempDir = useTempDir();

  /** v1 create, v2 rows 1 and 2, v3 row 3 and key 1 updated; returns the table dir and the rows at v2. */
  async function writtenTable() {
    const wh = tempDir();
    const catalog = new FilesystemCatalog(wh);
    const t = await catalog.createTable({ namespace: ['d'], name: 't' }, { schema, properties: { 'format-version': '2' } });
    const w = await TableWriter.open(t, { pipelineId: 'p', mode: 'upsert' });
    await w.write([upsert(1, 'a', 1), upsert(2, 'b', 2)], 'incremental');
    await w.commit({ position: 2, phase: 'incremental' });
    const atV2 = await rows(t);
    await w.write([upsert(3, 'c', 3), upsert(1, 'a2', 4)], 'incremental');
    await w.commit({ position: 4, phase: 'incremental' });
    const dir = path.join(wh, 'd', 't');
    return { wh, catalog, t, w, dir, atV2, meta: (n: number) => path.join(dir, 'metadata', `v${n}.metadata.json`) };
  }

  for (const [kind, corrupt] of CORRUPTIONS) {
    it(`${kind}: loading names the table, the file, the last readable version and the command; restore brings v2's rows back and commits go on`, async () => {
      const { wh, catalog, t: stale, dir, atV2, meta } = await writtenTable();
      const good = fs.readFileSync(meta(3));
      const bad = corrupt(good);
      fs.writeFileSync(meta(3), bad);

      const direct = await openTable(dir).then(() => undefined, (e: unknown) => e);
      expect(direct).toBeInstanceOf(CorruptMetadataError);
      const e = direct as CorruptMetadataError;
      expect(e.lastReadable).toEqual({ version: 2, location: meta(2) });
      expect(e.message).toContain(`table t: its newest metadata file ${meta(3)} is unreadable`);
      expect(e.message).toContain(`The last readable version is v2 (${meta(2)})`);
      expect(e.message).toContain(`icetide table restore-metadata ${dir} --yes`);
      const viaCatalog = await catalog.loadTable({ namespace: ['d'], name: 't' }).then(() => undefined, (x: unknown) => x);
      expect((viaCatalog as Error).message).toContain(`table d.t: its newest metadata file`);
      expect((viaCatalog as Error).message).toContain(`icetide table restore-metadata d.t --warehouse ${wh} --yes`);

      const plan = await planMetadataRestore(io, dir, 't', { nowMs: Date.parse('2026-03-04T05:06:07Z') });
      expect(plan.corrupt.map((c) => c.version)).toEqual([3]);
      expect(plan.restoreFrom).toEqual({ version: 2, location: meta(2) });
      expect(plan.newVersion).toEqual({ version: 4, location: meta(4) });
      expect(plan.setAside).toEqual([{ from: meta(3), to: `${meta(3)}.corrupt-20260304T050607Z` }]);
      expect(fs.existsSync(meta(4))).toBe(false); // planning changes nothing

      await applyMetadataRestore(io, plan);
      expect(fs.existsSync(meta(3))).toBe(false);
      expect(fs.readFileSync(`${meta(3)}.corrupt-20260304T050607Z`).equals(bad)).toBe(true); // kept, byte for byte
      expect(fs.readFileSync(path.join(dir, 'metadata', 'version-hint.text'), 'utf8')).toBe('4');
      const restored = await openTable(dir);
      expect(restored.metadataLocation).toBe(meta(4));
      expect(await rows(restored)).toEqual(atV2);
      expect(restored.metadata.metadataLog.at(-1)!.metadataFile).toBe(meta(2));

      // The writer that committed v3 still holds it as its base: its compare-and-swap on v4
      // fails, it re-reads v4 and commits on top of the restored state.
      await stale.newAppend().commit();
      expect(stale.metadataLocation).toBe(meta(5));
      const w = await TableWriter.open(await openTable(dir), { pipelineId: 'p', mode: 'upsert' });
      await w.write([upsert(2, 'b2', 5), upsert(9, 'z', 6)], 'incremental');
      await w.commit({ position: 6, phase: 'incremental' });
      expect(await rows(await catalog.loadTable({ namespace: ['d'], name: 't' }))).toEqual(['1=a', '2=b2', '9=z']);
    });
  }

  it('--to-version restores an older version; versions rolled past stay in the metadata log', async () => {
    const { dir, meta } = await writtenTable();
    fs.writeFileSync(meta(3), '{"format-version": 2, "table-uu');
    const plan = await planMetadataRestore(io, dir, 't', { toVersion: 1 });
    expect(plan.restoreFrom.version).toBe(1);
    await applyMetadataRestore(io, plan);
    const t = await openTable(dir);
    expect(await rows(t)).toEqual([]);
    expect(t.metadata.metadataLog.slice(-2).map((e) => e.metadataFile)).toEqual([meta(1), meta(2)]);
  });

  it('refuses when there is nothing to restore, when the chosen version is unreadable or absent, and when no version is readable', async () => {
    const { dir, meta } = await writtenTable();
    const refusal = (p: Promise<unknown>) => p.then(() => 'no error', (e: unknown) => (e instanceof ValidationError ? e.message : `not a ValidationError: ${String(e)}`));
    expect(await refusal(planMetadataRestore(io, dir, 't'))).toBe(`table t: nothing to restore: its newest metadata file v3 (${meta(3)}) is readable`);
    fs.writeFileSync(meta(3), '');
    fs.writeFileSync(meta(2), 'garbage');
    expect(await refusal(planMetadataRestore(io, dir, 't', { toVersion: 2 }))).toMatch(new RegExp(`--to-version 2: ${meta(2)} is itself unreadable \\(.*invalid JSON`));
    expect(await refusal(planMetadataRestore(io, dir, 't', { toVersion: 7 }))).toBe('table t: --to-version 7: there is no v7.metadata.json (versions 1..3)');
    expect((await planMetadataRestore(io, dir, 't')).restoreFrom.version).toBe(1); // newest readable, past two corrupt ones
    const e = await openTable(dir).then(() => undefined, (x: unknown) => x as CorruptMetadataError);
    expect(e!.lastReadable?.version).toBe(1);
    fs.writeFileSync(meta(1), '{');
    expect(await refusal(planMetadataRestore(io, dir, 't'))).toMatch(/no metadata version is readable .*restore the metadata directory from a backup/);
    const none = await openTable(dir).then(() => undefined, (x: unknown) => x as CorruptMetadataError);
    expect(none!.message).toMatch(/No older metadata file is readable either: restore .*v3\.metadata\.json from a backup/);
  });

  it('a newer format version is not corruption: loading and restoring both refuse to discard it', async () => {
    const { dir, meta } = await writtenTable();
    const json = JSON.parse(fs.readFileSync(meta(3), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(meta(3), JSON.stringify({ ...json, 'format-version': 42 }));
    const e = await openTable(dir).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(UnsupportedFormatVersionError);
    expect(e).not.toBeInstanceOf(CorruptMetadataError);
    await expect(planMetadataRestore(io, dir, 't')).rejects.toBeInstanceOf(UnsupportedFormatVersionError);
  });

  it('IcetideError.wrap keeps the error\'s class and what it names', async () => {
    const { dir, meta } = await writtenTable();
    fs.writeFileSync(meta(3), '');
    const e = await openTable(dir).then(() => undefined, (x: unknown) => IcetideError.wrap(x, 'opening target'));
    expect(e).toBeInstanceOf(CorruptMetadataError);
    expect((e as CorruptMetadataError).lastReadable).toEqual({ version: 2, location: meta(2) });
    expect(e!.message).toMatch(/^opening target: table t: its newest metadata file/);
  });

  it('a restore that finds its new version taken by a concurrent commit changes nothing else', async () => {
    const { dir, meta } = await writtenTable();
    fs.writeFileSync(meta(3), '');
    const plan = await planMetadataRestore(io, dir, 't');
    fs.writeFileSync(meta(4), fs.readFileSync(meta(2)));
    await expect(applyMetadataRestore(io, plan)).rejects.toBeInstanceOf(CommitRaceError);
    expect(fs.existsSync(meta(3))).toBe(true);
  });

  it('orphan removal leaves the set-aside file alone, however old', async () => {
    const { dir, meta } = await writtenTable();
    fs.writeFileSync(meta(3), '');
    const plan = await planMetadataRestore(io, dir, 't');
    await applyMetadataRestore(io, plan);
    const aside = plan.setAside[0]!.to;
    const old = new Date(Date.now() - 30 * 86_400_000);
    fs.utimesSync(aside, old, old);
    const stray = path.join(dir, 'data', 'stray.parquet');
    fs.writeFileSync(stray, 'x');
    fs.utimesSync(stray, old, old);
    const r = await removeOrphans(await openTable(dir), { dryRun: false });
    expect(r.orphans.map((f) => f.location)).toEqual([stray]);
    expect(fs.existsSync(aside)).toBe(true);
  });
});
