/**
 * `${ENV_VAR}` substitution in config string values (so secrets stay out of the file).
 * Applied to parsed YAML strings, not to the raw text, so a value can never break the YAML
 * syntax. `$${X}` is a literal `${X}`; an unset variable or a malformed `${...}` is an issue.
 */
export type Env = Readonly<Record<string, string | undefined>>;

export interface EnvIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

const REF = /\$\$\{|\$\{([^}]*)\}?/g;
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function substituteString(s: string, env: Env, problems: string[]): string {
  if (!s.includes('${')) return s;
  return s.replace(REF, (match: string, name: string | undefined) => {
    if (match === '$${') return '${';
    if (!match.endsWith('}')) {
      problems.push(`unterminated ${JSON.stringify(match)} (write $\${ for a literal \${)`);
      return match;
    }
    if (name === undefined || !VAR_NAME.test(name)) {
      problems.push(`${JSON.stringify(match)} is not a valid variable reference (expected \${NAME} with NAME [A-Za-z_][A-Za-z0-9_]*)`);
      return match;
    }
    const value = env[name];
    if (value === undefined) {
      problems.push(`environment variable ${name} is not set`);
      return match;
    }
    return value;
  });
}

/** Returns a copy of a parsed YAML tree with every string substituted; issues name the key path. */
export function substituteEnv(value: unknown, env: Env, issues: EnvIssue[], path: (string | number)[] = []): unknown {
  if (typeof value === 'string') {
    const problems: string[] = [];
    const out = substituteString(value, env, problems);
    for (const message of problems) issues.push({ path, message });
    return out;
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, issues, [...path, i]));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, k, { value: substituteEnv(v, env, issues, [...path, k]), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}
