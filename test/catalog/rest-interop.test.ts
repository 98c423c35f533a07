import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compactTable } from '../../manager/compaction/compact-table.js';
import { RestCatalog } from '../../src/catalog/rest/rest-catalog.js';
import { scanTable } from '../../src/iceberg/read/table-scan.js';
import type { Table } from '../../src/iceberg/table.js';
import { parsePipelineConfig } from '../../src/pipeline/config-loader.js';
import { TableWriter } from '../../src/sink/table-writer.js';
import { applyChangelog } from '../support/changelog-model.js';
import { ingestOnce } from '../support/ingest-once.js';
import { regionSchema } from '../support/region-table.js';
import { useRestServer } from '../support/rest-server-fixture.js';
import { useTempDir } from '../support/temp-dir.js';

/**
 * icetide's REST client against icetide's REST server (issue 19), every response validated
 * against the spec's OpenAPI document by the server fixture: a pipeline, maintenance, and
 * concurrent writers, all through the protocol, on a SQL catalog behind the server.
 */
const QUICKSTART = path.resolve('examples/quickstart.yaml');
const CHANGES = path.resolve('examples/quickstart-changes.jsonl');
const TOKEN = 'interop-token';

async function rows(t: Table, cols: (r: Record<string, unknown>) => string): Promise<string[]> {
  const out: string[] = [];
  for await (const b of scanTable(t)) for (const r of b) out.push(cols(r));
  return out.sort();
}

describe('REST client <-> REST server', () => {
  const tempDir = useTempDir('icetide-rest-interop-');
  const serve = useRestServer();

  it('the quickstart pipeline through `catalog: {type: rest}` to `catalog serve` on a SQL catalog; compaction through the client; the backing catalog agrees', async () => {
    const server = await serve('sql', tempDir(), { prefix: 'lake', auth: { token: TOKEN } });
    await server.catalog.createNamespace(['demo']);
    const text = fs.readFileSync(QUICKSTART, 'utf8')
      .replace('warehouse: ./warehouse', `warehouse: ${server.warehouse}`)
      .replace('catalog: filesystem', `catalog: { type: rest, uri: '${server.root}', token: ${TOKEN} }`)
      .replace('path: examples/quickstart-changes.jsonl', `path: ${CHANGES}`);
    const config = parsePipelineConfig(text, QUICKSTART, {});
    expect((await ingestOnce(config)).events).toBe(40);
    expect((await ingestOnce(config)).events).toBe(0);
    const key = (r: Record<string, unknown>) => `${r['id']}|${r['status']}`;
    const want = [...applyChangelog(fs.readFileSync(CHANGES, 'utf8').split('\n'), 'shop.orders', 'id').values()].map(key).sort();
    // the client's own traffic goes through the fixture's validating fetch: every answer checked against the OpenAPI document
    const client = new RestCatalog({ uri: server.root, token: TOKEN, fetch: server.fetch });
    {
      const orders = await client.loadTable({ namespace: ['demo'], name: 'orders' });
      expect(await rows(orders, key)).toEqual(want);
      expect((await compactTable(orders, { decodeWorkers: 0, minFileSizeBytes: 64 << 20, deleteFileThreshold: 1 })).commits.length).toBeGreaterThan(0);
      const direct = await server.catalog.loadTable({ namespace: ['demo'], name: 'orders' });
      expect(direct.currentSnapshot()!.snapshotId).toBe((await orders.refresh()).currentSnapshot()!.snapshotId);
      expect(await rows(direct, key)).toEqual(want);
    }
    expect(server.checked.checked).toBeGreaterThan(3);
  }, 120_000);

  it('4 writers appending through the REST client to one table at once: every commit survives, none twice', async () => {
    const server = await serve('sql', tempDir(), { auth: { token: TOKEN } });
    await server.catalog.createNamespace(['db']);
    const client = () => new RestCatalog({ uri: server.root, token: TOKEN, fetch: server.fetch });
    const shared = await client().createTable({ namespace: ['db'], name: 'shared' }, { schema: regionSchema, properties: { 'commit.retry.num-retries': '50', 'commit.retry.min-wait-ms': '5', 'commit.retry.max-wait-ms': '50' } });
    await Promise.all([0, 1, 2, 3].map(async (w) => {
      const c = client();
      const t = await c.loadTable({ namespace: ['db'], name: 'shared' });
      const tw = await TableWriter.open(t, { pipelineId: `w${w}`, mode: 'append' });
      for (let i = 0; i < 5; i++) {
        await tw.write([{ table: 's', op: 'insert', after: { id: BigInt(w * 100 + i), region: w, v: `w${w}` }, position: i, sourceTsMs: i }], 'incremental');
        await tw.commit({ position: i, phase: 'incremental' });
      }
    }));
    await shared.refresh();
    expect(shared.snapshots()).toHaveLength(20);
    const ids = await rows(await server.catalog.loadTable({ namespace: ['db'], name: 'shared' }), (r) => String(r['id']));
    expect(ids).toEqual([0, 1, 2, 3].flatMap((w) => [0, 1, 2, 3, 4].map((i) => String(w * 100 + i))).sort());
  }, 120_000);
});
