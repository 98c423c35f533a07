import {
  AlreadyExistsError,
  CatalogAccessError,
  CatalogUnavailableError,
  IcetideError,
  NoSuchNamespaceError,
  NoSuchTableError,
  UnsupportedError,
  ValidationError,
  type ErrorContext,
} from '../../errors.js';
import type { RestErrorBody } from './rest-wire.js';

/**
 * The REST catalog answered with a status icetide has no better class for (a 4xx outside the
 * spec's list, or a 5xx on a read). `retriable` for 5xx / 429.
 */
export class RestCatalogError extends IcetideError {
  override readonly retriable: boolean;
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, context, options);
    this.retriable = context['retriable'] === true;
  }
}

/**
 * The catalog could not be reached, or the connection broke. `sent` says whether the request
 * may have reached the server (it matters for commits: then the outcome is unknown).
 */
export class RestNetworkError extends CatalogUnavailableError {
  constructor(message: string, readonly sent: boolean, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, { ...context, sent }, options);
  }
}

export interface RestCall {
  /** `load table db.orders` */
  readonly what: string;
  readonly method: string;
  /** The URL without query string (no secrets in it). */
  readonly url: string;
  /** The catalog URI, for "check uri" hints. */
  readonly catalog: string;
}

/** 5xx answers after which a commit's outcome is unknown (spec: CommitStateUnknownException on 500, 502, 504; 503 is listed as "may have been applied"). */
export function isUnknownOutcomeStatus(status: number): boolean {
  return status >= 500 && status <= 599;
}

/**
 * A non-2xx answer as a typed error: 404 NoSuchTable/NoSuchNamespace, 409 AlreadyExists,
 * 400 ValidationError, 401/403 CatalogAccessError, 406 UnsupportedError, 5xx/429 retriable.
 * (409 CommitFailed on a commit is handled by the table operations, not here.)
 */
export function errorFromResponse(call: RestCall, status: number, body: RestErrorBody, context: ErrorContext = {}): IcetideError {
  const detail = body.message ? `: ${body.message}` : '';
  const type = body.type ?? '';
  const ctx: ErrorContext = { ...context, status, url: call.url, ...(type ? { type } : {}) };
  const head = `${call.what}: the REST catalog ${call.catalog} answered ${status}${type ? ` ${type}` : ''}${detail}`;
  switch (status) {
    case 400:
      return new ValidationError(`${head} (the request was refused as malformed or not allowed)`, ctx);
    case 401:
    case 419:
      return new CatalogAccessError(`${head}; check the catalog's token or credential (client_id:client_secret) and oauth2-server-uri`, ctx);
    case 403:
      return new CatalogAccessError(`${head}; the principal lacks a privilege for this: grant it in the catalog`, ctx);
    case 404:
      if (/namespace/i.test(type) || (!/table/i.test(type) && /namespace/i.test(body.message ?? ''))) return new NoSuchNamespaceError(head, ctx);
      if (/table|view/i.test(type)) return new NoSuchTableError(head, ctx);
      return new RestCatalogError(`${head}; check the catalog uri, prefix and warehouse`, ctx);
    case 406:
      return new UnsupportedError(`${head}; the server does not support this operation`, ctx);
    case 409:
      return new AlreadyExistsError(head, ctx);
    default: {
      const retriable = status === 429 || status >= 500;
      return new RestCatalogError(retriable ? `${head}; the catalog is unavailable or overloaded, try again` : head, { ...ctx, retriable });
    }
  }
}
