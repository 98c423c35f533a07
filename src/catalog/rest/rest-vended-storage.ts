import type { S3StorageConfig, StorageConfig } from '../../io/storage-config.js';

/**
 * Storage settings a REST catalog hands out (catalog `config` defaults/overrides, and a
 * LoadTableResult's `config` when credentials are vended), in Iceberg's FileIO property names,
 * laid over the storage configured locally. Undefined when the catalog sent none.
 */
export function storageWithCatalogConfig(local: StorageConfig, config: Readonly<Record<string, string>>): StorageConfig | undefined {
  const s3: { -readonly [K in keyof S3StorageConfig]: S3StorageConfig[K] } = {};
  const set = <K extends keyof S3StorageConfig>(key: K, value: S3StorageConfig[K] | undefined) => {
    if (value !== undefined) s3[key] = value;
  };
  set('accessKeyId', config['s3.access-key-id']);
  set('secretAccessKey', config['s3.secret-access-key']);
  set('sessionToken', config['s3.session-token']);
  set('endpoint', config['s3.endpoint']);
  set('region', config['client.region'] ?? config['s3.region']);
  const pathStyle = config['s3.path-style-access'];
  if (pathStyle !== undefined) s3.pathStyle = pathStyle.toLowerCase() === 'true';
  if (Object.keys(s3).length === 0) return undefined;
  // Vended keys replace the local ones together: a local session token must not ride with vended keys.
  const base = s3.accessKeyId !== undefined ? withoutKeys(local.s3 ?? {}) : (local.s3 ?? {});
  return { ...local, s3: { ...base, ...s3 } };
}

function withoutKeys(s3: S3StorageConfig): S3StorageConfig {
  const { accessKeyId: _a, secretAccessKey: _s, sessionToken: _t, ...rest } = s3;
  return rest;
}
