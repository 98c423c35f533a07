/**
 * Loads `manager.yaml`: YAML -> `${ENV}` substitution -> zod shapes -> ManagerConfig. Every
 * problem is reported at once with its key path (`policies[0].jobs.expire.interval: ...`).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../../src/errors.js';
import { parseDuration } from '../../src/duration.js';
import { substituteEnv, type Env, type EnvIssue } from '../../src/pipeline/config-env.js';
import { formatKeyPath, type ConfigIssue } from '../../src/pipeline/config.js';
import { isJobName } from '../jobs.js';
import { POSTGRES_DEFAULT_SCHEMA, type StateStoreConfig } from '../state/state-store-config.js';
import { globToRegex, type JobPolicy, type ManagerConfig, type Policy, type TimeWindow } from './config.js';
import { managerConfigSchema, WINDOW_RE, type RawJobPolicy, type RawManagerConfig } from './config-schema.js';
import { filesystemCatalogStorageProblem } from '../../src/catalog/filesystem-catalog-storage.js';
import { toStorageConfig } from '../../src/io/storage-config-schema.js';
import { toRestCatalogSpec } from '../../src/catalog/rest/rest-catalog-config-schema.js';

export class ManagerConfigError extends ConfigError {
  constructor(readonly file: string, readonly issues: readonly ConfigIssue[]) {
    super(`${file}: invalid manager config:\n${issues.map((i) => `  ${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n')}`, { file, path: issues[0]?.path, issues: issues.length });
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return JSON.stringify(v);
}

function fromZodIssue(iss: z.core.$ZodIssue): ConfigIssue[] {
  const at = (p: readonly PropertyKey[]) => formatKeyPath(p);
  switch (iss.code) {
    case 'unrecognized_keys':
      return iss.keys.map((k) => ({ path: at([...iss.path, k]), message: iss.message }));
    case 'invalid_type':
      return [{ path: at(iss.path), message: iss.input === undefined ? `missing required key (expected ${iss.expected})` : `expected ${iss.expected}, got ${describe(iss.input)}` }];
    case 'invalid_format':
      return [{ path: at(iss.path), message: `${iss.message}, got ${describe(iss.input)}` }];
    case 'too_small':
      return [{ path: at(iss.path), message: iss.origin === 'string' ? 'must not be empty' : iss.origin === 'array' ? `expected at least ${iss.minimum} item(s)` : `expected a number ${iss.inclusive ? '>=' : '>'} ${iss.minimum}, got ${describe(iss.input)}` }];
    case 'too_big':
      return [{ path: at(iss.path), message: `expected a number ${iss.inclusive ? '<=' : '<'} ${iss.maximum}, got ${describe(iss.input)}` }];
    default:
      return [{ path: at(iss.path), message: iss.message }];
  }
}

function toWindow(text: string): TimeWindow {
  const m = WINDOW_RE.exec(text)!;
  return { text, startMin: Number(m[1]) * 60 + Number(m[2]), endMin: Number(m[3]) * 60 + Number(m[4]) };
}

/** Job names of policy i in the order the file lists them (zod output follows the schema's order). */
function jobOrder(tree: unknown, i: number): string[] {
  const policies = (tree as { policies?: unknown } | null)?.policies;
  const jobs = Array.isArray(policies) ? (policies[i] as { jobs?: unknown } | undefined)?.jobs : undefined;
  return jobs !== null && typeof jobs === 'object' ? Object.keys(jobs) : [];
}

function toPolicies(raw: RawManagerConfig, tree: unknown): Policy[] {
  const defaultInterval = parseDuration(raw.scheduler['default-interval'], 'scheduler.default-interval');
  return raw.policies.map((p, index) => {
    const jobs: JobPolicy[] = [];
    const byName = p.jobs as Record<string, RawJobPolicy | null | undefined>;
    for (const name of jobOrder(tree, index)) {
      const jp = byName[name];
      if (jp === undefined || !isJobName(name)) continue;
      const j = jp ?? {};
      const interval = j.interval ?? p.interval;
      const w = j.when ?? {};
      jobs.push({
        job: name,
        intervalMs: interval === undefined ? defaultInterval : parseDuration(interval, 'interval'),
        windows: (j.windows ?? p.windows ?? []).map(toWindow),
        thresholds: {
          ...(w['min-snapshots'] !== undefined ? { minSnapshots: w['min-snapshots'] } : {}),
          ...(w['min-data-files'] !== undefined ? { minDataFiles: w['min-data-files'] } : {}),
          ...(w['min-delete-files'] !== undefined ? { minDeleteFiles: w['min-delete-files'] } : {}),
          ...(w['min-files'] !== undefined ? { minFiles: w['min-files'] } : {}),
        },
        options: j.options ?? {},
        policyIndex: index,
      });
    }
    const tables = typeof p.tables === 'string' ? [p.tables] : p.tables;
    return { index, tables: tables.map((text) => ({ text, regex: globToRegex(text) })), jobs };
  });
}

