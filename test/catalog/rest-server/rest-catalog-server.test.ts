import { describe, expect, it } from 'vitest';
import { responseProblems } from '../../support/openapi-response-validator.js';
import { EVENTS_SCHEMA, jsonClient, useRestServer, type BackingKind } from '../../support/rest-server-fixture.js';
import { useTempDir } from '../../support/temp-dir.js';

const tempDir = useTempDir('icetide-rest-');
const start = useRestServer();

describe('the OpenAPI response validator', () => {
  it('rejects a response that does not follow the spec (so passing tests mean something)', () => {
    expect(responseProblems('GET', 'http://h/v1/config', 200, 'application/json', '{"defaults":{}}')).toEqual([expect.stringContaining("required property 'overrides'")]);
    expect(responseProblems('GET', 'http://h/v1/namespaces/a/tables/b', 200, 'application/json', '{"metadata":{"format-version":2}}')).toEqual([expect.stringContaining("'table-uuid'")]);
    expect(responseProblems('GET', 'http://h/v1/namespaces', 418, 'application/json', '{}')).toEqual([expect.stringContaining('not a documented response')]);
  });
});

describe.each<BackingKind>(['sql', 'filesystem'])('REST catalog server over the %s catalog', (kind) => {
  it('GET /v1/config lists the endpoints; a prefix is advertised as an override and routes move under it', async () => {
    const s = await start(kind, tempDir(), { prefix: 'lake', defaults: { warehouse: 'wh' } });
    const c = jsonClient(s.fetch);
    const config = await c.get(`${s.root}/v1/config`);
    expect(config.status).toBe(200);
    expect(config.body).toMatchObject({ defaults: { warehouse: 'wh' }, overrides: { prefix: 'lake' } });
    expect(config.body!['endpoints']).toContain('POST /v1/{prefix}/namespaces/{namespace}/tables/{table}');
    expect((await c.get(`${s.root}/v1/lake/namespaces`)).body).toEqual({ namespaces: [] });
    expect(s.checked.checked).toBe(2);
  });

  it('namespaces: create, list with parent, load, exists, drop (not-empty is a 409)', async () => {
    const s = await start(kind, tempDir());
    const c = jsonClient(s.fetch);
    expect((await c.post(`${s.base}/namespaces`, { namespace: ['db'] })).status).toBe(200);
    expect((await c.post(`${s.base}/namespaces`, { namespace: ['db', 'raw'] })).status).toBe(200);
    const again = await c.post(`${s.base}/namespaces`, { namespace: ['db'] });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { type: 'AlreadyExistsException', code: 409 } });
    expect((await c.get(`${s.base}/namespaces`)).body).toEqual({ namespaces: [['db']] });
    expect((await c.get(`${s.base}/namespaces?parent=db`)).body).toEqual({ namespaces: [['db', 'raw']] });
    expect((await c.get(`${s.base}/namespaces/db%1Fraw`)).body).toMatchObject({ namespace: ['db', 'raw'] });
    expect((await c.head(`${s.base}/namespaces/db`)).status).toBe(204);
    expect((await c.head(`${s.base}/namespaces/nope`)).status).toBe(404);
    const missing = await c.get(`${s.base}/namespaces/nope`);
    expect(missing.body).toMatchObject({ error: { type: 'NoSuchNamespaceException', code: 404 } });
    const notEmpty = await c.del(`${s.base}/namespaces/db`);
    expect(notEmpty.body).toMatchObject({ error: { type: 'NamespaceNotEmptyException', code: 409 } });
    expect((await c.del(`${s.base}/namespaces/db%1Fraw`)).status).toBe(204);
    expect((await c.del(`${s.base}/namespaces/db`)).status).toBe(204);
    expect((await c.get(`${s.base}/namespaces`)).body).toEqual({ namespaces: [] });
  });

  it('tables: create, list, load, exists, rename, drop with purge', async () => {
    const s = await start(kind, tempDir());
    const c = jsonClient(s.fetch);
    await c.post(`${s.base}/namespaces`, { namespace: ['db'] });
    const created = await c.post(`${s.base}/namespaces/db/tables`, {
      name: 'events',
      schema: EVENTS_SCHEMA,
      'partition-spec': { fields: [{ 'source-id': 1, transform: 'bucket[4]', name: 'id_bucket' }] },
      properties: { owner: 'lake', 'format-version': '2' },
    });
    expect(created.status).toBe(200);
    const md = created.body!['metadata'] as Record<string, unknown>;
    expect(md).toMatchObject({ 'format-version': 2, properties: { owner: 'lake' }, 'default-spec-id': 0, 'last-partition-id': 1000 });
    expect(String(created.body!['metadata-location'])).toMatch(/metadata\.json$/);
    expect((await c.post(`${s.base}/namespaces/db/tables`, { name: 'events', schema: EVENTS_SCHEMA })).body).toMatchObject({ error: { type: 'AlreadyExistsException' } });
    expect((await c.post(`${s.base}/namespaces/nope/tables`, { name: 't', schema: EVENTS_SCHEMA })).body).toMatchObject({ error: { type: 'NoSuchNamespaceException' } });
    expect((await c.get(`${s.base}/namespaces/db/tables`)).body).toEqual({ identifiers: [{ namespace: ['db'], name: 'events' }] });
    const loaded = await c.get(`${s.base}/namespaces/db/tables/events`);
    expect(loaded.body).toMatchObject({ 'metadata-location': created.body!['metadata-location'], metadata: { 'table-uuid': md['table-uuid'] } });
    expect((await c.head(`${s.base}/namespaces/db/tables/events`)).status).toBe(204);
    expect((await c.head(`${s.base}/namespaces/db/tables/nope`)).status).toBe(404);
    expect((await c.get(`${s.base}/namespaces/db/tables/nope`)).body).toMatchObject({ error: { type: 'NoSuchTableException', code: 404 } });

    expect((await c.post(`${s.base}/tables/rename`, { source: { namespace: ['db'], name: 'events' }, destination: { namespace: ['db'], name: 'events2' } })).status).toBe(204);
    expect((await c.get(`${s.base}/namespaces/db/tables`)).body).toEqual({ identifiers: [{ namespace: ['db'], name: 'events2' }] });
    expect((await c.del(`${s.base}/namespaces/db/tables/events2?purgeRequested=true`)).status).toBe(204);
    expect((await c.get(`${s.base}/namespaces/db/tables`)).body).toEqual({ identifiers: [] });
    expect((await c.del(`${s.base}/namespaces/db/tables/events2`)).body).toMatchObject({ error: { type: 'NoSuchTableException' } });
  });

  it('refuses stage-create, unknown updates and malformed bodies with a 400 naming the problem', async () => {
    const s = await start(kind, tempDir());
    const c = jsonClient(s.fetch);
    await c.post(`${s.base}/namespaces`, { namespace: ['db'] });
    const staged = await c.post(`${s.base}/namespaces/db/tables`, { name: 't', schema: EVENTS_SCHEMA, 'stage-create': true });
    expect(staged.body).toMatchObject({ error: { type: 'BadRequestException', code: 400, message: expect.stringContaining('stage-create') } });
    await c.post(`${s.base}/namespaces/db/tables`, { name: 't', schema: EVENTS_SCHEMA });
    const unknown = await c.post(`${s.base}/namespaces/db/tables/t`, { requirements: [], updates: [{ action: 'rewrite-everything' }] });
    expect(unknown.body).toMatchObject({ error: { code: 400, message: expect.stringContaining('updates[0].action: unknown table update "rewrite-everything"') } });
    const refused = await c.post(`${s.base}/namespaces/db/tables/t`, { requirements: [], updates: [{ action: 'remove-schemas', 'schema-ids': [0] }] });
    expect(refused.body).toMatchObject({ error: { code: 400, message: expect.stringContaining('remove-schemas') } });
    const noSchema = await c.post(`${s.base}/namespaces/db/tables`, { name: 'u' });
    expect(noSchema.body).toMatchObject({ error: { code: 400, message: expect.stringContaining('schema: missing required field') } });
    const res = await s.fetch(`${s.base}/namespaces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"namespace": [' });
    expect(res.status).toBe(400);
  });
});

describe('namespace properties and register (SQL catalog)', () => {
  it('creates with properties, updates and removes them, and reports what was missing', async () => {
    const s = await start('sql', tempDir());
    const c = jsonClient(s.fetch);
    expect((await c.post(`${s.base}/namespaces`, { namespace: ['db'], properties: { owner: 'a', team: 't' } })).body).toMatchObject({ properties: { owner: 'a', team: 't' } });
    const upd = await c.post(`${s.base}/namespaces/db/properties`, { updates: { owner: 'b' }, removals: ['team', 'ghost'] });
    expect(upd.body).toEqual({ updated: ['owner'], removed: ['team'], missing: ['ghost'] });
    expect(((await c.get(`${s.base}/namespaces/db`)).body!['properties'] as Record<string, string>)['owner']).toBe('b');
  });

  it('registers an existing metadata file under a new name', async () => {
    const s = await start('sql', tempDir());
    const c = jsonClient(s.fetch);
    await c.post(`${s.base}/namespaces`, { namespace: ['db'] });
    const created = await c.post(`${s.base}/namespaces/db/tables`, { name: 'src', schema: EVENTS_SCHEMA });
    const reg = await c.post(`${s.base}/namespaces/db/register`, { name: 'copy', 'metadata-location': created.body!['metadata-location'] });
    expect(reg.status).toBe(200);
    expect(reg.body).toMatchObject({ 'metadata-location': created.body!['metadata-location'] });
    expect((await c.post(`${s.base}/namespaces/db/register`, { name: 'copy', 'metadata-location': created.body!['metadata-location'] })).body).toMatchObject({ error: { type: 'AlreadyExistsException' } });
  });

  it('the filesystem catalog refuses register (400) and namespace properties (406 unsupported)', async () => {
    const s = await start('filesystem', tempDir());
    const c = jsonClient(s.fetch);
    await c.post(`${s.base}/namespaces`, { namespace: ['db'] });
    expect((await c.post(`${s.base}/namespaces/db/register`, { name: 'x', 'metadata-location': '/nowhere/v1.metadata.json' })).body).toMatchObject({ error: { type: 'BadRequestException', code: 400, message: expect.stringContaining('cannot register') } });
    expect((await c.post(`${s.base}/namespaces/db/properties`, { updates: { a: 'b' } })).body).toMatchObject({ error: { type: 'UnsupportedOperationException', code: 406 } });
  });
});

describe('authentication', () => {
  it('answers 401 without the bearer token and serves with it', async () => {
    const s = await start('sql', tempDir(), { auth: { token: 's3cret' } });
    expect((await jsonClient(s.fetch).get(`${s.base}/namespaces`)).body).toMatchObject({ error: { code: 401 } });
    expect((await jsonClient(s.fetch, { authorization: 'Bearer wrong' }).get(`${s.base}/config`)).status).toBe(401);
    expect((await jsonClient(s.fetch, { authorization: 'Bearer s3cret' }).get(`${s.base}/namespaces`)).status).toBe(200);
  });

  it('issues tokens for client credentials at /v1/oauth/tokens (OAuthTokenResponse) and accepts them', async () => {
    const s = await start('sql', tempDir(), { auth: { clientId: 'spark', clientSecret: 'pw' } });
    const form = (secret: string) => s.fetch(`${s.base}/oauth/tokens`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'spark', client_secret: secret, scope: 'catalog' }).toString() });
    const bad = await form('nope');
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ error: 'invalid_client' });
    const ok = await form('pw');
    const token = (await ok.json()) as { access_token: string; token_type: string };
    expect(token.token_type).toBe('bearer');
    expect((await jsonClient(s.fetch, { authorization: `Bearer ${token.access_token}` }).get(`${s.base}/namespaces`)).status).toBe(200);
  });
});
