import Fastify, { type FastifyInstance } from 'fastify';
import { parseJson } from '../../iceberg/spec/lossless-json.js';
import type { Catalog } from '../catalog.js';
import { RestAuth, type RestAuthConfig } from './rest-auth.js';
import { badRequest, errorResponse, RestError, restErrorOf } from './rest-errors.js';
import type { CatalogConfig, OAuthError, OAuthTokenResponse } from './rest-wire.js';
import { namespaceRoutes } from './namespace-routes.js';
import { sendJson, type RouteContext } from './route-context.js';
import { tableRoutes } from './table-routes.js';

export interface RestCatalogServerOptions {
  /** The catalog whose tables are served (filesystem or SQL); the server does not close it. */
  readonly catalog: Catalog;
  /** Routes become /v1/{prefix}/...; advertised to clients in GET /v1/config overrides. */
  readonly prefix?: string;
  readonly auth?: RestAuthConfig;
  /** Sent in GET /v1/config `defaults` (e.g. the warehouse) and in every LoadTableResult `config`. */
  readonly defaults?: Readonly<Record<string, string>>;
  readonly tableConfig?: Readonly<Record<string, string>>;
  /** Lost compare-and-swap races a commit re-applies before answering 409; default 3. */
  readonly commitRetries?: number;
}

/** Every route, as GET /v1/config lists them (spec CatalogConfig.endpoints). */
export const ENDPOINTS: readonly string[] = [
  'GET /v1/{prefix}/namespaces',
  'POST /v1/{prefix}/namespaces',
  'GET /v1/{prefix}/namespaces/{namespace}',
  'HEAD /v1/{prefix}/namespaces/{namespace}',
  'DELETE /v1/{prefix}/namespaces/{namespace}',
  'POST /v1/{prefix}/namespaces/{namespace}/properties',
  'GET /v1/{prefix}/namespaces/{namespace}/tables',
  'POST /v1/{prefix}/namespaces/{namespace}/tables',
  'GET /v1/{prefix}/namespaces/{namespace}/tables/{table}',
  'HEAD /v1/{prefix}/namespaces/{namespace}/tables/{table}',
  'POST /v1/{prefix}/namespaces/{namespace}/tables/{table}',
  'DELETE /v1/{prefix}/namespaces/{namespace}/tables/{table}',
  'POST /v1/{prefix}/namespaces/{namespace}/register',
  'POST /v1/{prefix}/namespaces/{namespace}/tables/{table}/metrics',
  'POST /v1/{prefix}/tables/rename',
  'POST /v1/{prefix}/transactions/commit',
];

/**
 * The Iceberg REST catalog protocol (open-api/rest-catalog-open-api.yaml) over an icetide
 * catalog, so Spark, Trino, Flink, PyIceberg and DuckDB read and write the tables icetide
 * manages. Commits are checked (requirements) and applied (updates) here, then swapped through
 * the backing catalog's own compare-and-swap, so the server adds no lock of its own: several
 * servers and icetide writers may share one catalog.
 */
export async function buildRestCatalogServer(o: RestCatalogServerOptions): Promise<FastifyInstance> {
  // HEAD routes are the spec's exists checks, not GET without a body.
  const app = Fastify({ logger: false, exposeHeadRoutes: false, routerOptions: { ignoreTrailingSlash: true } });
  const auth = new RestAuth(o.auth ?? {});
  const base = o.prefix ? `/v1/${encodeURIComponent(o.prefix)}` : '/v1';
  const ctx: RouteContext = { catalog: o.catalog, tableConfig: o.tableConfig ?? {}, commitRetries: o.commitRetries ?? 3 };

  // Bodies are parsed losslessly: snapshot ids are longs above 2^53.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, parseJson(text));
    } catch (err) {
      done(badRequest(`malformed JSON body: ${err instanceof Error ? err.message : String(err)}`), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  app.addHook('onRequest', async (req, reply) => {
    if (!auth.required || req.url.split('?')[0] === '/v1/oauth/tokens') return;
    if (auth.accepts(req.headers.authorization)) return;
    reply.header('www-authenticate', 'Bearer realm="icetide-rest-catalog"');
    return sendJson(reply, 401, errorResponse(new RestError(401, 'NotAuthorizedException', 'a bearer token is required: Authorization: Bearer <token>')));
  });

  app.setErrorHandler((err: unknown, _req, reply) => {
    const status = (err as { statusCode?: number }).statusCode;
    // fastify's own 4xx (unsupported media type, body too large) keep their status.
    const e = !(err instanceof RestError) && status !== undefined && status >= 400 && status < 500 ? new RestError(status, 'BadRequestException', (err as Error).message) : restErrorOf(err);
    if (reply.request.method === 'HEAD') return reply.code(e.status).send();
    return sendJson(reply, e.status, errorResponse(e));
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new RestError(400, 'BadRequestException', `no route ${req.method} ${req.url.split('?')[0]} on this catalog server (routes are under ${base}/, see GET /v1/config endpoints)`);
    return sendJson(reply, 400, errorResponse(e));
  });

  app.get('/v1/config', async (_req, reply) => {
    const config: CatalogConfig = {
      defaults: { ...(o.defaults ?? {}) },
      overrides: o.prefix ? { prefix: o.prefix } : {},
      endpoints: ENDPOINTS,
    };
    return sendJson(reply, 200, config);
  });

  app.post('/v1/oauth/tokens', async (req, reply) => {
    const form = (req.body ?? {}) as Record<string, unknown>;
    const oauthError = (status: number, error: OAuthError['error'], description: string) => sendJson(reply, status, { error, error_description: description } satisfies OAuthError);
    if (form['grant_type'] !== 'client_credentials') return oauthError(400, 'unsupported_grant_type', 'only grant_type=client_credentials is supported');
    const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
    const [basicId, basicSecret] = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8').split(':', 2) : [];
    const clientId = typeof form['client_id'] === 'string' ? form['client_id'] : basicId;
    const clientSecret = typeof form['client_secret'] === 'string' ? form['client_secret'] : basicSecret;
    if (!auth.issuesTokens) return oauthError(400, 'invalid_request', 'this server issues no tokens (no client credentials are configured); use its bearer token');
    const token = clientId !== undefined && clientSecret !== undefined ? auth.issue(clientId, clientSecret) : undefined;
    if (!token) return oauthError(401, 'invalid_client', 'unknown client id or wrong secret');
    const body: OAuthTokenResponse = { access_token: token, token_type: 'bearer', expires_in: auth.ttlSeconds, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token' };
    return sendJson(reply, 200, body);
  });

  await app.register(async (scope) => {
    namespaceRoutes(scope, ctx);
    tableRoutes(scope, ctx);
  }, { prefix: base });
  return app;
}
