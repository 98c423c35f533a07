import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { openTable } from '../../src/catalog/open-table.js';
import { InvalidAvroError, InvalidMetadataError, NoSuchTableError, NotFoundError } from '../../src/errors.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { primitive } from '../../src/iceberg/spec/types.js';
import { FIXTURES } from '../fixtures-path.js';
import { dataFile } from '../support/data-files.js';
import { useTempDir } from '../support/temp-dir.js';

/** Broken tables give an error naming the file and the problem, never a bare stack trace. */
describe('bad input', () => {
  const tempDir = useTempDir();

  /** A copy of a fixture table we can damage. */
  const copyFixture = (name: string): string => {
    const dir = path.join(tempDir(), name);
    fs.cpSync(path.join(FIXTURES, name, 'table'), dir, { recursive: true });
    return dir;
  };

  it('a truncated manifest list names the file', async () => {
    const dir = copyFixture('spark-v2-eqdeletes');
    const t = await openTable(dir);
    const list = path.join(dir, 'metadata', path.basename(t.currentSnapshot()!.manifestList!));
    const bytes = fs.readFileSync(list);
    fs.writeFileSync(list, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const err = await t.planFiles().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidAvroError);
    expect((err as Error).message).toContain(path.basename(list));
  });

  it('a truncated manifest names the manifest', async () => {
    const dir = copyFixture('spark-v2-posdeletes');
    const t = await openTable(dir);
    const manifest = (await t.manifests())[0]!.manifestPath;
    const local = path.join(dir, 'metadata', path.basename(manifest));
    fs.writeFileSync(local, fs.readFileSync(local).subarray(0, 300));
    const err = await t.planFiles().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidAvroError);
    expect((err as Error).message).toContain(path.basename(manifest));
  });

  it('a manifest list pointing at a missing manifest says which file is missing and who references it', async () => {
    const dir = copyFixture('spark-v2-eqdeletes-partitioned');
    const t = await openTable(dir);
    const manifest = (await t.manifests())[0]!.manifestPath;
    fs.rmSync(path.join(dir, 'metadata', path.basename(manifest)));
    const err = await t.planFiles().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toMatch(new RegExp(`manifest .*${path.basename(manifest)} does not exist`));
  });

  it('a non-Avro file where a manifest list should be', async () => {
    const dir = copyFixture('spark-v2-lineitem-cow');
    const t = await openTable(dir);
    const list = path.join(dir, 'metadata', path.basename(t.currentSnapshot()!.manifestList!));
    fs.writeFileSync(list, '{"this is": "json"}');
    await expect(t.planFiles()).rejects.toThrow(new RegExp(`${path.basename(list)}.*(magic|not an Avro)`, 'i'));
  });

  it('unknown format version and wrong JSON types name the metadata file and the field', async () => {
    const wh = tempDir();
    const c = new FilesystemCatalog(wh);
    const t = await c.createTable({ namespace: ['db'], name: 't' }, { schema: new Schema(0, [{ id: 1, name: 'x', required: false, type: primitive('int') }]) });
    await t.newAppend().appendFile(dataFile()).commit();
    const file = t.metadataLocation!;
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(file, JSON.stringify({ ...json, 'format-version': 42 }));
    let err = await openTable(path.join(wh, 'db', 't')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidMetadataError);
    expect((err as Error).message).toContain('v2.metadata.json');
    expect((err as Error).message).toMatch(/unsupported version 42/);
    fs.writeFileSync(file, JSON.stringify({ ...json, 'last-column-id': 'seven' }));
    err = await openTable(path.join(wh, 'db', 't')).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/v2\.metadata\.json.*last-column-id/);
    fs.writeFileSync(file, '{"format-version": 2, "table-uu');
    err = await openTable(path.join(wh, 'db', 't')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidMetadataError);
    expect((err as Error).message).toContain('v2.metadata.json');
  });

  it('a directory that is not a table', async () => {
    await expect(openTable(tempDir())).rejects.toBeInstanceOf(NoSuchTableError);
  });
});
