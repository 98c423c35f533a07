import type { RestAuthConfig } from './rest-auth.js';

/** A REST catalog as configured (pipeline `target.catalog`, manager `catalog`, CLI `--catalog-uri http…`). */
export interface RestCatalogSpec extends RestAuthConfig {
  readonly type: 'rest';
  readonly uri: string;
  readonly name?: string;
  /** Sent to /v1/config: a location or the server's warehouse/catalog name. */
  readonly warehouse?: string;
  readonly prefix?: string;
  readonly accessDelegation?: string;
}
