import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseTableIdentifier, type Catalog } from '../catalog/catalog.js';
import { filesystemCatalogStorageProblem, openFilesystemCatalog } from '../catalog/filesystem-catalog-storage.js';
import { openTable } from '../catalog/open-table.js';
import { RestCatalog, type RestCatalogOptions } from '../catalog/rest/rest-catalog.js';
import { DEFAULT_SQL_CATALOG_NAME, SqlCatalog } from '../catalog/sql-catalog.js';
import { ConfigError } from '../errors.js';
import { RoutingFileIO } from '../io/routing-file-io.js';
import { storageConfigSchema, toStorageConfig } from '../io/storage-config-schema.js';
import type { StorageConfig } from '../io/storage-config.js';
import type { Table } from '../iceberg/table.js';
import { ValidationError } from '../errors.js';

export interface TableLocationOptions {
  readonly warehouse?: string;
  /** A SQL catalog (postgresql://…, mysql://…, sqlite:/path) or a REST catalog (http(s)://…) holding `ns.table`; with REST, `warehouse` is sent to its /v1/config. */
  readonly catalogUri?: string;
  readonly catalogName?: string;
  /** A YAML file with the `storage` keys of a pipeline's `target.storage` (s3, hdfs). */
  readonly storage?: string;
  /** Where REST catalog secrets are read from (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * REST catalog auth for the CLI, from the environment (secrets stay off the command line):
 * ICETIDE_CATALOG_CREDENTIAL (client_id:client_secret) or ICETIDE_CATALOG_TOKEN, plus
 * ICETIDE_CATALOG_SCOPE, ICETIDE_CATALOG_OAUTH2_SERVER_URI, ICETIDE_CATALOG_ACCESS_DELEGATION.
 */
function restAuthFromEnv(env: Readonly<Record<string, string | undefined>>): Omit<RestCatalogOptions, 'uri'> {
  const pick = (k: string) => (env[k] ? env[k] : undefined);
  const credential = pick('ICETIDE_CATALOG_CREDENTIAL');
  const token = pick('ICETIDE_CATALOG_TOKEN');
  const scope = pick('ICETIDE_CATALOG_SCOPE');
  const oauth2ServerUri = pick('ICETIDE_CATALOG_OAUTH2_SERVER_URI');
  const accessDelegation = pick('ICETIDE_CATALOG_ACCESS_DELEGATION');
  return {
    ...(credential ? { credential } : token ? { token } : {}),
    ...(scope ? { scope } : {}),
    ...(oauth2ServerUri ? { oauth2ServerUri } : {}),
    ...(accessDelegation ? { accessDelegation } : {}),
  };
}

export const WAREHOUSE_HELP = 'filesystem catalog warehouse';
export const CATALOG_URI_HELP = 'SQL catalog (JdbcCatalog tables): postgresql://user:pass@host/db, mysql://…, sqlite:/path; or an Iceberg REST catalog: http(s)://host:port (auth from ICETIDE_CATALOG_CREDENTIAL / ICETIDE_CATALOG_TOKEN)';
export const CATALOG_NAME_HELP = `catalog_name in the SQL catalog (default ${DEFAULT_SQL_CATALOG_NAME}); a REST catalog's name in messages`;

export const STORAGE_HELP = 'YAML file with storage settings for s3:// or hdfs:// tables (the keys of a pipeline\'s target.storage: s3: {endpoint, region, path-style, ...}, hdfs: {namenode-http, user, ...}); credentials otherwise from the AWS chain';

/** The `--storage FILE` settings (empty without the flag). */
export function readStorageFile(file: string | undefined): StorageConfig {
  if (file === undefined) return {};
  let raw: unknown;
  try {
    raw = parseYaml(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`--storage ${file}: cannot read it as YAML (${(err as Error).message.split('\n')[0]})`, { file });
  }
  const parsed = storageConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ');
    throw new ConfigError(`--storage ${file}: ${issues} (expected the keys of target.storage, e.g. s3: { endpoint: http://127.0.0.1:9000, path-style: true })`, { file });
  }
  return toStorageConfig(parsed.data);
}

/** Catalogs opened for this CLI run; closed by `closeOpenedCatalogs()` when the command ends. */
const opened = new Set<Catalog>();
const routed = new Set<RoutingFileIO>();

/** LOC is a table directory, a `*.metadata.json` path, or `ns.table` with --warehouse DIR or --catalog-uri URI. */
export async function resolveTable(loc: string, o: TableLocationOptions): Promise<Table> {
  const storage = readStorageFile(o.storage);
  if (o.catalogUri) {
    // the catalog's tables may live on any store: each location gets the FileIO of its scheme
    const io = new RoutingFileIO(storage);
    const catalog = /^https?:\/\//i.test(o.catalogUri)
      ? new RestCatalog({ ...restAuthFromEnv(o.env ?? process.env), uri: o.catalogUri, storage, ...(o.catalogName ? { name: o.catalogName } : {}), ...(o.warehouse ? { warehouse: o.warehouse } : {}) })
      : new SqlCatalog({ uri: o.catalogUri, name: o.catalogName ?? DEFAULT_SQL_CATALOG_NAME, io, ...(o.warehouse ? { warehouse: o.warehouse } : {}) });
    opened.add(catalog);
    routed.add(io);
    return catalog.loadTable(parseTableIdentifier(loc));
  }
  if (o.warehouse) return (await openFilesystemCatalog(o.warehouse, storage, '--warehouse')).loadTable(parseTableIdentifier(loc));
  // `ns.table` is a catalog name, not a path: say which flag gives the catalog.
  if (TABLE_NAME.test(loc) && !fs.existsSync(loc)) {
    throw new ValidationError(`${loc} is not a table directory or metadata file here; for the table ${loc} of a warehouse add --warehouse DIR (e.g. --warehouse ./warehouse)`);
  }
  // a table directory on S3 would commit through the filesystem layout: refused the same way
  const problem = filesystemCatalogStorageProblem(loc, storage);
  if (problem) throw new ConfigError(`${loc}: ${problem}`, { location: loc });
  const io = new RoutingFileIO(storage);
  routed.add(io);
  return openTable(loc, io);
}

/** Releases the connections of SQL catalogs the command opened (a pool would keep the process alive). */
export async function closeOpenedCatalogs(): Promise<void> {
  const all = [...opened];
  opened.clear();
  await Promise.all(all.map((c) => c.close?.().catch(() => undefined)));
  for (const io of routed) io.destroy();
  routed.clear();
}

const TABLE_NAME = /^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)+$/;

export function parseSnapshotId(text: string | undefined): bigint | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text)) throw new ValidationError(`--snapshot takes a snapshot id (a whole number), got "${text}"`);
  return BigInt(text);
}
