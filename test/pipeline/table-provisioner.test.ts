import { describe, expect, it } from 'vitest';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { decimal, primitive } from '../../src/iceberg/spec/types.js';
import { silentLogger } from '../../src/logging/logger.js';
import { provisionTable, type TableDefinition } from '../../src/pipeline/table-provisioner.js';
import { useTempDir } from '../support/temp-dir.js';

const base: TableDefinition = {
  id: { namespace: ['db'], name: 't' },
  columns: [
    { name: 'id', type: primitive('int'), nullable: false },
    { name: 'price', type: decimal(9, 2), nullable: true },
    { name: 'tags', type: { kind: 'list', elementId: 0, elementRequired: false, element: primitive('string') }, nullable: true },
  ],
  keyColumns: ['id'],
  partitionBy: [{ column: 'id', transform: { kind: 'bucket', n: 8 } }],
  formatVersion: 2,
  properties: {},
};

describe('table provisioning and schema evolution (spec "Schema Evolution")', () => {
  const tempDir = useTempDir();

  it('creates the table from the source schema: ids, identifier fields, partition spec', async () => {
    const t = await provisionTable(new FilesystemCatalog(tempDir()), base, silentLogger);
    const s = t.schema();
    expect(s.fields.map((f) => [f.id, f.name, f.required])).toEqual([[1, 'id', true], [2, 'price', false], [3, 'tags', false]]);
    expect(s.findFieldByName('tags.element')?.id).toBe(4);
    expect(s.identifierFieldIds).toEqual([1]);
    expect(t.spec().fields).toEqual([{ sourceId: 1, fieldId: 1000, name: 'id_bucket', transform: { kind: 'bucket', n: 8 } }]);
  });

  it('adds new source columns as optional fields and applies allowed widenings', async () => {
    const catalog = new FilesystemCatalog(tempDir());
    await provisionTable(catalog, base, silentLogger);
    const t = await provisionTable(catalog, { ...base, columns: [{ name: 'id', type: primitive('long'), nullable: false }, { name: 'price', type: decimal(12, 2), nullable: true }, base.columns[2]!, { name: 'note', type: primitive('string'), nullable: true }] }, silentLogger);
    const s = t.schema();
    expect(s.findFieldByName('id')?.type).toEqual(primitive('long'));
    expect(s.findFieldByName('price')?.type).toEqual(decimal(12, 2));
    expect(s.findFieldByName('note')).toMatchObject({ id: 5, required: false });
    expect(t.metadata.schemas).toHaveLength(2);
    // unchanged source: no new schema
    expect((await provisionTable(catalog, { ...base, columns: [...base.columns] }, silentLogger)).metadata.schemas).toHaveLength(2);
  });

  it('stops with a clear message on a change Iceberg cannot express, keeping the table', async () => {
    const catalog = new FilesystemCatalog(tempDir());
    await provisionTable(catalog, base, silentLogger);
    await expect(provisionTable(catalog, { ...base, columns: [base.columns[0]!, { name: 'price', type: primitive('string'), nullable: true }] }, silentLogger)).rejects.toThrow(/price is now string but the table has decimal\(9, 2\)/);
    expect((await catalog.loadTable(base.id)).metadata.schemas).toHaveLength(1);
  });
});
