import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Catalog } from '../../src/catalog/catalog.js';
import { parseDuration, parseInstant } from '../../src/duration.js';
import { ValidationError } from '../../src/errors.js';
import type { FileIO } from '../../src/io/file-io.js';
import { silentLogger, type Logger } from '../../src/logging/logger.js';
import { noWatermarkReason, tableReadiness } from '../../src/pipeline/readiness.js';
import type { JobStatus } from '../daemon/scheduler.js';
import type { StateStore } from '../state/state-store.js';
import { StateStoreUnavailableError } from '../state/state-store-errors.js';
import { ApiError, errorBody } from './api-error.js';
import { OPEN_PATHS, presentedToken, tokenMatches } from './auth.js';
import { ManagerMetrics } from './manager-metrics.js';
import { openApiDocument } from './openapi.js';
import { pipelineViews } from './pipeline-views.js';
import { statusPageHtml, tokenFormHtml, type StatusPageData } from './status-page.js';
import { listAllTables, loadTableByName } from '../daemon/warehouse-tables.js';
import { FileStatsCache, readinessView, tablePartitions, tableSummary, type TableSummary } from './table-views.js';
import { formatTableIdentifier } from '../../src/catalog/catalog.js';

/** What the API reads. Without a store or scheduler the run/status routes return empty lists. */
export interface ApiContext {
  readonly catalog: Catalog;
  readonly warehouse: string;
  readonly io: FileIO;
  readonly store?: StateStore;
  readonly status?: () => { jobs: readonly JobStatus[]; running: readonly unknown[] };
  /** Bearer token required for everything but /healthz. */
  readonly token?: string;
  /** Status page refresh interval; default 5 s. */
  readonly refreshMs?: number;
  readonly logger?: Logger;
  readonly now?: () => number;
}

const VERSION = '0.1.0';

function query(req: FastifyRequest): Record<string, string | undefined> {
  const q = (req.query ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(q).map(([k, v]) => [k, typeof v === 'string' ? v : Array.isArray(v) ? String(v[v.length - 1]) : undefined]));
}

function badRequest(fn: () => number): number {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ValidationError) throw new ApiError(400, 'bad_request', err.message);
    throw err;
  }
}

/**
 * The manager's HTTP API and status page (fastify). Every answer is computed from the tables
 * (readiness from committed snapshots, as `icetide ready`), the pipelines' status files and the
 * state store. Errors are always `{ "error": { "code", "message" } }`.
 */
