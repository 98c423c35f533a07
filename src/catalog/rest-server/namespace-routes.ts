import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NoSuchNamespaceError } from '../../errors.js';
import type { Catalog } from '../catalog.js';
import { parseNamespaceParam } from './namespace-path.js';
import { decodeBody, readCreateNamespaceRequest, readUpdateNamespacePropertiesRequest } from './rest-request-decode.js';
import { RestError } from './rest-errors.js';
import { sendJson, type RouteContext } from './route-context.js';
import type { CreateNamespaceResponse, GetNamespaceResponse, ListNamespacesResponse, UpdateNamespacePropertiesResponse } from './rest-wire.js';

type NsRequest = FastifyRequest<{ Params: { namespace: string } }>;

function noSuchNamespace(ns: readonly string[]): NoSuchNamespaceError {
  return new NoSuchNamespaceError(`namespace ${ns.join('.')} does not exist`, { namespace: ns.join('.') });
}

/** The namespace of a request, which must exist (404 NoSuchNamespaceException otherwise). */
export async function existingNamespace(catalog: Catalog, param: string): Promise<string[]> {
  const ns = parseNamespaceParam(param);
  if (!(await catalog.namespaceExists(ns))) throw noSuchNamespace(ns);
  return ns;
}

/** Namespaces: list (with `parent`), create, load, exists, drop, update properties. */
export function namespaceRoutes(app: FastifyInstance, { catalog }: RouteContext): void {
  app.get('/namespaces', async (req: FastifyRequest<{ Querystring: { parent?: string } }>, reply) => {
    const parent = req.query.parent ? await existingNamespace(catalog, req.query.parent) : [];
    const body: ListNamespacesResponse = { namespaces: await catalog.listNamespaces(parent) };
    return sendJson(reply, 200, body);
  });

  app.post('/namespaces', async (req, reply) => {
    const r = decodeBody(req.body, readCreateNamespaceRequest, 'CreateNamespaceRequest');
    await catalog.createNamespace(r.namespace, r.properties ?? {});
    // What the catalog holds (the filesystem catalog keeps no properties but `location`).
    const body: CreateNamespaceResponse = { namespace: r.namespace, properties: await catalog.loadNamespaceProperties(r.namespace) };
    return sendJson(reply, 200, body);
  });

  app.get('/namespaces/:namespace', async (req: NsRequest, reply) => {
    const ns = parseNamespaceParam(req.params.namespace);
    const body: GetNamespaceResponse = { namespace: ns, properties: await catalog.loadNamespaceProperties(ns) };
    return sendJson(reply, 200, body);
  });

  app.head('/namespaces/:namespace', async (req: NsRequest, reply) => {
    const exists = await catalog.namespaceExists(parseNamespaceParam(req.params.namespace));
    return reply.code(exists ? 204 : 404).send();
  });

  app.delete('/namespaces/:namespace', async (req: NsRequest, reply) => {
    const ns = await existingNamespace(catalog, req.params.namespace);
    const [tables, children] = await Promise.all([catalog.listTables(ns), catalog.listNamespaces(ns)]);
    if (tables.length > 0 || children.length > 0) {
      throw new RestError(409, 'NamespaceNotEmptyException', `namespace ${ns.join('.')} is not empty (${tables.length} tables, ${children.length} namespaces); drop them first`);
    }
    await catalog.dropNamespace(ns);
    return reply.code(204).send();
  });

  app.post('/namespaces/:namespace/properties', async (req: NsRequest, reply) => {
    const ns = parseNamespaceParam(req.params.namespace);
    const r = decodeBody(req.body, readUpdateNamespacePropertiesRequest, 'UpdateNamespacePropertiesRequest');
    const updates = r.updates ?? {};
    const removals = r.removals ?? [];
    const both = removals.filter((k) => k in updates);
    if (both.length > 0) throw new RestError(422, 'UnprocessableEntityException', `properties both updated and removed: ${both.join(', ')}`);
    const before = await catalog.loadNamespaceProperties(ns);
    await catalog.updateNamespaceProperties(ns, updates, removals);
    const body: UpdateNamespacePropertiesResponse = {
      updated: Object.keys(updates),
      removed: removals.filter((k) => k in before),
      missing: removals.filter((k) => !(k in before)),
    };
    return sendJson(reply, 200, body);
  });
}
