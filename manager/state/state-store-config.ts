/**
 * The `state` section of the manager config once validated: which store, and where. Kept free
 * of the drivers so the config loader can use it without loading them.
 */
export type StateStoreConfig =
  | { readonly type: 'sqlite'; /** A file path or `:memory:`. */ readonly path: string }
  | { readonly type: 'postgres'; readonly url: string; readonly schema: string };

export const STATE_STORE_TYPES = ['sqlite', 'postgres'] as const;

export const POSTGRES_DEFAULT_SCHEMA = 'icetide';

/**
 * A schema name we quote ourselves (identifiers cannot be query parameters). Lower case only,
 * so that the quoted name is also what an unquoted `icetide.manager_runs` in psql finds.
 */
export const SCHEMA_NAME_RE = /^[a-z_][a-z0-9_]{0,62}$/;

export const POSTGRES_URL_RE = /^postgres(ql)?:\/\//;
