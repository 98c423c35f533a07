import type { IcetideError } from '../../errors.js';
import { parseJson, stringifyJson, type JsonValue } from '../../iceberg/spec/lossless-json.js';
import type { RestAuth } from './rest-auth.js';
import { errorFromResponse, RestNetworkError, type RestCall } from './rest-errors.js';
import { readErrorBody } from './rest-wire.js';

export interface RestRequest {
  readonly method: 'GET' | 'POST' | 'DELETE' | 'HEAD';
  /** Path below the catalog URI, e.g. `v1/config` or `v1/<prefix>/namespaces`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: JsonValue;
  readonly headers?: Readonly<Record<string, string>>;
  /** What is being done, for messages: `load table db.orders`. */
  readonly what: string;
}

export interface RestResponse {
  readonly status: number;
  readonly json: JsonValue | undefined;
  readonly call: RestCall;
}

/** Connect failures: the request never left, so it cannot have been applied. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * HTTP to one REST catalog: JSON both ways (lossless: 64-bit ids stay exact), the
 * Authorization header from RestAuth, one retry after a 401 when a new token can be had.
 */
export class RestHttpClient {
  private readonly base: string;

  constructor(
    readonly uri: string,
    private readonly auth: RestAuth,
    private readonly headers: Readonly<Record<string, string>> = {},
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.base = uri.replace(/\/+$/, '');
  }

  /** Sends and returns any status; throws RestNetworkError when no answer came. */
  async send(req: RestRequest): Promise<RestResponse> {
    const url = `${this.base}/${req.path}`;
    const call: RestCall = { what: req.what, method: req.method, url, catalog: this.base };
    const query = new URLSearchParams(Object.entries(req.query ?? {}).filter((e): e is [string, string] => e[1] !== undefined)).toString();
    let authorization = await this.auth.authorization();
    let res = await this.fetchOnce(call, query ? `${url}?${query}` : url, req, authorization);
    if (res.status === 401 && (await this.auth.renewAfterUnauthorized(authorization))) {
      authorization = await this.auth.authorization();
      res = await this.fetchOnce(call, query ? `${url}?${query}` : url, req, authorization);
    }
    const text = await res.text();
    let json: JsonValue | undefined;
    if (text.length > 0) {
      try {
        json = parseJson(text, url);
      } catch {
        json = text.slice(0, 500); // a proxy's HTML page: kept as text for the message
      }
    }
    return { status: res.status, json, call };
  }

  /** Sends and returns the JSON of a 2xx answer; any other status is a typed error. */
  async call(req: RestRequest): Promise<JsonValue | undefined> {
    const res = await this.send(req);
    if (res.status >= 200 && res.status < 300) return res.json;
    throw this.errorOf(res);
  }

  errorOf(res: RestResponse): IcetideError {
    const body = readErrorBody(res.json);
    return errorFromResponse(res.call, res.status, {
      message: body.message === undefined ? (typeof res.json === 'string' ? this.auth.redact(res.json) : undefined) : this.auth.redact(body.message),
      type: body.type,
    });
  }

  private async fetchOnce(call: RestCall, url: string, req: RestRequest, authorization: string | undefined): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...this.headers, ...(req.headers ?? {}) };
    if (authorization) headers['authorization'] = authorization;
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await this.fetchImpl(url, { method: req.method, headers, ...(req.body !== undefined ? { body: stringifyJson(req.body) } : {}) });
    } catch (err) {
      const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
      const code = cause?.code;
      const sent = !(code !== undefined && NOT_SENT_CODES.has(code));
      const why = this.auth.redact(cause?.message ?? (err as Error).message);
      throw new RestNetworkError(
        `${call.what}: the REST catalog ${call.catalog} ${sent ? 'did not answer' : 'cannot be reached'} (${why}); check the catalog uri and that the server is up`,
        sent,
        { url: call.url, ...(code ? { code } : {}) },
        { cause: err },
      );
    }
  }
}
