import type { FastifyInstance, FastifyRequest } from 'fastify';
import { formatTableIdentifier, type Catalog, type TableIdentifier } from '../catalog.js';
import type { Table } from '../../iceberg/table.js';
import { commitTable, prepareCommit } from './commit-table.js';
import { createTableOptions } from './create-table-request.js';
import { existingNamespace } from './namespace-routes.js';
import { parseNamespaceParam } from './namespace-path.js';
import { badRequest, RestError } from './rest-errors.js';
import {
  asBadRequest,
  decodeBody,
  readCommitTableRequest,
  readCommitTransactionRequest,
  readCreateTableRequest,
  readRegisterTableRequest,
  readRenameTableRequest,
} from './rest-request-decode.js';
import type { ListTablesResponse } from './rest-wire.js';
import { sendJson, type RouteContext } from './route-context.js';
import { commitTableResponse, loadTableResult } from './table-result.js';

type TableRequest = FastifyRequest<{ Params: { namespace: string; table: string } }>;

function tableId(req: TableRequest): TableIdentifier {
  return { namespace: parseNamespaceParam(req.params.namespace), name: req.params.table };
}

/** A catalog that can add a row for an existing metadata file (the SQL catalog). */
interface RegisteringCatalog extends Catalog {
  registerTable(id: TableIdentifier, metadataLocation: string): Promise<Table>;
}

function canRegister(c: Catalog): c is RegisteringCatalog {
  return typeof (c as Partial<RegisteringCatalog>).registerTable === 'function';
}

/** Tables: list, create, load, exists, commit, drop, register, rename, metrics, multi-table commit. */
export function tableRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { catalog } = ctx;

  app.get('/namespaces/:namespace/tables', async (req: FastifyRequest<{ Params: { namespace: string } }>, reply) => {
    const ns = await existingNamespace(catalog, req.params.namespace);
    const body: ListTablesResponse = { identifiers: await catalog.listTables(ns) };
    return sendJson(reply, 200, body);
  });

  app.post('/namespaces/:namespace/tables', async (req: FastifyRequest<{ Params: { namespace: string } }>, reply) => {
    const ns = await existingNamespace(catalog, req.params.namespace);
    const r = decodeBody(req.body, readCreateTableRequest, 'CreateTableRequest');
    if (r['stage-create'] === true) {
      throw badRequest('stage-create is not supported by this server: create the table without staging (stage-create false), then commit to it');
    }
    const options = asBadRequest('CreateTableRequest', () => createTableOptions(r));
    const table = await catalog.createTable({ namespace: ns, name: r.name }, options);
    return sendJson(reply, 200, loadTableResult(table.state, ctx.tableConfig));
  });

  app.get('/namespaces/:namespace/tables/:table', async (req: TableRequest, reply) => {
    const table = await catalog.loadTable(tableId(req));
    return sendJson(reply, 200, loadTableResult(table.state, ctx.tableConfig));
  });

  app.head('/namespaces/:namespace/tables/:table', async (req: TableRequest, reply) => {
    return reply.code((await catalog.tableExists(tableId(req))) ? 204 : 404).send();
  });

  app.post('/namespaces/:namespace/tables/:table', async (req: TableRequest, reply) => {
    const r = decodeBody(req.body, readCommitTableRequest, 'CommitTableRequest');
    const state = await commitTable(catalog, tableId(req), r, ctx.commitRetries);
    return sendJson(reply, 200, commitTableResponse(state));
  });

  app.delete('/namespaces/:namespace/tables/:table', async (req: FastifyRequest<{ Params: { namespace: string; table: string }; Querystring: { purgeRequested?: string } }>, reply) => {
    await catalog.dropTable(tableId(req as TableRequest), req.query.purgeRequested === 'true');
    return reply.code(204).send();
  });

  app.post('/namespaces/:namespace/register', async (req: FastifyRequest<{ Params: { namespace: string } }>, reply) => {
    const ns = await existingNamespace(catalog, req.params.namespace);
    const r = decodeBody(req.body, readRegisterTableRequest, 'RegisterTableRequest');
    if (!canRegister(catalog)) {
      throw badRequest(`the ${catalog.name} catalog cannot register tables (the filesystem catalog finds tables by their directory); serve a SQL catalog to register`);
    }
    const id = { namespace: ns, name: r.name };
    if (r.overwrite === true && (await catalog.tableExists(id))) {
      throw badRequest(`register with overwrite is not supported: drop ${formatTableIdentifier(id)} first`);
    }
    const table = await catalog.registerTable(id, r['metadata-location']);
    return sendJson(reply, 200, loadTableResult(table.state, ctx.tableConfig));
  });

  // Scan and commit reports are accepted and dropped: Java clients send them after every scan.
  app.post('/namespaces/:namespace/tables/:table/metrics', async (req: TableRequest, reply) => {
    if (!(await catalog.tableExists(tableId(req)))) throw new RestError(404, 'NoSuchTableException', `table ${formatTableIdentifier(tableId(req))} does not exist`);
    return reply.code(204).send();
  });

  app.post('/tables/rename', async (req, reply) => {
    const r = decodeBody(req.body, readRenameTableRequest, 'RenameTableRequest');
    await catalog.renameTable(r.source, r.destination);
    return reply.code(204).send();
  });

  /**
   * Every table's requirements are checked and updates applied before any pointer moves; the
   * swaps then go one table at a time through the backing catalog. Atomic per table only: a
   * lost race on a later table (409) leaves the earlier tables committed.
   */
  app.post('/transactions/commit', async (req, reply) => {
    const r = decodeBody(req.body, readCommitTransactionRequest, 'CommitTransactionRequest');
    const changes = r['table-changes'].map((c, i) => {
      if (!c.identifier) throw badRequest(`table-changes[${i}].identifier: required in a transaction`);
      return { id: { namespace: [...c.identifier.namespace], name: c.identifier.name }, change: c };
    });
    const names = changes.map((c) => formatTableIdentifier(c.id));
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw badRequest(`table ${dup} appears twice in one transaction; merge its changes`);
    for (const c of changes) await prepareCommit(catalog, c.id, c.change);
    for (const c of changes) await commitTable(catalog, c.id, c.change, ctx.commitRetries);
    return reply.code(204).send();
  });
}
