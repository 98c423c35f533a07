import type { FileIO } from '../io/file-io.js';
import { LocalFileIO } from '../io/local-file-io.js';
import type { Catalog } from './catalog.js';
import { FilesystemCatalog } from './filesystem-catalog.js';
import type { StorageConfig } from '../io/storage-config.js';
import { RestCatalog } from './rest/rest-catalog.js';
import type { RestCatalogSpec } from './rest/rest-catalog-spec.js';
import { SqlCatalog } from './sql-catalog.js';

/** Which catalog holds the tables' pointers: the warehouse directory itself, a SQL database, or a REST catalog. */
export type CatalogSpec = 'filesystem' | { readonly type: 'sql'; readonly uri: string; readonly name: string } | RestCatalogSpec;

/**
 * The catalog a pipeline, the CLI or the manager opens; a SQL one must be `close()`d. A REST
 * catalog picks each table's FileIO from its location and `storage` (plus vended credentials),
 * so `io` is not used for it.
 */
export function openCatalog(spec: CatalogSpec, warehouse: string | undefined, o: { io?: FileIO; cwd?: string; storage?: StorageConfig } = {}): Catalog {
  if (spec !== 'filesystem' && spec.type === 'rest') {
    const { type: _type, ...options } = spec;
    return new RestCatalog({ ...options, ...(o.storage ? { storage: o.storage } : {}) });
  }
  const io = o.io ?? new LocalFileIO();
  if (spec === 'filesystem') {
    if (warehouse === undefined) throw new Error('unreachable: the filesystem catalog is opened with a warehouse');
    return new FilesystemCatalog(warehouse, io);
  }
  return new SqlCatalog({ uri: spec.uri, name: spec.name, io, ...(warehouse !== undefined ? { warehouse } : {}), ...(o.cwd ? { cwd: o.cwd } : {}) });
}
