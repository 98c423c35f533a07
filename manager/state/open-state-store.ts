/**
 * Picks the state store from the manager config's `state` section: SQLite (the default, one
 * file beside the warehouse) or PostgreSQL (one database shared by several daemons).
 */
import { PostgresStateStore } from './postgres-state-store.js';
import { SqliteStateStore } from './sqlite-state-store.js';
import type { StateStoreConfig } from './state-store-config.js';
import type { StateStore } from './state-store.js';

/** Opens SQLite at once; PostgreSQL connects on `open()` or the first call. */
export function openStateStore(c: StateStoreConfig): StateStore {
  return c.type === 'sqlite' ? new SqliteStateStore(c.path) : new PostgresStateStore({ url: c.url, schema: c.schema });
}
