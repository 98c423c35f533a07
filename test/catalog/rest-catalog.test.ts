import { afterEach, describe, expect, it } from 'vitest';
import { RestCatalog } from '../../src/catalog/rest/rest-catalog.js';
import { AlreadyExistsError, CatalogAccessError, NoSuchNamespaceError, NoSuchTableError, ValidationError } from '../../src/errors.js';
import { LocalFileIO } from '../../src/io/local-file-io.js';
import { countRows } from '../../src/iceberg/read/table-scan.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { primitive } from '../../src/iceberg/spec/types.js';
import { writeDataFile } from '../support/data-files.js';
import { freePort } from '../support/free-port.js';
import { RestCatalogStub, type RestStubOptions } from '../support/rest-catalog-stub.js';
import { rejectionOf } from '../support/error-of.js';
import { useTempDir } from '../support/temp-dir.js';

const schema = new Schema(0, [{ id: 1, name: 'id', required: true, type: primitive('long') }, { id: 2, name: 'name', required: false, type: primitive('string') }]);
const orders = { namespace: ['db'], name: 'orders' };

describe('REST catalog client against a spec-shaped server', () => {
  const tempDir = useTempDir('icetide-rest-');
  const stubs: RestCatalogStub[] = [];
  afterEach(async () => {
    for (const s of stubs.splice(0)) await s.stop();
  });

  async function start(o: Partial<RestStubOptions> = {}): Promise<RestCatalogStub> {
    const stub = await new RestCatalogStub({ io: new LocalFileIO(), warehouse: tempDir(), ...o }).start();
    stubs.push(stub);
    return stub;
  }

  describe('config', () => {
    it('sends warehouse to GET /v1/config and routes every call under the prefix it returns', async () => {
      const stub = await start({ prefix: 'wh-1' });
      const c = new RestCatalog({ uri: stub.uri, warehouse: 'lake' });
      await c.createNamespace(['db']);
      expect(await c.listNamespaces()).toEqual([['db']]);
      expect(stub.requests[0]!.url).toBe('/v1/config?warehouse=lake');
      expect(stub.requests.slice(1).every((r) => r.url.startsWith('/v1/wh-1/'))).toBe(true);
      // the config is read once
      expect(stub.requests.filter((r) => r.url.startsWith('/v1/config'))).toHaveLength(1);
    });

    it('refuses a uri that is not http(s)', () => {
      expect(() => new RestCatalog({ uri: 'thrift://metastore:9083' })).toThrow(ValidationError);
    });
  });

  describe('namespaces', () => {
    it('creates, lists (one level, every page), loads, updates, checks and drops namespaces', async () => {
      const stub = await start({ pageSize: 2 });
      const c = new RestCatalog({ uri: stub.uri });
      await c.createNamespace(['sales'], { owner: 'ana' });
      await c.createNamespace(['sales', 'eu']);
      await c.createNamespace(['sales', 'us']);
      await c.createNamespace(['sales', 'apac']);
      await c.createNamespace(['empty']);
      await c.createNamespace(['hr']);
      expect(await c.listNamespaces()).toEqual([['empty'], ['hr'], ['sales']]);
      expect(await c.listNamespaces(['sales'])).toEqual([['sales', 'apac'], ['sales', 'eu'], ['sales', 'us']]);
      expect(stub.requests.some((r) => r.url.includes('pageToken=2'))).toBe(true);
      expect(stub.requests.some((r) => r.url.includes('parent=sales'))).toBe(true);
      await expect(c.createNamespace(['sales'])).rejects.toThrow(AlreadyExistsError);
      expect(await c.namespaceExists(['sales', 'eu'])).toBe(true);
      expect(await c.namespaceExists(['nope'])).toBe(false);
      expect(await c.loadNamespaceProperties(['sales'])).toEqual({ owner: 'ana' });
      await c.updateNamespaceProperties(['sales'], { comment: 'orders' }, ['owner']);
      expect(await c.loadNamespaceProperties(['sales'])).toEqual({ comment: 'orders' });
      await expect(c.loadNamespaceProperties(['nope'])).rejects.toThrow(NoSuchNamespaceError);
      await expect(c.dropNamespace(['sales'])).rejects.toThrow(/not empty/);
      await c.dropNamespace(['empty']);
      expect(await c.namespaceExists(['empty'])).toBe(false);
    });

    it('encodes multi-part namespaces with the unit separator (%1F) in paths', async () => {
      const stub = await start();
      const c = new RestCatalog({ uri: stub.uri });
      await c.createNamespace(['a']);
      await c.createNamespace(['a', 'b']);
      expect(await c.loadNamespaceProperties(['a', 'b'])).toEqual({});
      expect(stub.requests.some((r) => r.url === '/v1/namespaces/a%1Fb')).toBe(true);
    });
  });

  describe('tables', () => {
    it('creates, lists (paged), loads, checks, renames and drops tables, and registers an existing metadata file', async () => {
      const stub = await start({ pageSize: 1 });
      const c = new RestCatalog({ uri: stub.uri });
      await c.createNamespace(['db']);
      await c.createNamespace(['archive']);
      const t = await c.createTable(orders, { schema, properties: { 'write.format.default': 'parquet' }, formatVersion: 2 });
      expect(t.metadata.formatVersion).toBe(2);
      expect(t.metadataLocation).toMatch(/\/metadata\/00000-[0-9a-f-]{36}\.metadata\.json$/);
      expect(t.schema().fields.map((f) => f.name)).toEqual(['id', 'name']);
      await c.createTable({ namespace: ['db'], name: 'refunds' }, { schema });
      await expect(c.createTable(orders, { schema })).rejects.toThrow(AlreadyExistsError);
      expect(await c.listTables(['db'])).toEqual([orders, { namespace: ['db'], name: 'refunds' }]);
      expect(await c.tableExists(orders)).toBe(true);
      expect(await c.tableExists({ namespace: ['db'], name: 'nope' })).toBe(false);
      await expect(c.loadTable({ namespace: ['db'], name: 'nope' })).rejects.toThrow(NoSuchTableError);

      const loaded = await c.loadTable(orders);
      expect(loaded.metadata.tableUuid).toBe(t.metadata.tableUuid);
      await c.renameTable(orders, { namespace: ['archive'], name: 'orders_2024' });
      expect(await c.tableExists(orders)).toBe(false);
      await expect(c.renameTable(orders, { namespace: ['archive'], name: 'x' })).rejects.toThrow(NoSuchTableError);
      const moved = await c.loadTable({ namespace: ['archive'], name: 'orders_2024' });
      expect(moved.metadata.tableUuid).toBe(t.metadata.tableUuid);

      await c.dropTable({ namespace: ['archive'], name: 'orders_2024' });
      await expect(c.dropTable({ namespace: ['archive'], name: 'orders_2024' })).rejects.toThrow(NoSuchTableError);
      const registered = await c.registerTable({ namespace: ['archive'], name: 'back' }, moved.metadataLocation!);
      expect(registered.metadata.tableUuid).toBe(t.metadata.tableUuid);
      await c.dropTable({ namespace: ['archive'], name: 'back' }, true);
      expect(stub.purged).toEqual(['archive\u001fback']);
      expect(stub.requests.some((r) => r.method === 'DELETE' && r.url.endsWith('?purgeRequested=true'))).toBe(true);
    });

    it('commits appends, schema changes, spec changes, properties and refs as requirements + updates; a reloaded table reads the rows', async () => {
      const stub = await start();
      const c = new RestCatalog({ uri: stub.uri });
      await c.createNamespace(['db']);
      const t = await c.createTable(orders, { schema });
      const file = await writeDataFile(t, [{ id: 1n, name: 'a' }, { id: 2n, name: 'b' }]);
      const { snapshot } = await t.newAppend().appendFile(file).commit();
      const append = commitBody(stub);
      expect(append.requirements).toEqual([
        { type: 'assert-table-uuid', uuid: t.metadata.tableUuid },
        { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': null },
      ]);
      expect(append.updates.map((u) => u['action'])).toEqual(['add-snapshot', 'set-snapshot-ref']);
      expect(BigInt(append.updates[0]!['snapshot']!['snapshot-id'] as bigint)).toBe(snapshot.snapshotId);

      await t.updateSchema().addColumn('note', primitive('string')).commit();
      const evolve = commitBody(stub);
      expect(evolve.requirements).toContainEqual({ type: 'assert-current-schema-id', 'current-schema-id': 0 });
      expect(evolve.requirements).toContainEqual({ type: 'assert-last-assigned-field-id', 'last-assigned-field-id': 2 });
      expect(evolve.requirements).toContainEqual({ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': snapshot.snapshotId });
      expect(evolve.updates.map((u) => u['action'])).toEqual(['add-schema', 'set-current-schema']);
      expect(evolve.updates[1]!['schema-id']).toBe(-1);

      await t.addPartitionSpec().withFields([{ sourceId: 1, fieldId: 0, name: 'id_bucket', transform: { kind: 'bucket', n: 4 } }]).commit();
      const spec = commitBody(stub);
      expect(spec.requirements).toContainEqual({ type: 'assert-last-assigned-partition-id', 'last-assigned-partition-id': 999 });
      expect(spec.updates.map((u) => u['action'])).toEqual(['add-spec']);

      await t.updateProperties().set('commit.retry.num-retries', '9').remove('write.format.default').commit();
      expect(commitBody(stub).updates).toEqual([{ action: 'set-properties', updates: { 'commit.retry.num-retries': '9' } }]);
      await t.manageSnapshots().setTag('v1', snapshot.snapshotId).commit();
      expect(commitBody(stub).updates).toEqual([{ action: 'set-snapshot-ref', 'ref-name': 'v1', type: 'tag', 'snapshot-id': snapshot.snapshotId }]);

      const reloaded = await new RestCatalog({ uri: stub.uri }).loadTable(orders);
      expect(reloaded.schema().fields.map((f) => f.name)).toEqual(['id', 'name', 'note']);
      expect(reloaded.metadata.partitionSpecs).toHaveLength(2);
      expect(reloaded.metadata.properties['commit.retry.num-retries']).toBe('9');
      expect(reloaded.metadata.refs['v1']?.snapshotId).toBe(snapshot.snapshotId);
      expect(await countRows(reloaded)).toBe(2n);
      // the server wrote one metadata file per commit, each logging the one before
      expect(stub.table(['db'], 'orders')!.metadataLocation).toMatch(/\/00005-/);
      expect(reloaded.metadata.metadataLog).toHaveLength(5);
    });
  });

  describe('errors', () => {
    it('a wrong token is a CatalogAccessError that never shows the token', async () => {
      const stub = await start({ token: 'right-token-123' });
      const c = new RestCatalog({ uri: stub.uri, token: 'wrong-token-456' });
      const err = await rejectionOf(c.listNamespaces());
      expect(err).toBeInstanceOf(CatalogAccessError);
      expect(err.message).toMatch(/401/);
      expect(err.message).not.toContain('wrong-token-456');
      expect(await new RestCatalog({ uri: stub.uri, token: 'right-token-123' }).listNamespaces()).toEqual([]);
    });

    it('a server that is not there is named with the uri to check', async () => {
      const port = await freePort();
      const c = new RestCatalog({ uri: `http://127.0.0.1:${port}` });
      await expect(c.listNamespaces()).rejects.toThrow(new RegExp(`127\\.0\\.0\\.1:${port} cannot be reached.*check the catalog uri`));
    });
  });
});

type Json = Record<string, unknown>;
/** The body of the latest commit the stub received. */
function commitBody(stub: RestCatalogStub): { requirements: Json[]; updates: (Json & { snapshot?: Json })[] } {
  const last = [...stub.requests].reverse().find((r) => r.method === 'POST' && /\/tables\/[^/]+$/.test(r.url))!;
  return last.body as unknown as { requirements: Json[]; updates: (Json & { snapshot?: Json })[] };
}