export async function buildApiServer(ctx: ApiContext): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, routerOptions: { ignoreTrailingSlash: true } });
  const now = ctx.now ?? Date.now;
  const log = ctx.logger ?? silentLogger;
  const files = new FileStatsCache();
  const metrics = new ManagerMetrics();

  app.addHook('onRequest', async (req, reply) => {
    if (!ctx.token) return;
    const path = req.url.split('?')[0]!;
    if (OPEN_PATHS.has(path)) return;
    if (tokenMatches(ctx.token, presentedToken(req.headers.authorization, req.query))) return;
    reply.header('www-authenticate', 'Bearer realm="icetide-manager"');
    if (path === '/' && (req.headers.accept ?? '').includes('text/html')) return reply.code(401).type('text/html; charset=utf-8').send(tokenFormHtml());
    return reply.code(401).send(errorBody('unauthorized', 'a bearer token is required: Authorization: Bearer <token> (or ?access_token=<token>)'));
  });

  app.setErrorHandler((err: unknown, _req, reply) => {
    if (err instanceof ApiError) return reply.code(err.status).send(errorBody(err.code, err.message));
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) return reply.code(status).send(errorBody('bad_request', (err as Error).message));
    // The run history (e.g. PostgreSQL) is down: a temporary condition, not a bug.
    if (err instanceof StateStoreUnavailableError) return reply.code(503).header('retry-after', '10').send(errorBody('unavailable', err.message));
    log.error('manager API request failed', { error: err instanceof Error ? err.message : String(err) });
    return reply.code(500).send(errorBody('internal', err instanceof Error ? err.message : String(err)));
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send(errorBody('not_found', `no route ${req.method} ${req.url.split('?')[0]} (see /openapi.json)`)));

  const loadTable = async (name: string) => {
    const t = await loadTableByName(ctx.catalog, name);
    if (!t) throw new ApiError(404, 'not_found', `no table ${name} in ${ctx.warehouse}`);
    return t;
  };

  const allTables = async (untilMs?: number): Promise<(TableSummary & { ready?: boolean })[]> => {
    const out: (TableSummary & { ready?: boolean })[] = [];
    const nowMs = now();
    for (const id of await listAllTables(ctx.catalog)) {
      const t = await loadTableByName(ctx.catalog, formatTableIdentifier(id));
      if (!t) continue; // dropped between listing and loading
      const s = await tableSummary(t, files, nowMs);
      out.push(untilMs === undefined ? s : { ...s, ready: tableReadiness(t.metadata, untilMs, nowMs).ready });
    }
    return out;
  };
  const runs = async (q: Record<string, string | undefined>) => {
    const limit = q['limit'] === undefined ? 50 : Number(q['limit']);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new ApiError(400, 'bad_request', `limit takes an integer 1..1000, got "${q['limit']}"`);
    return ctx.store ? ctx.store.listRuns({ limit, ...(q['table'] ? { table: q['table'] } : {}), ...(q['job'] ? { job: q['job'] } : {}) }) : [];
  };
  const status = () => ctx.status?.() ?? { jobs: [], running: [] };

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/openapi.json', async () => openApiDocument(VERSION));

  app.get('/v1/tables', async (req) => {
    const q = query(req);
    const until = q['until'] === undefined ? undefined : badRequest(() => parseInstant(q['until']!, 'until'));
    return { tables: await allTables(until) };
  });

  app.get('/v1/tables/:table/readiness', async (req: FastifyRequest<{ Params: { table: string } }>) => {
    const q = query(req);
    if (q['until'] === undefined) throw new ApiError(400, 'bad_request', 'until is required: an ISO-8601 time with zone, e.g. ?until=2026-11-23T10:00:00Z');
    const untilMs = badRequest(() => parseInstant(q['until']!, 'until'));
    const table = await loadTable(req.params.table);
    const r = tableReadiness(table.metadata, untilMs, now());
    if (r.watermarkMs === undefined && !r.ready) throw new ApiError(409, 'no_watermark', noWatermarkReason(table.name, table.metadata));
    return readinessView(table.name, r);
  });

  app.get('/v1/tables/:table/partitions', async (req: FastifyRequest<{ Params: { table: string } }>) => {
    const q = query(req);
    const lateness = badRequest(() => parseDuration(q['allowed-lateness'] ?? '0s', 'allowed-lateness'));
    const ready = q['ready'];
    if (ready !== undefined && ready !== 'true' && ready !== 'false') throw new ApiError(400, 'bad_request', `ready takes true or false, got "${ready}"`);
    const table = await loadTable(req.params.table);
    let partitions;
    try {
      partitions = await tablePartitions(table, lateness, now());
    } catch (err) {
      if (err instanceof ValidationError) throw new ApiError(400, 'bad_request', err.message);
      throw err;
    }
    const s = await tableSummary(table, files, now());
    return {
      table: table.name,
      watermark: s.watermark,
      allowedLatenessMs: lateness,
      partitions: ready === undefined ? partitions : partitions.filter((p) => p.ready === (ready === 'true')),
    };
  });

  app.get('/v1/pipelines', async () => ({ pipelines: await pipelineViews(ctx.io, ctx.warehouse, now()) }));

  app.get('/v1/runs', async (req) => ({ runs: await runs(query(req)) }));

  app.get('/v1/status', async () => status());

  app.get('/metrics', async (_req, reply: FastifyReply) => {
    const s = status();
    metrics.update(await allTables(), ctx.store ? await ctx.store.totals() : [], await pipelineViews(ctx.io, ctx.warehouse, now()), s.running.length);
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.get('/', async (req, reply: FastifyReply) => {
    const q = query(req);
    const until = q['until'] === undefined ? undefined : badRequest(() => parseInstant(q['until']!, 'until'));
    const data: StatusPageData = {
      generatedAt: new Date(now()).toISOString(),
      until: q['until'] ?? null,
      tables: await allTables(until),
      pipelines: await pipelineViews(ctx.io, ctx.warehouse, now()),
      runs: await runs({ limit: '20' }),
      jobs: status().jobs,
    };
    return reply.type('text/html; charset=utf-8').send(statusPageHtml(data, ctx.refreshMs ?? 5000));
  });

  return app;
}
