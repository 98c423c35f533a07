import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseManagerConfig } from '../../manager/daemon/config-loader.js';
import { closeOpenedCatalogs, resolveTable } from '../../src/cli/resolve-table.js';
import { RestCatalog } from '../../src/catalog/rest/rest-catalog.js';
import { openCatalog } from '../../src/catalog/open-catalog.js';
import { LocalFileIO } from '../../src/io/local-file-io.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { primitive } from '../../src/iceberg/spec/types.js';
import { parsePipelineConfig } from '../../src/pipeline/config-loader.js';
import { RestCatalogStub } from '../support/rest-catalog-stub.js';
import { useTempDir } from '../support/temp-dir.js';

const QUICKSTART = path.resolve('examples/quickstart.yaml');
const withCatalog = (catalog: string) => fs.readFileSync(QUICKSTART, 'utf8').replace('catalog: filesystem', `catalog: ${catalog}`);

describe('REST catalog configuration', () => {
  const tempDir = useTempDir('icetide-rest-cfg-');
  let stub: RestCatalogStub | undefined;
  afterEach(async () => {
    await closeOpenedCatalogs();
    await stub?.stop();
    stub = undefined;
  });

  it('pipeline target.catalog { type: rest, ... } maps every key, secrets from ${ENV}', () => {
    const config = parsePipelineConfig(
      withCatalog("{ type: rest, uri: 'https://polaris.example.com/api/catalog', warehouse: lake, credential: '${POLARIS_CREDENTIAL}', scope: 'PRINCIPAL_ROLE:ALL', prefix: p1, access-delegation: vended-credentials, oauth2-server-uri: 'https://polaris.example.com/api/catalog/v1/oauth/tokens' }"),
      QUICKSTART,
      { POLARIS_CREDENTIAL: 'id:secret' },
    );
    expect(config.target.catalog).toEqual({
      type: 'rest', uri: 'https://polaris.example.com/api/catalog', warehouse: 'lake', credential: 'id:secret', scope: 'PRINCIPAL_ROLE:ALL',
      prefix: 'p1', accessDelegation: 'vended-credentials', oauth2ServerUri: 'https://polaris.example.com/api/catalog/v1/oauth/tokens',
    });
    expect(openCatalog(config.target.catalog, undefined)).toBeInstanceOf(RestCatalog);
  });

  it('refuses a non-http uri and credential together with token, naming the key', () => {
    expect(() => parsePipelineConfig(withCatalog("{ type: rest, uri: 'thrift://hms:9083' }"), QUICKSTART, {})).toThrow(/target\.catalog.*http:\/\/ or https:\/\//s);
    expect(() => parsePipelineConfig(withCatalog("{ type: rest, uri: 'http://x:8181', credential: 'a:b', token: t }"), QUICKSTART, {})).toThrow(/credential.*not both/s);
  });

  it('manager.yaml catalog: { type: rest, ... }', () => {
    const cfg = parseManagerConfig('warehouse: /data/wh\ncatalog: { type: rest, uri: "http://nessie:19120/iceberg", warehouse: warehouse, token: "${NESSIE_TOKEN}" }\n', 'manager.yaml', { NESSIE_TOKEN: 'tok' }, '/etc/icetide');
    expect(cfg.catalog).toEqual({ type: 'rest', uri: 'http://nessie:19120/iceberg', warehouse: 'warehouse', token: 'tok' });
  });

  it('CLI --catalog-uri http://… opens the table through REST, auth from ICETIDE_CATALOG_TOKEN', async () => {
    stub = await new RestCatalogStub({ io: new LocalFileIO(), warehouse: tempDir(), token: 'cli-token' }).start();
    const c = new RestCatalog({ uri: stub.uri, token: 'cli-token' });
    await c.createNamespace(['db']);
    await c.createTable({ namespace: ['db'], name: 'orders' }, { schema: new Schema(0, [{ id: 1, name: 'id', required: true, type: primitive('long') }]) });
    const t = await resolveTable('db.orders', { catalogUri: stub.uri, env: { ICETIDE_CATALOG_TOKEN: 'cli-token' } });
    expect(t.name).toBe('db.orders');
    await expect(resolveTable('db.orders', { catalogUri: stub.uri, env: {} })).rejects.toThrow(/401/);
  });
});
