import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { openTable } from '../../src/catalog/open-table.js';
import { scanTable } from '../../src/iceberg/read/table-scan.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { primitive } from '../../src/iceberg/spec/types.js';
import type { Table } from '../../src/iceberg/table.js';
import { WebHdfsFileIO } from '../../src/io/webhdfs-file-io.js';
import { writeDataFile } from '../support/data-files.js';
import { useTempDir } from '../support/temp-dir.js';
import { startWebHdfsServer, type WebHdfsServer } from '../support/webhdfs-server.js';

const schema = new Schema(0, [
  { id: 1, name: 'id', required: true, type: primitive('long') },
  { id: 2, name: 'name', required: false, type: primitive('string') },
]);

async function rowsOf(t: Table): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of scanTable(t)) for (const r of batch) out.push(`${r['id']}:${r['name']}`);
  return out.sort();
}

describe('an Iceberg table on webhdfs:// (filesystem catalog with WebHdfsFileIO)', () => {
  const tempDir = useTempDir('icetide-webhdfs-table-');
  let server: WebHdfsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('creates a table, commits Parquet data files through the FileIO, and reads the rows back from a fresh catalog', async () => {
    const root = tempDir();
    server = await startWebHdfsServer({ root, batchSize: 2 });
    const warehouse = `webhdfs://${server.host}:${server.port}/warehouse`;
    const io = new WebHdfsFileIO({ user: 'icetide', retry: { attempts: 2, baseDelayMs: 5 } });
    const catalog = new FilesystemCatalog(warehouse, io);

    const t = await catalog.createTable({ namespace: ['db'], name: 'orders' }, { schema });
    expect(t.metadataLocation).toBe(`${warehouse}/db/orders/metadata/v1.metadata.json`);
    await t.newAppend().appendFile(await writeDataFile(t, [{ id: 1n, name: 'a' }, { id: 2n, name: 'b' }])).commit();
    await t.newAppend().appendFile(await writeDataFile(t, [{ id: 3n, name: 'c' }])).commit();

    // a second process: its own FileIO and catalog, over the same namenode
    const reader = new FilesystemCatalog(warehouse, new WebHdfsFileIO({ user: 'icetide' }));
    expect(await reader.listTables(['db'])).toEqual([{ namespace: ['db'], name: 'orders' }]);
    const loaded = await reader.loadTable({ namespace: ['db'], name: 'orders' });
    expect(loaded.metadataLocation).toBe(`${warehouse}/db/orders/metadata/v3.metadata.json`);
    expect(await rowsOf(loaded)).toEqual(['1:a', '2:b', '3:c']);
    expect(await rowsOf(await openTable(`${warehouse}/db/orders`, io))).toEqual(['1:a', '2:b', '3:c']);

    // the files are where the Hadoop layout puts them, and no upload temp file was left
    const files = fs.readdirSync(path.join(root, 'warehouse/db/orders'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
    expect(files.filter((n) => n.includes('._icetide-tmp-'))).toEqual([]);
    expect(files.filter((n) => n.endsWith('.parquet'))).toHaveLength(2);
    expect(fs.readFileSync(path.join(root, 'warehouse/db/orders/metadata/version-hint.text'), 'utf8')).toBe('3');
  });

  it('of two writers committing on the same base, exactly one wins (writeIfAbsent is the compare-and-swap)', async () => {
    server = await startWebHdfsServer({ root: tempDir() });
    const warehouse = `webhdfs://${server.host}:${server.port}/wh`;
    const a = new FilesystemCatalog(warehouse, new WebHdfsFileIO({ user: 'icetide' }));
    const b = new FilesystemCatalog(warehouse, new WebHdfsFileIO({ user: 'icetide' }));
    const id = { namespace: ['db'], name: 't' };
    await a.createTable(id, { schema });
    const ta = await a.loadTable(id);
    const tb = await b.loadTable(id);
    const fa = await writeDataFile(ta, [{ id: 10n, name: 'from-a' }]);
    const fb = await writeDataFile(tb, [{ id: 20n, name: 'from-b' }]);
    // both commit against v1; the loser's commit loop re-reads and retries on top of the winner
    await Promise.all([ta.newAppend().appendFile(fa).commit(), tb.newAppend().appendFile(fb).commit()]);
    const final = await a.loadTable(id);
    expect(final.metadataLocation).toBe(`${warehouse}/db/t/metadata/v3.metadata.json`);
    expect(await rowsOf(final)).toEqual(['10:from-a', '20:from-b']);
  });
});