/** SQLite by default at `<warehouse>/_icetide/manager.db`; the schema enforced the rest. */
function toStateStoreConfig(s: RawManagerConfig['state'], warehouse: string, baseDir: string): StateStoreConfig {
  if (s.type === 'postgres') return { type: 'postgres', url: s.url!, schema: s.schema ?? POSTGRES_DEFAULT_SCHEMA };
  const file = s.path === undefined ? path.join(warehouse, '_icetide', 'manager.db') : s.path === ':memory:' ? ':memory:' : path.resolve(baseDir, s.path);
  return { type: 'sqlite', path: file };
}

/**
 * Parses and validates a manager config. `source` names the file in messages; relative paths
 * (warehouse, a SQLite state.path) are resolved against `baseDir`. The bearer token comes from
 * `auth.token`, else from `ICETIDE_MANAGER_TOKEN`.
 */
export function parseManagerConfig(text: string, source: string, env: Env, baseDir = process.cwd()): ManagerConfig {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) throw new ManagerConfigError(source, doc.errors.map((e) => ({ path: '', message: `invalid YAML: ${e.message.split('\n')[0]}` })));
  const tree: unknown = doc.toJS();
  if (tree === null || tree === undefined) throw new ManagerConfigError(source, [{ path: '', message: 'the file is empty (expected a YAML mapping)' }]);
  const envIssues: EnvIssue[] = [];
  const substituted = substituteEnv(tree, env, envIssues);
  const parsed = managerConfigSchema.safeParse(substituted, { reportInput: true });
  const issues: ConfigIssue[] = envIssues.map((e) => ({ path: formatKeyPath(e.path), message: e.message }));
  if (!parsed.success) for (const zi of parsed.error.issues) issues.push(...fromZodIssue(zi));
  if (issues.length > 0 || !parsed.success) throw new ManagerConfigError(source, issues);
  const raw = parsed.data;
  // A URI (s3://bucket/prefix) is taken as it is; a path is relative to the config file.
  const isUri = /^[a-z][a-z0-9+.-]*:/i.test(raw.warehouse) && !raw.warehouse.startsWith('file:');
  const warehouse = isUri ? raw.warehouse : path.resolve(baseDir, raw.warehouse);
  const storage = toStorageConfig(raw.storage);
  const late: ConfigIssue[] = [];
  const problem = raw.catalog === 'filesystem' ? filesystemCatalogStorageProblem(warehouse, storage) : undefined;
  if (problem) late.push({ path: 'warehouse', message: problem.replace('target.catalog: sql', 'catalog: { type: sql, ... }').replace('target.storage.s3', 'storage.s3') });
  if (isUri && (raw.state.type ?? 'sqlite') === 'sqlite' && raw.state.path === undefined) {
    late.push({ path: 'state.path', message: `required when the warehouse is not a local directory (${warehouse}): give a local SQLite file, or use state.type: postgres` });
  }
  if (late.length > 0) throw new ManagerConfigError(source, late);
  const token = raw.auth.token ?? env['ICETIDE_MANAGER_TOKEN'];
  return {
    warehouse,
    storage,
    catalog: raw.catalog === 'filesystem' ? 'filesystem' : raw.catalog.type === 'sql' ? { type: 'sql', uri: raw.catalog.uri, name: raw.catalog.name } : toRestCatalogSpec(raw.catalog),
    http: { host: raw.http.host, port: raw.http.port },
    ...(token ? { authToken: token } : {}),
    state: toStateStoreConfig(raw.state, warehouse, baseDir),
    scheduler: {
      maxConcurrentJobs: raw.scheduler['max-concurrent-jobs'],
      pollIntervalMs: parseDuration(raw.scheduler['poll-interval'], 'scheduler.poll-interval'),
      respectWriterCadence: raw.scheduler['respect-writer-cadence'],
    },
    policies: toPolicies(raw, substituted),
  };
}

export async function loadManagerConfig(file: string, env: Env = process.env): Promise<ManagerConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`${file}: cannot read the manager config: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { file }, { cause: err });
  }
  return parseManagerConfig(text, file, env, path.dirname(path.resolve(file)));
}
