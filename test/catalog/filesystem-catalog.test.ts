import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { openTable } from '../../src/catalog/open-table.js';
import { AlreadyExistsError, NoSuchTableError, ValidationError } from '../../src/errors.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { primitive } from '../../src/iceberg/spec/types.js';
import { dataFile } from '../support/data-files.js';
import { useTempDir } from '../support/temp-dir.js';

const schema = new Schema(0, [{ id: 1, name: 'id', required: true, type: primitive('long') }]);

describe('filesystem catalog (Hadoop layout)', () => {
  const tempDir = useTempDir();

  it('creates tables as <warehouse>/<ns>/<table>/metadata/vN.metadata.json with a version hint', async () => {
    const wh = tempDir();
    const c = new FilesystemCatalog(wh);
    const t = await c.createTable({ namespace: ['db'], name: 'orders' }, { schema });
    expect(t.metadataLocation).toBe(path.join(wh, 'db', 'orders', 'metadata', 'v1.metadata.json'));
    await t.newAppend().appendFile(dataFile()).commit();
    expect(fs.readFileSync(path.join(wh, 'db', 'orders', 'metadata', 'version-hint.text'), 'utf8')).toBe('2');
    expect(t.location).toBe(path.join(wh, 'db', 'orders'));
  });

  it('lists, checks and drops namespaces and tables', async () => {
    const c = new FilesystemCatalog(tempDir());
    await c.createNamespace(['empty']);
    await c.createTable({ namespace: ['db'], name: 'a' }, { schema });
    await c.createTable({ namespace: ['db'], name: 'b' }, { schema });
    await c.createTable({ namespace: ['db', 'nested'], name: 'c' }, { schema });
    expect(await c.listNamespaces()).toEqual([['db'], ['empty']]);
    expect(await c.listNamespaces(['db'])).toEqual([['db', 'nested']]);
    expect((await c.listTables(['db'])).map((t) => t.name)).toEqual(['a', 'b']);
    expect(await c.tableExists({ namespace: ['db'], name: 'a' })).toBe(true);
    expect(await c.tableExists({ namespace: ['db'], name: 'zz' })).toBe(false);
    await expect(c.createNamespace(['empty'])).rejects.toBeInstanceOf(AlreadyExistsError);
    await expect(c.createTable({ namespace: ['db'], name: 'a' }, { schema })).rejects.toBeInstanceOf(AlreadyExistsError);
    await expect(c.dropNamespace(['db'])).rejects.toThrow(/not empty/);
    await c.dropNamespace(['empty']);
    expect(await c.namespaceExists(['empty'])).toBe(false);
    await c.dropTable({ namespace: ['db'], name: 'a' });
    expect(await c.tableExists({ namespace: ['db'], name: 'a' })).toBe(false);
    await expect(c.loadTable({ namespace: ['db'], name: 'a' })).rejects.toBeInstanceOf(NoSuchTableError);
  });

  it('purging a table deletes its files', async () => {
    const wh = tempDir();
    const c = new FilesystemCatalog(wh);
    const t = await c.createTable({ namespace: ['db'], name: 'p' }, { schema });
    const file = path.join(wh, 'db', 'p', 'data', 'x.parquet');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'x');
    await t.newAppend().appendFile(dataFile({ filePath: file })).commit();
    await c.dropTable({ namespace: ['db'], name: 'p' }, true);
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.readdirSync(path.join(wh, 'db', 'p'), { recursive: true }).filter((f) => !fs.statSync(path.join(wh, 'db', 'p', String(f))).isDirectory())).toEqual([]);
  });

  it('renames a table: the new name reads the same snapshots and files; the old name is gone', async () => {
    const c = new FilesystemCatalog(tempDir());
    const t = await c.createTable({ namespace: ['db'], name: 'old' }, { schema });
    const f = dataFile();
    await t.newAppend().appendFile(f).commit();
    await c.createNamespace(['other']);
    await c.renameTable({ namespace: ['db'], name: 'old' }, { namespace: ['other'], name: 'new' });
    expect(await c.tableExists({ namespace: ['db'], name: 'old' })).toBe(false);
    const renamed = await c.loadTable({ namespace: ['other'], name: 'new' });
    expect(renamed.metadata.tableUuid).toBe(t.metadata.tableUuid);
    expect((await renamed.planFiles()).map((x) => x.file.filePath)).toEqual([f.filePath]);
    await renamed.newAppend().appendFile(dataFile()).commit(); // and it takes commits
    expect(renamed.snapshots()).toHaveLength(2);
  });

  it('rejects bad identifiers', async () => {
    const c = new FilesystemCatalog(tempDir());
    await expect(c.createTable({ namespace: ['../etc'], name: 'x' }, { schema })).rejects.toBeInstanceOf(ValidationError);
  });

  it('probes past a stale version hint (a writer died between commit and hint)', async () => {
    const wh = tempDir();
    const c = new FilesystemCatalog(wh);
    const t = await c.createTable({ namespace: ['db'], name: 't' }, { schema });
    await t.newAppend().appendFile(dataFile()).commit();
    await t.newAppend().appendFile(dataFile()).commit();
    fs.writeFileSync(path.join(wh, 'db', 't', 'metadata', 'version-hint.text'), '1');
    const loaded = await openTable(path.join(wh, 'db', 't'));
    expect(loaded.metadataLocation).toMatch(/v3\.metadata\.json$/);
    expect(loaded.snapshots()).toHaveLength(2);
  });
});
