import { ValidationError } from '../../errors.js';
import type { FileIO } from '../../io/file-io.js';
import { fileIOFor } from '../../io/file-io-registry.js';
import type { StorageConfig } from '../../io/storage-config.js';
import type { JsonObject, JsonValue } from '../../iceberg/spec/lossless-json.js';
import { partitionSpecToJson, schemaToJson, sortOrderToJson } from '../../iceberg/spec/schema-json.js';
import { Table } from '../../iceberg/table.js';
import type { Catalog, CreateTableOptions, TableIdentifier } from '../catalog.js';
import { formatTableIdentifier } from '../catalog.js';
import { RestAuth, type RestAuthConfig } from './rest-auth.js';
import { RestHttpClient, type RestRequest } from './rest-http-client.js';
import { loadTableResult, RestTableOperations, stateOf, tableError, type RestTableContext } from './rest-table-operations.js';
import { storageWithCatalogConfig } from './rest-vended-storage.js';
import {
  identifierToJson,
  NAMESPACE_SEPARATOR,
  readCatalogConfig,
  readLoadTableResult,
  readNamespaceProperties,
  readNamespacesPage,
  readTablesPage,
  RestPaths,
  type LoadTableResult,
  type Page,
} from './rest-wire.js';

export const DEFAULT_REST_CATALOG_NAME = 'rest';

export interface RestCatalogOptions extends RestAuthConfig {
  /** The catalog's base URI, e.g. `http://localhost:8181` or `https://host/api/catalog`. */
  readonly uri: string;
  readonly name?: string;
  /** Sent as `warehouse` to /v1/config: a warehouse location or the server's catalog/warehouse name. */
  readonly warehouse?: string;
  /** Path prefix when the server's config names none. */
  readonly prefix?: string;
  /** `vended-credentials` (or `remote-signing`): sent as X-Iceberg-Access-Delegation on table loads. */
  readonly accessDelegation?: string;
  /** Local storage settings; vended ones are laid over them per table. */
  readonly storage?: StorageConfig;
  /** The FileIO of tables the catalog sends no storage config for (default: by the table location's scheme). */
  readonly io?: FileIO;
  readonly fetch?: typeof fetch;
}

interface Session {
  readonly ctx: RestTableContext;
  /** defaults < client settings < overrides (spec "GET /v1/config"). */
  readonly properties: Readonly<Record<string, string>>;
}

/**
 * A client of any Iceberg REST catalog (Polaris, Nessie, Lakekeeper, Glue's REST endpoint,
 * Unity, Gravitino, `icetide catalog serve`). The server config is fetched once, on first use.
 */
export class RestCatalog implements Catalog {
  readonly name: string;
  readonly uri: string;
  private readonly auth: RestAuth;
  private readonly client: RestHttpClient;
  private session: Promise<Session> | undefined;
  private readonly ios = new Map<string, FileIO>();

