import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { RestCatalog } from '../../src/catalog/rest/rest-catalog.js';
import { CommitStateUnknownError } from '../../src/errors.js';
import { LocalFileIO } from '../../src/io/local-file-io.js';
import { countRows } from '../../src/iceberg/read/table-scan.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { primitive } from '../../src/iceberg/spec/types.js';
import type { Table } from '../../src/iceberg/table.js';
import { writeDataFile } from '../support/data-files.js';
import { RestCatalogStub } from '../support/rest-catalog-stub.js';
import { rejectionOf } from '../support/error-of.js';
import { useTempDir } from '../support/temp-dir.js';

const schema = new Schema(0, [{ id: 1, name: 'id', required: true, type: primitive('long') }]);
const orders = { namespace: ['db'], name: 'orders' };

describe('REST catalog commits', () => {
  const tempDir = useTempDir('icetide-rest-commit-');
  let stub: RestCatalogStub;
  afterEach(async () => {
    await stub?.stop();
  });

  async function setup(): Promise<{ catalog: RestCatalog; table: Table }> {
    stub = await new RestCatalogStub({ io: new LocalFileIO(), warehouse: tempDir() }).start();
    const catalog = new RestCatalog({ uri: stub.uri });
    await catalog.createNamespace(['db']);
    return { catalog, table: await catalog.createTable(orders, { schema, properties: { 'commit.retry.min-wait-ms': '1', 'commit.retry.num-retries': '20' } }) };
  }

  const append = async (t: Table, id: bigint) => (await t.newAppend().appendFile(await writeDataFile(t, [{ id }])).commit()).snapshot;

  describe('409 CommitFailedException is a lost race: the commit loop re-reads and re-applies', () => {
    it('a writer whose base is stale gets 409 once, then lands on top of the other', async () => {
      const { catalog } = await setup();
      const a = await catalog.loadTable(orders);
      const b = await catalog.loadTable(orders);
      const first = await append(a, 1n);
      const second = await append(b, 2n);
      expect(stub.conflicts).toBe(1);
      expect(second.parentSnapshotId).toBe(first.snapshotId);
      expect(await countRows(await catalog.loadTable(orders))).toBe(2n);
    });

    it('two writers interleaving appends both converge: every row lands once', async () => {
      const { catalog } = await setup();
      const a = await catalog.loadTable(orders);
      const b = await new RestCatalog({ uri: stub.uri }).loadTable(orders);
      const run = async (t: Table, from: bigint) => {
        for (let i = 0n; i < 5n; i++) await append(t, from + i);
      };
      await Promise.all([run(a, 100n), run(b, 200n)]);
      const final = await catalog.loadTable(orders);
      expect(final.snapshots()).toHaveLength(10);
      expect(await countRows(final)).toBe(10n);
      expect(stub.conflicts).toBeGreaterThan(0);
    });
  });

  describe('5xx or a broken connection after the request was sent: the outcome is unknown', () => {
    it('503 after the server applied the commit: found by its snapshot id, counted as committed once', async () => {
      const { catalog, table } = await setup();
      stub.commitFaults.push({ status: 503, applied: true });
      const snap = await append(table, 1n);
      expect(table.currentSnapshot()?.snapshotId).toBe(snap.snapshotId);
      const final = await catalog.loadTable(orders);
      expect(final.snapshots().map((s) => s.snapshotId)).toEqual([snap.snapshotId]);
      expect(await countRows(final)).toBe(1n);
    });

    it('a connection broken after the server applied the commit: found the same way', async () => {
      const { catalog, table } = await setup();
      stub.commitFaults.push({ applied: true, dropConnection: true });
      const snap = await append(table, 1n);
      expect((await catalog.loadTable(orders)).snapshots().map((s) => s.snapshotId)).toEqual([snap.snapshotId]);
    });

    it.each([
      ['500', { status: 500, applied: false }],
      ['504', { status: 504, applied: false }],
      ['a broken connection', { applied: false, dropConnection: true }],
    ])('%s without the commit applied: CommitStateUnknownError naming the snapshot; no file of the commit is deleted, no retry', async (_label, fault) => {
      const { catalog, table } = await setup();
      stub.commitFaults.push(fault);
      const file = await writeDataFile(table, [{ id: 1n }]);
      const op = table.newAppend().appendFile(file);
      const err = await rejectionOf(op.commit());
      expect(err).toBeInstanceOf(CommitStateUnknownError);
      expect(err.message).toContain(`snapshot ${op.snapshotId}`);
      expect(err.message).toMatch(/outcome unknown.*kept/);
      // one commit request: an unknown outcome is never blindly re-sent
      expect(stub.requests.filter((r) => r.method === 'POST' && r.url.endsWith('/tables/orders'))).toHaveLength(1);
      const sent = stub.requests.find((r) => r.method === 'POST' && r.url.endsWith('/tables/orders'))!.body as { updates: { snapshot?: { 'manifest-list': string } }[] };
      const manifestList = sent.updates[0]!.snapshot!['manifest-list'];
      expect(fs.existsSync(manifestList)).toBe(true);
      expect(fs.existsSync(file.filePath)).toBe(true);
      expect((await catalog.loadTable(orders)).snapshots()).toHaveLength(0);
    });

    it('a metadata-only commit (properties) that landed behind a 502 is recognised by its changes', async () => {
      const { catalog, table } = await setup();
      stub.commitFaults.push({ status: 502, applied: true });
      await table.updateProperties().set('owner', 'ana').commit();
      expect((await catalog.loadTable(orders)).metadata.properties['owner']).toBe('ana');
    });
  });
});
