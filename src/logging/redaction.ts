/**
 * Credentials never reach a log line: `scheme://user:password@host` keeps the user and
 * hides the password, and values under secret-looking keys are replaced whole.
 */
const SECRET_KEY = /pass(word)?|secret|token|credential|api[-_]?key|private[-_]?key/i;
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@\s/]*@/gi;

export function scrubString(s: string): string {
  return s.replace(URL_PASSWORD, '$1:***@');
}

export function scrubSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubString(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubSecrets(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: scrubString(value.message) };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) && v !== undefined && v !== null ? '***' : scrubSecrets(v, depth + 1);
  return out;
}

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
