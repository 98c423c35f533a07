import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqlCatalog } from '../../src/catalog/sql-catalog.js';
import { scanTable } from '../../src/iceberg/read/table-scan.js';
import { parsePipelineConfig } from '../../src/pipeline/config-loader.js';
import { applyChangelog } from '../support/changelog-model.js';
import { ingestOnce } from '../support/ingest-once.js';
import { useTempDir } from '../support/temp-dir.js';

const QUICKSTART = path.resolve('examples/quickstart.yaml');
const CHANGES = path.resolve('examples/quickstart-changes.jsonl');

describe('icetide ingest into a SQL catalog (quickstart, SQLite)', () => {
  const tempDir = useTempDir();

  it('creates the tables as catalog rows, converges to the source state, and resumes from the committed position', async () => {
    const wh = tempDir();
    const uri = `sqlite:${path.join(tempDir(), 'catalog.db')}`;
    const text = fs
      .readFileSync(QUICKSTART, 'utf8')
      .replace('warehouse: ./warehouse', `warehouse: ${wh}`)
      .replace('catalog: filesystem', `catalog: { type: sql, uri: '${uri}', name: lake }`)
      .replace('path: examples/quickstart-changes.jsonl', `path: ${CHANGES}`);
    const config = parsePipelineConfig(text, QUICKSTART, {});
    const ingest = () => ingestOnce(config);
    expect((await ingest()).events).toBe(40);

    const catalog = new SqlCatalog({ uri, name: 'lake', warehouse: wh });
    expect((await catalog.listTables(['demo'])).map((t) => t.name)).toEqual(['events', 'orders', 'orders_changes']);
    const orders = await catalog.loadTable({ namespace: ['demo'], name: 'orders' });
    expect(orders.location).toBe(path.join(wh, 'demo', 'orders'));
    expect(orders.metadataLocation).toMatch(/\/metadata\/\d{5}-[0-9a-f-]{36}\.metadata\.json$/);
    const got: string[] = [];
    for await (const b of scanTable(orders)) for (const r of b) got.push(`${r['id']}|${r['status']}`);
    const model = applyChangelog(fs.readFileSync(CHANGES, 'utf8').split('\n'), 'shop.orders', 'id');
    expect(got.sort()).toEqual([...model.values()].map((r) => `${r['id']}|${r['status']}`).sort());

    const before = orders.snapshots().length;
    expect((await ingest()).events).toBe(0);
    expect((await orders.refresh()).snapshots().length).toBe(before);
    await catalog.close();
  });
});
