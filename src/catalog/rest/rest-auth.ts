import { CatalogAccessError, CatalogUnavailableError } from '../../errors.js';
import { parseJson } from '../../iceberg/spec/lossless-json.js';
import { Redactor } from '../../io/s3-errors.js';
import { readTokenResponse } from './rest-wire.js';

export interface RestAuthConfig {
  /** A bearer token used as is (never refreshed). */
  readonly token?: string;
  /** OAuth2 client credentials `client_id:client_secret` (or a bare secret). */
  readonly credential?: string;
  /** Token endpoint; default `<uri>/v1/oauth/tokens`. */
  readonly oauth2ServerUri?: string;
  /** Default `catalog` (the scope Iceberg's clients ask for). */
  readonly scope?: string;
}

/** Refresh this long before expiry: a fifth of the lifetime, at most a minute. */
function refreshMarginMs(lifetimeMs: number): number {
  return Math.min(60_000, lifetimeMs / 5);
}

/**
 * The Authorization header of REST catalog requests: a fixed bearer token, or an OAuth2
 * client-credentials token fetched from the token endpoint, refreshed before it expires and
 * once more when the catalog answers 401. Secrets never appear in messages (see redact).
 */
export class RestAuth {
  private current: { token: string; refreshAtMs: number | undefined } | undefined;
  private exchanging: Promise<string> | undefined;
  readonly tokenEndpoint: string | undefined;

  constructor(
    private readonly cfg: RestAuthConfig,
    catalogUri: string,
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly now: () => number = Date.now,
  ) {
    this.tokenEndpoint = cfg.credential === undefined ? undefined : (cfg.oauth2ServerUri ?? `${catalogUri.replace(/\/+$/, '')}/v1/oauth/tokens`);
  }

  /** The header value, or undefined for a catalog without auth. */
  async authorization(): Promise<string | undefined> {
    if (this.cfg.token !== undefined && this.cfg.credential === undefined) return `Bearer ${this.cfg.token}`;
    if (this.cfg.credential === undefined) return undefined;
    const c = this.current;
    if (c && (c.refreshAtMs === undefined || this.now() < c.refreshAtMs)) return `Bearer ${c.token}`;
    return `Bearer ${await this.exchange()}`;
  }

  /** After a 401: fetch a new token when one can be fetched (true), so the request is sent once more. */
  async renewAfterUnauthorized(rejected: string | undefined): Promise<boolean> {
    if (this.cfg.credential === undefined) return false;
    // Several requests may have been refused with the same token: one exchange serves them all.
    if (this.current && rejected === `Bearer ${this.current.token}`) this.current = undefined;
    await this.exchange();
    return true;
  }

  /** Hides the token, the client secret and any token fetched so far. */
  redact(text: string): string {
    const [id, secret] = splitCredential(this.cfg.credential);
    return new Redactor([this.cfg.token, secret, this.cfg.credential, this.current?.token, id && secret ? `${id}:${secret}` : undefined]).redact(text);
  }

  private exchange(): Promise<string> {
    this.exchanging ??= this.fetchToken().finally(() => {
      this.exchanging = undefined;
    });
    return this.exchanging;
  }

  private async fetchToken(): Promise<string> {
    const endpoint = this.tokenEndpoint!;
    const [clientId, clientSecret] = splitCredential(this.cfg.credential);
    const form = new URLSearchParams({ grant_type: 'client_credentials', ...(clientId ? { client_id: clientId } : {}), client_secret: clientSecret ?? '', scope: this.cfg.scope ?? 'catalog' });
    const started = this.now();
    let res: Response;
    try {
      res = await this.fetchImpl(endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form.toString() });
    } catch (err) {
      throw new CatalogUnavailableError(`OAuth2 token endpoint ${endpoint} cannot be reached: ${this.redact(String((err as Error).cause ?? (err as Error).message))}; check oauth2-server-uri`, { endpoint });
    }
    const text = await res.text();
    if (!res.ok) {
      throw new CatalogAccessError(
        `OAuth2 token endpoint ${endpoint} refused the client credentials (${res.status}): ${this.redact(describeOAuthError(text))}; check credential (client_id:client_secret), scope and oauth2-server-uri`,
        { endpoint, status: res.status },
      );
    }
    const token = readTokenResponse(parseJson(text, endpoint));
    const lifetimeMs = token.expiresInSeconds === undefined ? undefined : token.expiresInSeconds * 1000;
    this.current = { token: token.accessToken, refreshAtMs: lifetimeMs === undefined ? undefined : started + lifetimeMs - refreshMarginMs(lifetimeMs) };
    return token.accessToken;
  }
}

function splitCredential(credential: string | undefined): [string | undefined, string | undefined] {
  if (credential === undefined) return [undefined, undefined];
  const i = credential.indexOf(':');
  return i < 0 ? [undefined, credential] : [credential.slice(0, i), credential.slice(i + 1)];
}

/** RFC 6749 section 5.2 `{ error, error_description }`, or the REST error shape, or the text. */
function describeOAuthError(text: string): string {
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    if (typeof v['error'] === 'string') return typeof v['error_description'] === 'string' ? `${v['error']}: ${v['error_description']}` : v['error'];
    const e = v['error'] as Record<string, unknown> | undefined;
    if (e && typeof e['message'] === 'string') return e['message'];
  } catch {
    // not JSON: the text itself
  }
  return text.slice(0, 200);
}
