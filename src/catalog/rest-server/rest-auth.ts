import { randomBytes, timingSafeEqual } from 'node:crypto';

/** What a client must present: a fixed bearer token and/or OAuth2 client credentials. */
export interface RestAuthConfig {
  /** Accepted as `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Exchanged at POST /v1/oauth/tokens (client_credentials) for a short-lived token. */
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** Lifetime of issued tokens; default 3600 s. */
  readonly tokenTtlSeconds?: number;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Bearer-token checks and the tokens issued for client credentials (kept in memory: a
 * restarted server asks clients to authenticate again, which Iceberg clients do on 401).
 */
export class RestAuth {
  private readonly issued = new Map<string, number>();

  constructor(private readonly config: RestAuthConfig, private readonly now: () => number = Date.now) {}

  get required(): boolean {
    return this.config.token !== undefined || this.config.clientId !== undefined;
  }

  get issuesTokens(): boolean {
    return this.config.clientId !== undefined && this.config.clientSecret !== undefined;
  }

  get ttlSeconds(): number {
    return this.config.tokenTtlSeconds ?? 3600;
  }

  /** Whether an Authorization header value carries an accepted bearer token. */
  accepts(authorization: string | undefined): boolean {
    const m = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    if (!m) return false;
    const token = m[1]!.trim();
    if (this.config.token !== undefined && same(token, this.config.token)) return true;
    const expires = this.issued.get(token);
    if (expires === undefined) return false;
    if (expires > this.now()) return true;
    this.issued.delete(token);
    return false;
  }

  /** A new token for matching client credentials, or undefined when they do not match. */
  issue(clientId: string, clientSecret: string): string | undefined {
    if (!this.issuesTokens || !same(clientId, this.config.clientId!) || !same(clientSecret, this.config.clientSecret!)) return undefined;
    const token = randomBytes(32).toString('base64url');
    this.issued.set(token, this.now() + this.ttlSeconds * 1000);
    return token;
  }
}
