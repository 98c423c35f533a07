/**
 * The YAML shape of `{ type: rest, ... }` (pipeline `target.catalog`, manager `catalog`):
 * kebab-case keys, as Iceberg's catalog properties name them.
 */
import { z } from 'zod';
import type { RestCatalogSpec } from './rest-catalog-spec.js';

export const restCatalogConfigSchema = z.strictObject({
  type: z.literal('rest'),
  uri: z.string().regex(/^https?:\/\/[^/]+/i, { error: 'expected the catalog\'s http:// or https:// base URI, e.g. http://localhost:8181' }),
  name: z.string().min(1).max(255).optional(),
  warehouse: z.string().min(1).optional(),
  credential: z.string().min(1).optional(),
  token: z.string().min(1).optional(),
  scope: z.string().min(1).optional(),
  'oauth2-server-uri': z.string().regex(/^https?:\/\/[^/]+/i, { error: 'expected an http:// or https:// token endpoint' }).optional(),
  prefix: z.string().min(1).optional(),
  'access-delegation': z.enum(['vended-credentials', 'remote-signing']).optional(),
}, { error: (iss) => (iss.code === 'unrecognized_keys' ? 'unknown key (expected one of: type, uri, name, warehouse, credential, token, scope, oauth2-server-uri, prefix, access-delegation)' : undefined) })
  .refine((v) => v.credential === undefined || v.token === undefined, { error: 'give credential (OAuth2 client_id:client_secret) or token (a bearer token), not both' });

export type RawRestCatalogConfig = z.infer<typeof restCatalogConfigSchema>;

export function toRestCatalogSpec(raw: RawRestCatalogConfig): RestCatalogSpec {
  return {
    type: 'rest',
    uri: raw.uri,
    ...(raw.name !== undefined ? { name: raw.name } : {}),
    ...(raw.warehouse !== undefined ? { warehouse: raw.warehouse } : {}),
    ...(raw.credential !== undefined ? { credential: raw.credential } : {}),
    ...(raw.token !== undefined ? { token: raw.token } : {}),
    ...(raw.scope !== undefined ? { scope: raw.scope } : {}),
    ...(raw['oauth2-server-uri'] !== undefined ? { oauth2ServerUri: raw['oauth2-server-uri'] } : {}),
    ...(raw.prefix !== undefined ? { prefix: raw.prefix } : {}),
    ...(raw['access-delegation'] !== undefined ? { accessDelegation: raw['access-delegation'] } : {}),
  };
}