  constructor(private readonly o: RestCatalogOptions) {
    if (!/^https?:\/\//i.test(o.uri)) throw new ValidationError(`REST catalog uri "${o.uri}" must start with http:// or https://`, { uri: o.uri });
    this.name = o.name ?? DEFAULT_REST_CATALOG_NAME;
    this.uri = o.uri.replace(/\/+$/, '');
    this.auth = new RestAuth(o, this.uri, o.fetch);
    this.client = new RestHttpClient(this.uri, this.auth, {}, o.fetch);
  }

  private init(): Promise<Session> {
    this.session ??= this.loadConfig().catch((err: unknown) => {
      this.session = undefined; // a server that was down may be up on the next call
      throw err;
    });
    return this.session;
  }

  private async loadConfig(): Promise<Session> {
    const json = await this.client.call({ method: 'GET', path: 'v1/config', query: { warehouse: this.o.warehouse }, what: 'read the catalog config' });
    const config = readCatalogConfig(json);
    const own: Record<string, string> = {};
    if (this.o.warehouse !== undefined) own['warehouse'] = this.o.warehouse;
    if (this.o.prefix !== undefined) own['prefix'] = this.o.prefix;
    const properties = { ...config.defaults, ...own, ...config.overrides };
    const loadHeaders: Record<string, string> = this.o.accessDelegation ? { 'X-Iceberg-Access-Delegation': this.o.accessDelegation } : {};
    return { ctx: { client: this.client, paths: new RestPaths(properties['prefix']), loadHeaders }, properties };
  }

  private async paths(): Promise<RestPaths> {
    return (await this.init()).ctx.paths;
  }

  private async call(req: RestRequest): Promise<JsonValue | undefined> {
    return this.client.call(req);
  }

  /** Follows `next-page-token` until the server sends none. */
  private async pages<T>(path: string, what: string, query: Record<string, string | undefined>, read: (json: unknown) => Page<T>): Promise<T[]> {
    const out: T[] = [];
    let pageToken: string | undefined;
    const seen = new Set<string>();
    do {
      const page = read(await this.call({ method: 'GET', path, query: { ...query, pageToken }, what }));
      out.push(...page.items);
      pageToken = page.nextPageToken;
      if (pageToken !== undefined && seen.has(pageToken)) throw new ValidationError(`${what}: the REST catalog ${this.uri} sent the page token ${pageToken} twice`);
      if (pageToken !== undefined) seen.add(pageToken);
    } while (pageToken !== undefined);
    return out;
  }

  /** HEAD answers 204/200 or 404; servers without HEAD routes are asked with GET. */
  private async exists(path: string, what: string): Promise<boolean> {
    let res = await this.client.send({ method: 'HEAD', path, what });
    if (res.status === 405 || res.status === 501) res = await this.client.send({ method: 'GET', path, what });
    if (res.status === 404) return false;
    if (res.status >= 200 && res.status < 300) return true;
    throw this.client.errorOf(res);
  }

  async listNamespaces(parent: readonly string[] = []): Promise<string[][]> {
    const query = { parent: parent.length > 0 ? parent.join(NAMESPACE_SEPARATOR) : undefined };
    return this.pages((await this.paths()).namespaces(), `list namespaces${parent.length ? ` of ${parent.join('.')}` : ''}`, query, readNamespacesPage);
  }

  async createNamespace(namespace: readonly string[], properties: Readonly<Record<string, string>> = {}): Promise<void> {
    if (namespace.length === 0) throw new ValidationError('namespace must not be empty');
    await this.call({ method: 'POST', path: (await this.paths()).namespaces(), body: { namespace: [...namespace], properties: { ...properties } }, what: `create namespace ${namespace.join('.')}` });
  }

  async namespaceExists(namespace: readonly string[]): Promise<boolean> {
    if (namespace.length === 0) return true;
    return this.exists((await this.paths()).namespace(namespace), `check namespace ${namespace.join('.')}`);
  }

  async dropNamespace(namespace: readonly string[]): Promise<void> {
    const what = `drop namespace ${namespace.join('.')}`;
    const res = await this.client.send({ method: 'DELETE', path: (await this.paths()).namespace(namespace), what });
    if (res.status >= 200 && res.status < 300) return;
    const err = this.client.errorOf(res);
    // 409 NamespaceNotEmptyException, not "already exists".
    if (res.status === 409) throw new ValidationError(`${err.message}: drop its tables and namespaces first`, { ...err.context, namespace: namespace.join('.') });
    throw err;
  }

  async loadNamespaceProperties(namespace: readonly string[]): Promise<Record<string, string>> {
    return readNamespaceProperties(await this.call({ method: 'GET', path: (await this.paths()).namespace(namespace), what: `load namespace ${namespace.join('.')}` }));
  }

  async updateNamespaceProperties(namespace: readonly string[], updates: Readonly<Record<string, string>>, removals: readonly string[] = []): Promise<void> {
    const body: JsonObject = { updates: { ...updates }, removals: [...removals] };
    await this.call({ method: 'POST', path: (await this.paths()).namespaceProperties(namespace), body, what: `update properties of namespace ${namespace.join('.')}` });
  }

  async listTables(namespace: readonly string[]): Promise<TableIdentifier[]> {
    return this.pages((await this.paths()).tables(namespace), `list tables of ${namespace.join('.')}`, {}, readTablesPage);
  }

  async createTable(id: TableIdentifier, o: CreateTableOptions): Promise<Table> {
    const session = await this.init();
    const properties: Record<string, string> = { ...(o.properties ?? {}) };
    if (o.formatVersion !== undefined) properties['format-version'] = String(o.formatVersion);
    const body: JsonObject = { name: id.name, schema: schemaToJson(o.schema), properties, 'stage-create': false };
    if (o.location !== undefined) body['location'] = o.location;
    if (o.spec) body['partition-spec'] = partitionSpecToJson(o.spec);
    if (o.sortOrder) body['write-order'] = sortOrderToJson(o.sortOrder);
    const json = await this.call({ method: 'POST', path: session.ctx.paths.tables(id.namespace), body, headers: session.ctx.loadHeaders, what: `create table ${formatTableIdentifier(id)}` });
    return this.tableOf(session, id, readLoadTableResult(json, `create table ${formatTableIdentifier(id)}`));
  }

  async loadTable(id: TableIdentifier): Promise<Table> {
    const session = await this.init();
    return this.tableOf(session, id, await loadTableResult(session.ctx, id));
  }

  /** Registers an existing metadata file under `id` (nothing is rewritten). */
  async registerTable(id: TableIdentifier, metadataLocation: string): Promise<Table> {
    const session = await this.init();
    const json = await this.call({
      method: 'POST', path: session.ctx.paths.register(id.namespace), body: { name: id.name, 'metadata-location': metadataLocation }, headers: session.ctx.loadHeaders,
      what: `register table ${formatTableIdentifier(id)} at ${metadataLocation}`,
    });
    return this.tableOf(session, id, readLoadTableResult(json, `register table ${formatTableIdentifier(id)}`));
  }

  async tableExists(id: TableIdentifier): Promise<boolean> {
    return this.exists((await this.paths()).table(id), `check table ${formatTableIdentifier(id)}`);
  }

  async renameTable(from: TableIdentifier, to: TableIdentifier): Promise<void> {
    try {
      await this.call({ method: 'POST', path: (await this.paths()).rename(), body: { source: identifierToJson(from), destination: identifierToJson(to) }, what: `rename table ${formatTableIdentifier(from)} to ${formatTableIdentifier(to)}` });
    } catch (err) {
      throw tableError(err, from);
    }
  }

  /** `purge` asks the server to delete the table's files too (purgeRequested). */
  async dropTable(id: TableIdentifier, purge = false): Promise<void> {
    try {
      await this.call({ method: 'DELETE', path: (await this.paths()).table(id), query: { purgeRequested: purge ? 'true' : undefined }, what: `drop table ${formatTableIdentifier(id)}` });
    } catch (err) {
      throw tableError(err, id);
    }
  }

  private tableOf(session: Session, id: TableIdentifier, result: LoadTableResult): Table {
    const ops = new RestTableOperations(session.ctx, id, this.ioFor(session, result), result.metadata);
    return new Table(ops, stateOf(result));
  }

  /** Vended credentials and storage settings of the catalog build the table's FileIO. */
  private ioFor(session: Session, result: LoadTableResult): FileIO {
    const local = this.o.storage ?? {};
    const storage = storageWithCatalogConfig(local, { ...session.properties, ...result.config });
    if (!storage && this.o.io) return this.o.io;
    const location = result.metadata.location;
    const key = `${/^[a-z][a-z0-9+.-]*:/i.exec(location)?.[0] ?? 'file:'}${JSON.stringify(storage ?? local)}`;
    let io = this.ios.get(key);
    if (!io) this.ios.set(key, (io = fileIOFor(location, storage ?? local)));
    return io;
  }
}
