/**
 * The YAML shape of `storage` (kebab-case keys; see storage-config.ts for their meaning),
 * shared by every config file that names a warehouse.
 */
import { z } from 'zod';
import type { StorageConfig } from './storage-config.js';

const s3 = z.strictObject({
  endpoint: z.string().regex(/^https?:\/\/[^/]+/, { error: 'expected an http:// or https:// URL, e.g. http://127.0.0.1:9000' }).optional(),
  region: z.string().min(1).optional(),
  'path-style': z.boolean().optional(),
  'access-key-id': z.string().min(1).optional(),
  'secret-access-key': z.string().min(1).optional(),
  'session-token': z.string().min(1).optional(),
  'conditional-writes': z.boolean().optional(),
  'max-attempts': z.number().int().min(1).max(20).optional(),
  'part-size': z.number().int().min(5 * 1024 * 1024, { error: 'S3 parts are at least 5 MiB (5242880 bytes)' }).optional(),
}, { error: (iss) => (iss.code === 'unrecognized_keys' ? 'unknown key (expected one of: endpoint, region, path-style, access-key-id, secret-access-key, session-token, conditional-writes, max-attempts, part-size)' : undefined) })
  .refine((v) => (v['access-key-id'] === undefined) === (v['secret-access-key'] === undefined), {
    error: 'set both access-key-id and secret-access-key, or neither (the AWS credential chain is used then)',
  });

const hdfs = z.strictObject({
  'namenode-http': z.string().regex(/^https?:\/\/[^/]+/, { error: 'expected the namenode\'s http:// or https:// address, e.g. http://nn:9870' }).optional(),
  user: z.string().min(1).optional(),
  'delegation-token': z.string().min(1).optional(),
}, { error: (iss) => (iss.code === 'unrecognized_keys' ? 'unknown key (expected one of: namenode-http, user, delegation-token)' : undefined) });

export const storageConfigSchema = z.strictObject({ s3: s3.optional(), hdfs: hdfs.optional() }, { error: (iss) => (iss.code === 'unrecognized_keys' ? 'unknown key (expected: s3, hdfs)' : undefined) });

export type RawStorageConfig = z.output<typeof storageConfigSchema>;

export function toStorageConfig(raw: RawStorageConfig | undefined): StorageConfig {
  const h = raw?.hdfs;
  const hdfs = h && Object.fromEntries(Object.entries({ namenodeHttp: h['namenode-http'], user: h.user, delegationToken: h['delegation-token'] }).filter(([, v]) => v !== undefined));
  return { ...toS3(raw), ...(hdfs ? { hdfs } : {}) };
}

function toS3(raw: RawStorageConfig | undefined): StorageConfig {
  const s = raw?.s3;
  if (!s) return {};
  const pick = <K extends keyof typeof s>(k: K) => s[k];
  const entries: [string, unknown][] = [
    ['endpoint', pick('endpoint')], ['region', pick('region')], ['pathStyle', pick('path-style')],
    ['accessKeyId', pick('access-key-id')], ['secretAccessKey', pick('secret-access-key')], ['sessionToken', pick('session-token')],
    ['conditionalWrites', pick('conditional-writes')], ['maxAttempts', pick('max-attempts')], ['partSize', pick('part-size')],
  ];
  return { s3: Object.fromEntries(entries.filter(([, v]) => v !== undefined)) };
}
