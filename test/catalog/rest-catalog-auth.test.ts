import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RestCatalog } from '../../src/catalog/rest/rest-catalog.js';
import { CatalogAccessError, StorageError } from '../../src/errors.js';
import { LocalFileIO } from '../../src/io/local-file-io.js';
import { S3FileIO } from '../../src/io/s3-file-io.js';
import { countRows } from '../../src/iceberg/read/table-scan.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { primitive } from '../../src/iceberg/spec/types.js';
import { writeDataFile } from '../support/data-files.js';
import { RestCatalogStub } from '../support/rest-catalog-stub.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';
import { rejectionOf } from '../support/error-of.js';
import { useTempDir } from '../support/temp-dir.js';

const schema = new Schema(0, [{ id: 1, name: 'id', required: true, type: primitive('long') }]);
const orders = { namespace: ['db'], name: 'orders' };
const SECRET = 'sup3r-s3cret-value';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('REST catalog OAuth2 client credentials', () => {
  const tempDir = useTempDir('icetide-rest-auth-');
  let stub: RestCatalogStub;
  afterEach(async () => {
    await stub?.stop();
  });

  it('exchanges credential for a token (scope catalog), renews it before expiry and once after a 401', async () => {
    stub = await new RestCatalogStub({ io: new LocalFileIO(), warehouse: tempDir(), oauth: { clientId: 'icetide', clientSecret: SECRET, ttlSeconds: 2 } }).start();
    const c = new RestCatalog({ uri: stub.uri, credential: `icetide:${SECRET}` });
    await c.createNamespace(['db']);
    expect(stub.tokensIssued).toBe(1);
    const exchange = stub.requests.find((r) => r.url === '/v1/oauth/tokens')!;
    expect(exchange.body).toMatchObject({ grant_type: 'client_credentials', client_id: 'icetide', scope: 'catalog' });
    const firstToken = stub.requests[1]!.authorization;
    expect(firstToken).toMatch(/^Bearer tok-/);

    // 2 s tokens are renewed in their last fifth: no request is ever refused for expiry
    await sleep(1700);
    expect(await c.listNamespaces()).toEqual([['db']]);
    expect(stub.tokensIssued).toBe(2);
    expect(stub.requests.at(-1)!.authorization).not.toBe(firstToken);

    // a token the server revokes early: 401, one new token, the request goes through
    stub.expireTokens();
    const before = stub.requests.length;
    expect(await c.namespaceExists(['db'])).toBe(true);
    expect(stub.tokensIssued).toBe(3);
    expect(stub.requests.slice(before).map((r) => r.url)).toEqual(['/v1/namespaces/db', '/v1/oauth/tokens', '/v1/namespaces/db']);
  });

  it('a wrong secret is a CatalogAccessError naming the token endpoint, with the secret hidden', async () => {
    stub = await new RestCatalogStub({ io: new LocalFileIO(), warehouse: tempDir(), oauth: { clientId: 'icetide', clientSecret: SECRET, ttlSeconds: 60 } }).start();
    const c = new RestCatalog({ uri: stub.uri, credential: 'icetide:not-the-s3cret', oauth2ServerUri: `${stub.uri}/v1/oauth/tokens` });
    const err = await rejectionOf(c.listNamespaces());
    expect(err).toBeInstanceOf(CatalogAccessError);
    expect(err.message).toContain(`${stub.uri}/v1/oauth/tokens`);
    expect(err.message).toMatch(/invalid_client/);
    expect(err.message).not.toContain('not-the-s3cret');
  });
});

describe('REST catalog vended credentials', () => {
  let s3: S3TestServer;
  let stub: RestCatalogStub;
  beforeAll(async () => {
    s3 = await startS3Server({ bucket: 'lake' });
  }, 60_000);
  afterAll(async () => {
    await stub?.stop();
    await s3?.stop();
  });

  it('sends X-Iceberg-Access-Delegation and builds the table FileIO from the LoadTableResult config', async () => {
    stub = await new RestCatalogStub({
      io: new S3FileIO(s3.storage()),
      warehouse: 's3://lake/wh',
      vendedConfig: { 's3.access-key-id': 'S3RVER', 's3.secret-access-key': 'S3RVER', 's3.session-token': 'session-1', 's3.endpoint': s3.endpoint, 's3.path-style-access': 'true', 'client.region': 'us-east-1' },
    }).start();
    // local keys are wrong on purpose: only the vended ones can reach the bucket
    const local = { s3: { endpoint: s3.endpoint, pathStyle: true, region: 'us-east-1', accessKeyId: 'AKIAWRONGKEY', secretAccessKey: 'wrong-secret' } };
    const vended = new RestCatalog({ uri: stub.uri, accessDelegation: 'vended-credentials', storage: local });
    await vended.createNamespace(['db']);
    const t = await vended.createTable(orders, { schema });
    expect(t.io).toBeInstanceOf(S3FileIO);
    expect((t.io as S3FileIO).config).toMatchObject({ accessKeyId: 'S3RVER', sessionToken: 'session-1', endpoint: s3.endpoint, pathStyle: true, region: 'us-east-1' });
    await t.newAppend().appendFile(await writeDataFile(t, [{ id: 1n }, { id: 2n }])).commit();
    expect(await countRows(await vended.loadTable(orders))).toBe(2n);
    const loads = stub.requests.filter((r) => r.method === 'GET' && r.url.endsWith('/tables/orders'));
    expect(loads.length).toBeGreaterThan(0);
    expect(loads.every((r) => r.accessDelegation === 'vended-credentials')).toBe(true);

    // without delegation the server vends nothing: the wrong local keys are used and refused
    const plain = await new RestCatalog({ uri: stub.uri, storage: local }).loadTable(orders);
    await expect(countRows(plain)).rejects.toThrow(StorageError);
  }, 60_000);
});
