import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, expect } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { buildRestCatalogServer, type RestCatalogServerOptions } from '../../src/catalog/rest-server/rest-catalog-server.js';
import { SqlCatalog } from '../../src/catalog/sql-catalog.js';
import { validatingFetch } from './openapi-response-validator.js';

export interface RunningRestServer {
  readonly app: FastifyInstance;
  /** `http://127.0.0.1:PORT/v1` (plus the prefix when one is set). */
  readonly base: string;
  readonly root: string;
  readonly catalog: Catalog;
  readonly warehouse: string;
  /** fetch that validates every response against the OpenAPI document. */
  readonly fetch: typeof fetch;
  readonly checked: { checked: number };
}

export type BackingKind = 'sql' | 'filesystem';

export function openBackingCatalog(kind: BackingKind, dir: string): { catalog: Catalog; warehouse: string } {
  const warehouse = path.join(dir, 'warehouse');
  const catalog = kind === 'sql' ? new SqlCatalog({ uri: `sqlite:${path.join(dir, 'catalog.db')}`, name: 'lake', warehouse }) : new FilesystemCatalog(warehouse);
  return { catalog, warehouse };
}

/**
 * Starts REST servers for a test file; each response is validated, and after every test the
 * recorded spec violations must be none.
 */
export function useRestServer(): (kind: BackingKind, dir: string, o?: Partial<RestCatalogServerOptions>) => Promise<RunningRestServer> {
  const running: RunningRestServer[] = [];
  const problems: string[] = [];
  afterEach(async () => {
    for (const s of running.splice(0)) {
      await s.app.close();
      await s.catalog.close?.();
    }
    expect(problems.splice(0)).toEqual([]);
  });
  return async (kind, dir, o = {}) => {
    const { catalog, warehouse } = o.catalog ? { catalog: o.catalog, warehouse: path.join(dir, 'warehouse') } : openBackingCatalog(kind, dir);
    const app = await buildRestCatalogServer({ ...o, catalog });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    const root = `http://127.0.0.1:${port}`;
    const checked = { checked: 0 };
    const s = { app, root, base: o.prefix ? `${root}/v1/${o.prefix}` : `${root}/v1`, catalog, warehouse, fetch: validatingFetch(problems, checked), checked };
    running.push(s);
    return s;
  };
}

/** JSON request helpers over a (validating) fetch. */
export function jsonClient(f: typeof fetch, headers: Record<string, string> = {}) {
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await f(url, { method, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined, text };
  };
  return {
    get: (url: string) => call('GET', url),
    head: (url: string) => call('HEAD', url),
    del: (url: string) => call('DELETE', url),
    post: (url: string, body: unknown) => call('POST', url, body),
  };
}

/** A two-column schema in the REST wire form. */
export const EVENTS_SCHEMA = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', type: 'long', required: true },
    { id: 2, name: 'name', type: 'string', required: false },
  ],
};
