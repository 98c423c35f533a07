import { IcebergError, IcebergRestCatalog } from 'iceberg-js';
import { describe, expect, it } from 'vitest';
import { useRestServer } from '../../support/rest-server-fixture.js';
import { useTempDir } from '../../support/temp-dir.js';

const tempDir = useTempDir('icetide-rest-js-');
const start = useRestServer();

/** iceberg-js 1.0 (supabase/iceberg-js), an independent REST client with typed commits (commitTable). */
describe('iceberg-js against the REST server', () => {
  it('creates a namespace and a table, lists, loads, commits and drops', async () => {
    const s = await start('sql', tempDir(), { prefix: 'lake', auth: { token: 't0k' } });
    const catalog = new IcebergRestCatalog({ baseUrl: s.root, catalogName: 'lake', auth: { type: 'bearer', token: 't0k' }, fetch: s.fetch });
    await catalog.createNamespace({ namespace: ['analytics'] }, { properties: { owner: 'data' } });
    expect((await catalog.listNamespaces()).namespaces).toEqual([{ namespace: ['analytics'] }]);
    expect((await catalog.loadNamespaceMetadata({ namespace: ['analytics'] })).properties).toMatchObject({ owner: 'data' });
    const md = await catalog.createTable({ namespace: ['analytics'] }, {
      name: 'events',
      schema: { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'id', type: 'long', required: true }, { id: 2, name: 'ts', type: 'timestamp', required: false }] },
      'partition-spec': { 'spec-id': 0, fields: [] },
      'write-order': { 'order-id': 0, fields: [] },
      properties: { 'write.format.default': 'parquet' },
    });
    expect(md['format-version']).toBe(2);
    expect((await catalog.listTables({ namespace: ['analytics'] })).identifiers).toEqual([{ namespace: ['analytics'], name: 'events' }]);
    expect(await catalog.tableExists({ namespace: ['analytics'], name: 'events' })).toBe(true);
    const loaded = await catalog.loadTable({ namespace: ['analytics'], name: 'events' });
    const id = { namespace: ['analytics'], name: 'events' };
    const r = await catalog.commitTable(id, {
      requirements: [{ type: 'assert-table-uuid', uuid: loaded!['table-uuid'] }, { type: 'assert-current-schema-id', 'current-schema-id': 0 }],
      updates: [{ action: 'set-properties', updates: { owner: 'js' } }, { action: 'remove-properties', removals: ['write.format.default'] }],
    });
    expect(r.metadata.properties).toMatchObject({ owner: 'js' });
    expect(r.metadata.properties?.['write.format.default']).toBeUndefined();
    const err = await catalog.commitTable(id, { requirements: [{ type: 'assert-table-uuid', uuid: '00000000-0000-0000-0000-000000000000' }], updates: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IcebergError);
    expect((err as IcebergError).icebergType).toBe('CommitFailedException');
    await catalog.dropTable({ namespace: ['analytics'], name: 'events' });
    expect(await catalog.tableExists({ namespace: ['analytics'], name: 'events' })).toBe(false);
    expect(s.checked.checked).toBeGreaterThan(8);
  });
});
