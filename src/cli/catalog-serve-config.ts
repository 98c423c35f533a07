/**
 * The `icetide catalog serve --catalog CONFIG` file: which catalog to serve and how.
 *
 *   catalog: filesystem | { type: sql, uri: sqlite:./catalog.db, name: lake }
 *   warehouse: ./warehouse            # path or s3://… / hdfs://…; relative to this file
 *   storage: { s3: { … } }            # the keys of a pipeline's target.storage
 *   prefix: lake                      # routes under /v1/lake/… (optional)
 *   auth:
 *     token: ${ICETIDE_REST_TOKEN}    # bearer token (else $ICETIDE_REST_TOKEN)
 *     client-id: spark                # optional OAuth2 client credentials for /v1/oauth/tokens
 *     client-secret: ${SPARK_SECRET}
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import type { CatalogSpec } from '../catalog/open-catalog.js';
import type { RestAuthConfig } from '../catalog/rest-server/rest-auth.js';
import { ConfigError } from '../errors.js';
import { storageConfigSchema, toStorageConfig } from '../io/storage-config-schema.js';
import type { StorageConfig } from '../io/storage-config.js';
import { substituteEnv, type Env, type EnvIssue } from '../pipeline/config-env.js';
import { formatKeyPath } from '../pipeline/config.js';

const schema = z.strictObject({
  catalog: z.union([z.literal('filesystem'), z.strictObject({ type: z.literal('sql'), uri: z.string().min(1), name: z.string().min(1).max(255).default('icetide') })]).default('filesystem'),
  warehouse: z.string().min(1),
  storage: storageConfigSchema.optional(),
  prefix: z.string().regex(/^[A-Za-z0-9_-]+$/, { error: 'letters, digits, _ and - only (one path segment)' }).optional(),
  auth: z.strictObject({
    token: z.string().min(1).optional(),
    'client-id': z.string().min(1).optional(),
    'client-secret': z.string().min(1).optional(),
  }).refine((a) => (a['client-id'] === undefined) === (a['client-secret'] === undefined), { error: 'set both client-id and client-secret, or neither' }).default({}),
});

export interface CatalogServeConfig {
  readonly catalog: CatalogSpec;
  readonly warehouse: string;
  readonly storage: StorageConfig;
  readonly prefix?: string;
  readonly auth: RestAuthConfig;
}

/** Parses a serve config; every problem names its key path. Relative paths resolve against `baseDir`. */
export function parseCatalogServeConfig(text: string, source: string, env: Env, baseDir: string): CatalogServeConfig {
  const envIssues: EnvIssue[] = [];
  let tree: unknown;
  try {
    tree = substituteEnv(parse(text) ?? {}, env, envIssues);
  } catch (err) {
    throw new ConfigError(`${source}: invalid YAML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`, { file: source });
  }
  const parsed = schema.safeParse(tree);
  const issues = [...envIssues.map((e) => `${formatKeyPath(e.path)}: ${e.message}`), ...(parsed.success ? [] : parsed.error.issues.map((i) => `${formatKeyPath(i.path)}: ${i.message}`))];
  if (issues.length > 0 || !parsed.success) throw new ConfigError(`${source}: invalid catalog serve config:\n${issues.map((i) => `  ${i}`).join('\n')}`, { file: source });
  const raw = parsed.data;
  const isUri = /^[a-z][a-z0-9+.-]*:/i.test(raw.warehouse) && !raw.warehouse.startsWith('file:');
  const token = raw.auth.token ?? env['ICETIDE_REST_TOKEN'];
  const catalog: CatalogSpec = raw.catalog === 'filesystem' ? 'filesystem' : { type: 'sql', uri: raw.catalog.uri, name: raw.catalog.name };
  return {
    catalog,
    warehouse: isUri ? raw.warehouse : path.resolve(baseDir, raw.warehouse),
    storage: toStorageConfig(raw.storage),
    ...(raw.prefix !== undefined ? { prefix: raw.prefix } : {}),
    auth: {
      ...(token ? { token } : {}),
      ...(raw.auth['client-id'] !== undefined ? { clientId: raw.auth['client-id'], clientSecret: raw.auth['client-secret']! } : {}),
    },
  };
}

export async function loadCatalogServeConfig(file: string, env: Env = process.env): Promise<CatalogServeConfig> {
  const text = await readFile(file, 'utf8').catch((err: unknown) => {
    throw new ConfigError(`${file}: cannot read the catalog serve config (${err instanceof Error ? err.message : String(err)})`, { file });
  });
  return parseCatalogServeConfig(text, file, env, path.dirname(path.resolve(file)));
}
