import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Optional bearer-token auth: `Authorization: Bearer <token>` or, for a browser opening the
 * status page, `?access_token=<token>` (RFC 6750 section 2.3). `/healthz` is always open.
 */
export const OPEN_PATHS: ReadonlySet<string> = new Set(['/healthz']);

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time comparison (hashes first so lengths do not leak). */
export function tokenMatches(expected: string, given: string | undefined): boolean {
  return given !== undefined && timingSafeEqual(digest(expected), digest(given));
}

export function presentedToken(authorization: string | undefined, query: unknown): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
  if (m) return m[1]!.trim();
  const q = (query ?? {}) as Record<string, unknown>;
  return typeof q['access_token'] === 'string' ? q['access_token'] : undefined;
}
