import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalFileIO } from '../../../src/io/local-file-io.js';
import { scanTable } from '../../../src/iceberg/read/table-scan.js';
import type { Table } from '../../../src/iceberg/table.js';
import { parsePipelineConfig } from '../../../src/pipeline/config-loader.js';
import { buildPipeline } from '../../../src/pipeline/pipeline-builder.js';
import { writeDataFile } from '../../support/data-files.js';
import { restTable } from '../../support/rest-table-operations.js';
import { EVENTS_SCHEMA, jsonClient, useRestServer, type RunningRestServer } from '../../support/rest-server-fixture.js';
import { useTempDir } from '../../support/temp-dir.js';

const tempDir = useTempDir('icetide-rest-commit-');
const start = useRestServer();

async function ids(t: Table): Promise<bigint[]> {
  const out: bigint[] = [];
  for await (const b of scanTable(t)) for (const r of b) out.push(r['id'] as bigint);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

async function createEvents(s: RunningRestServer, properties: Record<string, string> = {}) {
  const c = jsonClient(s.fetch);
  await c.post(`${s.base}/namespaces`, { namespace: ['db'] });
  const created = await c.post(`${s.base}/namespaces/db/tables`, { name: 'events', schema: EVENTS_SCHEMA, properties });
  expect(created.status).toBe(200);
  return { c, url: `${s.base}/namespaces/db/tables/events`, uuid: (created.body!['metadata'] as Record<string, string>)['table-uuid']! };
}

describe('commits through the REST server', () => {
  it('applies metadata updates (properties, schema, sort order) and answers CommitTableResponse', async () => {
    const s = await start('sql', tempDir());
    const { c, url, uuid } = await createEvents(s);
    const r = await c.post(url, {
      requirements: [{ type: 'assert-table-uuid', uuid }, { type: 'assert-current-schema-id', 'current-schema-id': 0 }],
      updates: [
        { action: 'set-properties', updates: { owner: 'ana' } },
        { action: 'add-schema', schema: { ...EVENTS_SCHEMA, 'schema-id': 7, fields: [...EVENTS_SCHEMA.fields, { id: 3, name: 'v', type: 'double', required: false }] } },
        { action: 'set-current-schema', 'schema-id': -1 },
        { action: 'add-sort-order', 'sort-order': { 'order-id': 5, fields: [{ 'source-id': 1, transform: 'identity', direction: 'asc', 'null-order': 'nulls-first' }] } },
        { action: 'set-default-sort-order', 'sort-order-id': -1 },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body!['metadata']).toMatchObject({ 'current-schema-id': 1, 'last-column-id': 3, 'default-sort-order-id': 1, properties: { owner: 'ana' } });
    const t = await s.catalog.loadTable({ namespace: ['db'], name: 'events' });
    expect(t.metadataLocation).toBe(r.body!['metadata-location']);
    expect(t.schema().fields.map((f) => f.name)).toEqual(['id', 'name', 'v']);
  });

  it('a failed requirement is a 409 CommitFailedException naming it, and the table is unchanged', async () => {
    const s = await start('sql', tempDir());
    const { c, url } = await createEvents(s);
    const before = await s.catalog.loadTable({ namespace: ['db'], name: 'events' });
    for (const [req, named] of [
      [{ type: 'assert-table-uuid', uuid: '00000000-0000-0000-0000-000000000000' }, 'assert-table-uuid'],
      [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 42 }, 'assert-ref-snapshot-id'],
      [{ type: 'assert-current-schema-id', 'current-schema-id': 3 }, 'assert-current-schema-id'],
      [{ type: 'assert-last-assigned-field-id', 'last-assigned-field-id': 9 }, 'assert-last-assigned-field-id'],
      [{ type: 'assert-last-assigned-partition-id', 'last-assigned-partition-id': 1005 }, 'assert-last-assigned-partition-id'],
      [{ type: 'assert-default-spec-id', 'default-spec-id': 1 }, 'assert-default-spec-id'],
      [{ type: 'assert-default-sort-order-id', 'default-sort-order-id': 2 }, 'assert-default-sort-order-id'],
      [{ type: 'assert-create' }, 'assert-create'],
    ] as const) {
      const r = await c.post(url, { requirements: [req], updates: [{ action: 'set-properties', updates: { x: 'y' } }] });
      expect(r.status).toBe(409);
      expect(r.body).toMatchObject({ error: { type: 'CommitFailedException', code: 409, message: expect.stringContaining(`Requirement failed: ${named}`) } });
    }
    const after = await s.catalog.loadTable({ namespace: ['db'], name: 'events' });
    expect(after.metadataLocation).toBe(before.metadataLocation);
  });

  it('a lost compare-and-swap race is re-checked: the loser gets a 409 on its requirement and the winner stays', async () => {
    const s = await start('sql', tempDir());
    const { c, url } = await createEvents(s);
    const table = await s.catalog.loadTable({ namespace: ['db'], name: 'events' });
    const file = await writeDataFile(table, [{ id: 1n, name: 'a' }]);
    const a = (await restTable(s.base, ['db'], 'events', new LocalFileIO(), s.fetch)).table;
    const b = (await restTable(s.base, ['db'], 'events', new LocalFileIO(), s.fetch)).table;
    // Both writers start from the empty table; the second commit carries a stale assert-ref-snapshot-id.
    await a.newAppend().appendFile(file).commit();
    const stale = b.state;
    const md = (await b.newAppend().appendFile(file).apply(stale, 0));
    await expect(b.ops.commit(stale, md)).rejects.toThrow(/lost a race/);
    const r = await c.get(url);
    const snapshots = (r.body!['metadata'] as { snapshots: unknown[] }).snapshots;
    expect(snapshots).toHaveLength(1);
    expect(await ids(await s.catalog.loadTable({ namespace: ['db'], name: 'events' }))).toEqual([1n]);
  });

  it('8 concurrent writers appending real Parquet files through the server: every commit survives once', async () => {
    const s = await start('sql', tempDir());
    await createEvents(s, { 'commit.retry.num-retries': '100', 'commit.retry.min-wait-ms': '5', 'commit.retry.max-wait-ms': '50' });
    const WRITERS = 8;
    const COMMITS = 4;
    let conflicts = 0;
    await Promise.all(Array.from({ length: WRITERS }, async (_, w) => {
      for (let i = 0; i < COMMITS; i++) {
        const { table, ops } = await restTable(s.base, ['db'], 'events', new LocalFileIO(), s.fetch);
        const file = await writeDataFile(table, [{ id: BigInt(w * 1000 + i), name: `w${w}` }]);
        await table.newAppend().appendFile(file).commit();
        conflicts += ops.conflicts;
      }
    }));
    const t = await s.catalog.loadTable({ namespace: ['db'], name: 'events' });
    const expected = Array.from({ length: WRITERS }, (_, w) => Array.from({ length: COMMITS }, (_, i) => BigInt(w * 1000 + i))).flat().sort((a, b) => (a < b ? -1 : 1));
    expect(await ids(t)).toEqual(expected);
    expect(t.snapshots()).toHaveLength(WRITERS * COMMITS);
    expect(conflicts).toBeGreaterThan(0); // the writers really raced
  }, 120_000);

  it('POST /transactions/commit checks every table before committing any', async () => {
    const s = await start('sql', tempDir());
    const { c, uuid } = await createEvents(s);
    await c.post(`${s.base}/namespaces/db/tables`, { name: 'other', schema: EVENTS_SCHEMA });
    const change = (name: string, requirements: unknown[]) => ({ identifier: { namespace: ['db'], name }, requirements, updates: [{ action: 'set-properties', updates: { tx: '1' } }] });
    const bad = await c.post(`${s.base}/transactions/commit`, { 'table-changes': [change('events', [{ type: 'assert-table-uuid', uuid }]), change('other', [{ type: 'assert-current-schema-id', 'current-schema-id': 9 }])] });
    expect(bad.status).toBe(409);
    expect((await s.catalog.loadTable({ namespace: ['db'], name: 'events' })).metadata.properties['tx']).toBeUndefined();
    const ok = await c.post(`${s.base}/transactions/commit`, { 'table-changes': [change('events', []), change('other', [])] });
    expect(ok.status).toBe(204);
    expect((await s.catalog.loadTable({ namespace: ['db'], name: 'other' })).metadata.properties['tx']).toBe('1');
  });
});

describe('interoperability with icetide itself', () => {
  it('a table created and appended through the server is read by icetide\'s table scan with the same rows', async () => {
    const s = await start('filesystem', tempDir());
    await createEvents(s);
    const { table } = await restTable(s.base, ['db'], 'events', new LocalFileIO(), s.fetch);
    await table.newAppend().appendFile(await writeDataFile(table, [{ id: 7n, name: 'x' }, { id: 8n, name: 'y' }])).commit();
    const rows: unknown[] = [];
    for await (const b of scanTable(await s.catalog.loadTable({ namespace: ['db'], name: 'events' }))) rows.push(...b);
    expect(rows).toEqual([{ id: 7n, name: 'x' }, { id: 8n, name: 'y' }]);
  });

  it('a table icetide\'s pipeline created is loadable through the server', async () => {
    const dir = tempDir();
    const quickstart = path.resolve('examples/quickstart.yaml');
    const text = fs.readFileSync(quickstart, 'utf8').replace('warehouse: ./warehouse', `warehouse: ${path.join(dir, 'warehouse')}`).replace('path: examples/quickstart-changes.jsonl', `path: ${path.resolve('examples/quickstart-changes.jsonl')}`);
    const config = parsePipelineConfig(text, quickstart, {});
    const { runner } = await buildPipeline(config);
    await runner.run({ once: true, signal: new AbortController().signal, commitIntervalMs: config.commit.intervalMs, commitMaxRows: config.commit.maxRows, idleCommitIntervalMs: config.readiness.idleCommitIntervalMs });
    const s = await start('filesystem', dir);
    const c = jsonClient(s.fetch);
    const [ns] = (await c.get(`${s.base}/namespaces`)).body!['namespaces'] as string[][];
    const tables = (await c.get(`${s.base}/namespaces/${ns!.join('%1F')}/tables`)).body!['identifiers'] as { name: string }[];
    expect(tables.length).toBeGreaterThan(0);
    for (const t of tables) {
      const loaded = await c.get(`${s.base}/namespaces/${ns!.join('%1F')}/tables/${t.name}`);
      const own = await s.catalog.loadTable({ namespace: ns!, name: t.name });
      expect(loaded.body).toMatchObject({ 'metadata-location': own.metadataLocation, metadata: { 'table-uuid': own.metadata.tableUuid, 'current-snapshot-id': Number(own.metadata.currentSnapshotId) } });
    }
  }, 60_000);
});
