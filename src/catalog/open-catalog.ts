import type { FileIO } from '../io/file-io.js';
import { LocalFileIO } from '../io/local-file-io.js';
import type { Catalog } from './catalog.js';
import { FilesystemCatalog } from './filesystem-catalog.js';
import { SqlCatalog } from './sql-catalog.js';

/** Which catalog holds the tables' pointers: the warehouse directory itself, or a SQL database. */
export type CatalogSpec = 'filesystem' | { readonly type: 'sql'; readonly uri: string; readonly name: string };

/** The catalog a pipeline, the CLI or the manager opens; a SQL one must be `close()`d. */
export function openCatalog(spec: CatalogSpec, warehouse: string | undefined, o: { io?: FileIO; cwd?: string } = {}): Catalog {
  const io = o.io ?? new LocalFileIO();
  if (spec === 'filesystem') {
    if (warehouse === undefined) throw new Error('unreachable: the filesystem catalog is opened with a warehouse');
    return new FilesystemCatalog(warehouse, io);
  }
  return new SqlCatalog({ uri: spec.uri, name: spec.name, io, ...(warehouse !== undefined ? { warehouse } : {}), ...(o.cwd ? { cwd: o.cwd } : {}) });
}
