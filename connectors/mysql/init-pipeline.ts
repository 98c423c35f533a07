/**
 * `icetide init mysql://...`: reads INFORMATION_SCHEMA and writes a ready-to-run pipeline YAML
 * (every matched table, keyed tables as format v2 upsert, the others as v1 append, optional
 * day partitioning on a date column), and checks the server's binlog settings. The password
 * never reaches the YAML or the output: the YAML reads it from ${MYSQL_PASSWORD}.
 */
import { stringify } from 'yaml';
import { ValidationError } from '../../src/errors.js';
import { connect } from './connection.js';
import { discoverTables, type MySqlTable } from './discovery.js';
import { binlogProblems, serverInfo } from './server-checks.js';

export interface InitOptions {
  readonly url: string;
  /** Regex over `db.table` (or the bare table name). */
  readonly tables?: string;
  readonly warehouse: string;
  readonly namespace?: string;
  readonly pipelineId?: string;
  /** Partition every table that has this DATE/DATETIME/TIMESTAMP column by day(column). */
  readonly partitionByDate?: string;
  /** The password when the URL has none (the CLI passes $MYSQL_PASSWORD: no password on a command line). */
  readonly password?: string;
}

export interface InitResult {
  readonly yaml: string;
  readonly tables: readonly { readonly name: string; readonly mode: 'upsert' | 'append'; readonly partitioned: boolean }[];
  /** Binlog settings to change before CDC works (empty: fine). */
  readonly problems: readonly string[];
  readonly serverVersion: string;
  /** The URL had a password: the YAML reads it from this environment variable. */
  readonly passwordEnv?: string;
}

export interface MySqlUrl {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password?: string;
  readonly database?: string;
}

const URL_FORM = 'mysql://USER@HOST[:PORT][/DATABASE] (password in $MYSQL_PASSWORD)';

/** The URL with any password replaced by ***, for messages. */
function redactedUrl(url: string): string {
  return url.replace(/^([a-z][\w+.-]*:\/\/[^:/@]*):[^@]*@/i, '$1:***@');
}

export function parseMySqlUrl(url: string): MySqlUrl {
  const scheme = /^([a-z][\w+.-]*):\/\//i.exec(url)?.[1];
  if (scheme === undefined) throw new ValidationError(`"${redactedUrl(url)}" is not a URL: expected ${URL_FORM}`);
  if (!['mysql', 'mariadb'].includes(scheme.toLowerCase())) throw new ValidationError(`the URL scheme is ${scheme}://, expected mysql:// (or mariadb://): ${URL_FORM}`);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    const port = /@[^/:]*:([^/]*)/.exec(url)?.[1];
    const part = port !== undefined && !/^\d{1,5}$/.test(port) ? `the PORT "${port}" is not a number` : 'it cannot be parsed';
    throw new ValidationError(`"${redactedUrl(url)}": ${part}; expected ${URL_FORM}`);
  }
  if (!u.username) throw new ValidationError(`"${redactedUrl(url)}" has no USER: expected ${URL_FORM}`);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(database ? { database } : {}),
  };
}

const DATE_TYPES = new Set(['date', 'datetime', 'timestamp']);
export const PASSWORD_ENV = 'MYSQL_PASSWORD';

export async function initPipeline(o: InitOptions): Promise<InitResult> {
  const parsed = parseMySqlUrl(o.url);
  const url: MySqlUrl = parsed.password === undefined && o.password ? { ...parsed, password: o.password } : parsed;
  const re = o.tables !== undefined ? new RegExp(`^(?:${o.tables})$`) : undefined;
  const filter = (name: string): boolean => {
    const [db, table] = [name.slice(0, name.indexOf('.')), name.slice(name.indexOf('.') + 1)];
    if (url.database !== undefined && db !== url.database) return false;
    return re === undefined || re.test(name) || re.test(table);
  };
  const c = await connect({ host: url.host, port: url.port, user: url.user, ...(url.password !== undefined ? { password: url.password } : {}) }, `mysql://${url.user}@${url.host}:${url.port}`);
  let tables: MySqlTable[];
  let problems: string[];
  let version: string;
  try {
    const info = await serverInfo(c);
    version = info.version;
    problems = binlogProblems(info);
    tables = await discoverTables(c, filter);
  } finally {
    await c.end().catch(() => undefined);
  }
  if (tables.length === 0) throw new ValidationError(`no tables found${url.database ? ` in database ${url.database}` : ''}${o.tables ? ` matching ${o.tables}` : ''}`);
  const summary: { name: string; mode: 'upsert' | 'append'; partitioned: boolean }[] = [];
  const entries = tables.map((t) => {
    const keyed = t.primaryKey.length > 0;
    const dateCol = o.partitionByDate !== undefined ? t.mysqlColumns.find((c2) => c2.name === o.partitionByDate && DATE_TYPES.has(c2.dataType)) : undefined;
    summary.push({ name: t.name, mode: keyed ? 'upsert' : 'append', partitioned: dateCol !== undefined });
    return {
      source: t.name,
      mode: keyed ? 'upsert' : 'append',
      'format-version': keyed ? 2 : 1,
      ...(dateCol ? { 'partition-by': [`day(${dateCol.name})`] } : {}),
    };
  });
  const doc = {
    'pipeline-id': o.pipelineId ?? `mysql-${(url.database ?? 'all').toLowerCase().replace(/[^a-z0-9_-]/g, '_')}`,
    source: {
      type: 'mysql',
      host: url.host,
      port: url.port,
      user: url.user,
      ...(url.password !== undefined ? { password: `\${${PASSWORD_ENV}}` } : {}),
      from: 'snapshot',
      snapshot: { mode: 'initial', 'chunk-size': 50000, parallelism: 2 },
    },
    tables: entries,
    target: { warehouse: o.warehouse, namespace: (o.namespace ?? url.database ?? 'mysql').replace(/[^A-Za-z0-9_.-]/g, '_') },
    commit: { 'interval-ms': 5000, 'max-rows': 100000 },
  };
  const header = [
    `# Generated by icetide init from ${url.user}@${url.host}:${url.port}${url.database ? `/${url.database}` : ''} (${version}).`,
    '# Tables with a primary key are upsert mirrors (Iceberg v2); tables without one are appended (v1).',
    ...(url.password !== undefined ? [`# The password is read from the environment: export ${PASSWORD_ENV}=...`] : []),
    ...problems.map((p) => `# FIX BEFORE RUNNING: ${p}`),
  ].join('\n');
  return {
    yaml: `${header}\n${stringify(doc, { lineWidth: 0 })}`,
    tables: summary,
    problems,
    serverVersion: version,
    ...(url.password !== undefined ? { passwordEnv: PASSWORD_ENV } : {}),
  };
}
