import { scrubString } from '../../src/logging/redaction.js';

/**
 * `postgres://user:***@host:5432/db`: a database URL fit for messages and logs, its password
 * (in the user info or a `?password=` parameter) replaced by `***`.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString();
  } catch {
    return scrubString(url);
  }
}
