import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RestCatalog } from '../../src/catalog/rest/rest-catalog.js';
import { LocalFileIO } from '../../src/io/local-file-io.js';
import { scanTable } from '../../src/iceberg/read/table-scan.js';
import type { Table } from '../../src/iceberg/table.js';
import { parsePipelineConfig } from '../../src/pipeline/config-loader.js';
import { compactTable } from '../../manager/compaction/compact-table.js';
import { expireTable } from '../../manager/expiry/expire-table.js';
import { applyChangelog } from '../support/changelog-model.js';
import { ingestOnce } from '../support/ingest-once.js';
import { RestCatalogStub } from '../support/rest-catalog-stub.js';
import { useTempDir } from '../support/temp-dir.js';

const QUICKSTART = path.resolve('examples/quickstart.yaml');
const CHANGES = path.resolve('examples/quickstart-changes.jsonl');
const SECRET = 'quickstart-secret';

async function rows(t: Table): Promise<string[]> {
  const got: string[] = [];
  for await (const b of scanTable(t)) for (const r of b) got.push(`${r['id']}|${r['status']}`);
  return got.sort();
}

describe('icetide ingest into a REST catalog (quickstart, OAuth2)', () => {
  const tempDir = useTempDir('icetide-rest-e2e-');
  let stub: RestCatalogStub;
  afterEach(async () => {
    await stub?.stop();
  });

  it('creates the tables through the catalog, converges to the source state, resumes, and is compacted and expired through it', async () => {
    const tables = tempDir();
    stub = await new RestCatalogStub({ io: new LocalFileIO(), warehouse: tables, prefix: 'lake', oauth: { clientId: 'icetide', clientSecret: SECRET, ttlSeconds: 3600 } }).start();
    stub.namespaces.set('demo', { namespace: ['demo'], properties: {} });
    const text = fs
      .readFileSync(QUICKSTART, 'utf8')
      .replace('warehouse: ./warehouse', `warehouse: ${tempDir()}`)
      .replace('catalog: filesystem', `catalog: { type: rest, uri: '${stub.uri}', warehouse: lake, credential: 'icetide:${SECRET}' }`)
      .replace('path: examples/quickstart-changes.jsonl', `path: ${CHANGES}`);
    const config = parsePipelineConfig(text, QUICKSTART, {});
    expect(config.target.catalog).toMatchObject({ type: 'rest', uri: stub.uri, warehouse: 'lake' });
    const ingest = () => ingestOnce(config);
    expect((await ingest()).events).toBe(40);
    // every commit went as requirements + updates, never as a metadata file
    const commits = stub.requests.filter((r) => r.method === 'POST' && /\/tables\/[^/]+$/.test(r.url));
    expect(commits.length).toBeGreaterThan(0);
    expect(commits.every((r) => Array.isArray((r.body as { updates?: unknown }).updates))).toBe(true);

    const catalog = new RestCatalog({ uri: stub.uri, warehouse: 'lake', credential: `icetide:${SECRET}` });
    expect((await catalog.listTables(['demo'])).map((t) => t.name)).toEqual(['events', 'orders', 'orders_changes']);
    const orders = await catalog.loadTable({ namespace: ['demo'], name: 'orders' });
    expect(orders.location).toBe(path.join(tables, 'demo', 'orders'));
    const model = applyChangelog(fs.readFileSync(CHANGES, 'utf8').split('\n'), 'shop.orders', 'id');
    const expected = [...model.values()].map((r) => `${r['id']}|${r['status']}`).sort();
    expect(await rows(orders)).toEqual(expected);

    const before = orders.snapshots().length;
    expect((await ingest()).events).toBe(0);
    expect((await orders.refresh()).snapshots().length).toBe(before);

    // maintenance through the same catalog: compaction applies the deletes, expiry drops history
    const compacted = await compactTable(orders, { minFileSizeBytes: 64 << 20, deleteFileThreshold: 1 });
    expect(compacted.commits.length).toBeGreaterThan(0);
    const afterCompaction = await catalog.loadTable({ namespace: ['demo'], name: 'orders' });
    expect(afterCompaction.currentSnapshot()?.summary.operation).toBe('replace');
    expect(await rows(afterCompaction)).toEqual(expected);

    const expired = await expireTable(afterCompaction, { olderThanMs: 0, retainLast: 1, pipelineRetentionMs: 0 });
    expect(expired.expiredSnapshotIds.length).toBeGreaterThan(0);
    const afterExpiry = await catalog.loadTable({ namespace: ['demo'], name: 'orders' });
    expect(afterExpiry.snapshots().map((s) => s.snapshotId)).not.toContain(expired.expiredSnapshotIds[0]);
    expect(await rows(afterExpiry)).toEqual(expected);
    expect(stub.requests.some((r) => (r.body as { updates?: { action: string }[] } | undefined)?.updates?.some((u) => u.action === 'remove-snapshots'))).toBe(true);
  }, 60_000);
});
