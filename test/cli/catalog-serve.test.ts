import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCatalogServeConfig } from '../../src/cli/catalog-serve-config.js';
import { startCli } from '../support/cli-process.js';
import { freePort } from '../support/free-port.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir('icetide-serve-');

describe('icetide catalog serve', () => {
  it('reads the config: SQL catalog, warehouse relative to the file, token from the environment', () => {
    const c = parseCatalogServeConfig('catalog: { type: sql, uri: "sqlite:./c.db", name: lake }\nwarehouse: ./wh\nprefix: lake\n', '/etc/x/serve.yaml', { ICETIDE_REST_TOKEN: 'tk' }, '/etc/x');
    expect(c).toEqual({ catalog: { type: 'sql', uri: 'sqlite:./c.db', name: 'lake' }, warehouse: '/etc/x/wh', storage: {}, prefix: 'lake', auth: { token: 'tk' } });
    expect(() => parseCatalogServeConfig('warehouse: ./wh\nauth: { client-id: a }\nbogus: 1\n', 's.yaml', {}, '/')).toThrow(/auth: set both client-id and client-secret[\s\S]*bogus/);
  });

  it('serves the catalog over HTTP with the bearer token and stops cleanly on SIGTERM', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'serve.yaml'), `catalog: { type: sql, uri: "sqlite:${path.join(dir, 'c.db')}", name: lake }\nwarehouse: ./wh\nauth: { token: abc }\n`);
    const port = await freePort();
    const { child, done } = startCli(['catalog', 'serve', '--catalog', 'serve.yaml', '--port', String(port)], dir);
    let res: Response | undefined;
    for (let i = 0; i < 100 && !res; i++) {
      res = await fetch(`http://127.0.0.1:${port}/v1/config`, { headers: { authorization: 'Bearer abc' } }).catch(() => undefined);
      if (!res) await new Promise((r) => setTimeout(r, 100));
    }
    expect(res?.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/v1/namespaces`)).status).toBe(401);
    const created = await fetch(`http://127.0.0.1:${port}/v1/namespaces`, { method: 'POST', headers: { authorization: 'Bearer abc', 'content-type': 'application/json' }, body: '{"namespace":["db"]}' });
    expect(created.status).toBe(200);
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`icetide REST catalog listening on http://127.0.0.1:${port}/v1`);
  }, 60_000);
});
