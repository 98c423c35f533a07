import { AlreadyExistsError, CommitRaceError, NoSuchNamespaceError, NoSuchTableError, ValidationError } from '../errors.js';
import type { FileIO } from '../io/file-io.js';
import { joinLocation } from '../io/location.js';
import { LocalFileIO } from '../io/local-file-io.js';
import { newTableMetadata } from '../iceberg/metadata-updates.js';
import { Table } from '../iceberg/table.js';
import type { Catalog, CreateTableOptions, TableIdentifier } from './catalog.js';
import { formatTableIdentifier } from './catalog.js';
import { ensureJdbcCatalogTables, JdbcCatalogTables, NAMESPACE_EXISTS_PROPERTY } from './jdbc-catalog-tables.js';
import { openSqlDriver } from './open-sql-driver.js';
import { purgeTableFiles } from './purge-table-files.js';
import { SqlConstraintViolation, type SqlDriver } from './sql-driver.js';
import { SqlTableOperations } from './sql-table-operations.js';

export const DEFAULT_SQL_CATALOG_NAME = 'icetide';
/** Names that become path segments of new tables (the filesystem catalog's rule). */
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;

export interface SqlCatalogOptions {
  /** `postgresql://…`, `mysql://…` or `sqlite:/path`; or pass `driver`. */
  readonly uri?: string;
  readonly driver?: SqlDriver;
  /** The `catalog_name` every row is scoped by; default `icetide` (JdbcCatalog's is the catalog's name). */
  readonly name?: string;
  /** Root of new tables: `<warehouse>/<ns>/.../<table>`, as JdbcCatalog places them. */
  readonly warehouse?: string;
  readonly io?: FileIO;
  /** Resolves relative SQLite paths. */
  readonly cwd?: string;
}

/**
 * The catalog in a SQL database, compatible with Iceberg Java's JdbcCatalog: same tables, same
 * rows, same compare-and-swap, so icetide and Spark/Flink/Trino configured with a JDBC catalog
 * of the same name share tables. The catalog tables are created on first use when missing.
 */
export class SqlCatalog implements Catalog {
  readonly name: string;
  readonly warehouse: string | undefined;
  readonly io: FileIO;
  private readonly db: SqlDriver;
  private ready: Promise<JdbcCatalogTables> | undefined;

  constructor(o: SqlCatalogOptions) {
    if (!o.driver && !o.uri) throw new ValidationError('a SQL catalog needs a uri (postgresql://…, mysql://…, sqlite:/path) or a driver');
    this.db = o.driver ?? openSqlDriver(o.uri!, o.cwd);
    this.name = o.name ?? DEFAULT_SQL_CATALOG_NAME;
    this.warehouse = o.warehouse?.replace(/\/+$/, '');
    this.io = o.io ?? new LocalFileIO();
  }

  /** The server and database (password removed). */
  get target(): string {
    return this.db.target;
  }

  private tables(): Promise<JdbcCatalogTables> {
    this.ready ??= ensureJdbcCatalogTables(this.db).then(
      (version) => new JdbcCatalogTables(this.db, this.name, version),
      (err: unknown) => {
        this.ready = undefined; // a server that was down may be up on the next call
        throw err;
      },
    );
    return this.ready;
  }

  private static ns(namespace: readonly string[]): string {
    for (const part of namespace) {
      if (part.length === 0 || part.includes('.')) throw new ValidationError(`namespace part "${part}" must be non-empty and hold no "."`, { namespace: namespace.join('.') });
    }
    return namespace.join('.');
  }

  private static checkNewName(id: TableIdentifier): void {
    for (const part of [...id.namespace, id.name]) {
      if (!NAME.test(part)) throw new ValidationError(`"${part}" in ${formatTableIdentifier(id)} must match ${NAME.source}`, { table: formatTableIdentifier(id) });
    }
  }

  private async ops(id: TableIdentifier, location?: string): Promise<SqlTableOperations> {
    return new SqlTableOperations(this.io, await this.tables(), SqlCatalog.ns(id.namespace), id.name, formatTableIdentifier(id), location);
  }

  private noSuchNamespace(namespace: readonly string[]): NoSuchNamespaceError {
    return new NoSuchNamespaceError(`namespace ${namespace.join('.')} does not exist in the SQL catalog ${this.name} (${this.db.target})`, { namespace: namespace.join('.'), catalog: this.name });
  }

  async listNamespaces(parent: readonly string[] = []): Promise<string[][]> {
    const all = (await (await this.tables()).namespaceStrings()).filter((s) => s.length > 0).map((s) => s.split('.'));
    const depth = parent.length + 1;
    const children = new Map<string, string[]>();
    for (const ns of all) {
      if (ns.length < depth || parent.some((p, i) => ns[i] !== p)) continue;
      const child = ns.slice(0, depth);
      children.set(child.join('.'), child);
    }
    return [...children.keys()].sort().map((k) => children.get(k)!);
  }

  async createNamespace(namespace: readonly string[], properties: Readonly<Record<string, string>> = {}): Promise<void> {
    if (namespace.length === 0) throw new ValidationError('namespace must not be empty');
    const ns = SqlCatalog.ns(namespace);
    const t = await this.tables();
    if (await t.namespaceExists(ns)) throw new AlreadyExistsError(`namespace ${ns} already exists`, { namespace: ns });
    try {
      await t.insertProperties(ns, { ...properties, [NAMESPACE_EXISTS_PROPERTY]: 'true' });
    } catch (err) {
      if (err instanceof SqlConstraintViolation) throw new AlreadyExistsError(`namespace ${ns} was created concurrently`, { namespace: ns });
      throw err;
    }
  }

  async namespaceExists(namespace: readonly string[]): Promise<boolean> {
    if (namespace.length === 0) return true;
    return (await this.tables()).namespaceExists(SqlCatalog.ns(namespace));
  }

  async dropNamespace(namespace: readonly string[]): Promise<void> {
    if (!(await this.namespaceExists(namespace))) throw this.noSuchNamespace(namespace);
    const tables = await this.listTables(namespace);
    const children = await this.listNamespaces(namespace);
    if (tables.length > 0 || children.length > 0) {
      throw new ValidationError(`namespace ${namespace.join('.')} is not empty (${tables.length} tables, ${children.length} namespaces)`);
    }
    await (await this.tables()).deleteProperties(SqlCatalog.ns(namespace));
  }

  /** JdbcCatalog's view: stored properties, `location` defaulted, the reserved `exists` hidden. */
  async loadNamespaceProperties(namespace: readonly string[]): Promise<Record<string, string>> {
    if (!(await this.namespaceExists(namespace))) throw this.noSuchNamespace(namespace);
    const props = await (await this.tables()).properties(SqlCatalog.ns(namespace));
    delete props[NAMESPACE_EXISTS_PROPERTY];
    if (props['location'] === undefined && this.warehouse !== undefined) props['location'] = joinLocation(this.warehouse, ...namespace);
    return props;
  }

  async updateNamespaceProperties(namespace: readonly string[], updates: Readonly<Record<string, string>>, removals: readonly string[] = []): Promise<void> {
    if (NAMESPACE_EXISTS_PROPERTY in updates || removals.includes(NAMESPACE_EXISTS_PROPERTY)) {
      throw new ValidationError(`namespace property "${NAMESPACE_EXISTS_PROPERTY}" is reserved by the JDBC catalog`, { namespace: namespace.join('.') });
    }
    if (!(await this.namespaceExists(namespace))) throw this.noSuchNamespace(namespace);
    const t = await this.tables();
    const ns = SqlCatalog.ns(namespace);
    await t.deleteProperties(ns, removals);
    for (const [k, v] of Object.entries(updates)) {
      if ((await t.updateProperty(ns, k, v)) === 0) await t.insertProperties(ns, { [k]: v });
    }
  }

  async listTables(namespace: readonly string[]): Promise<TableIdentifier[]> {
    const names = await (await this.tables()).tableNames(SqlCatalog.ns(namespace));
    return names.sort().map((name) => ({ namespace: [...namespace], name }));
  }

  async tableExists(id: TableIdentifier): Promise<boolean> {
    return (await (await this.tables()).pointer(SqlCatalog.ns(id.namespace), id.name)) !== undefined;
  }

  async createTable(id: TableIdentifier, o: CreateTableOptions): Promise<Table> {
    const name = formatTableIdentifier(id);
    SqlCatalog.checkNewName(id);
    if (await this.tableExists(id)) throw new AlreadyExistsError(`table ${name} already exists`, { table: name });
    const location = o.location ?? this.defaultLocation(id);
    const md = newTableMetadata({ ...o, location });
    const ops = await this.ops(id, location);
    try {
      return new Table(ops, await ops.commit({ metadata: md, metadataLocation: undefined }, md));
    } catch (err) {
      if (err instanceof CommitRaceError) throw new AlreadyExistsError(`table ${name} was created concurrently`, { table: name });
      throw err;
    }
  }

  private defaultLocation(id: TableIdentifier): string {
    if (this.warehouse === undefined) throw new ValidationError(`table ${formatTableIdentifier(id)}: give a location, or a warehouse to the SQL catalog`, { table: formatTableIdentifier(id) });
    return joinLocation(this.warehouse, ...id.namespace, id.name);
  }

  async loadTable(id: TableIdentifier): Promise<Table> {
    const ops = await this.ops(id);
    return new Table(ops, await ops.refresh());
  }

  /**
   * Adds a row for a table whose metadata already exists (migration, `register_table`):
   * nothing is rewritten. The file is read first, so a wrong location fails here.
   */
  async registerTable(id: TableIdentifier, metadataLocation: string): Promise<Table> {
    const name = formatTableIdentifier(id);
    const ops = await this.ops(id);
    const state = await ops.read(metadataLocation);
    if (!(await (await this.tables()).insertTable(SqlCatalog.ns(id.namespace), id.name, metadataLocation))) {
      throw new AlreadyExistsError(`table ${name} already exists in the SQL catalog ${this.name}`, { table: name });
    }
    return new Table(ops, state);
  }

  /** The row's metadata location, or undefined when the table is not registered. */
  async metadataLocationOf(id: TableIdentifier): Promise<string | undefined> {
    return (await this.ops(id)).currentMetadataLocation();
  }

  /** Renames the row only (as JdbcCatalog does): data and metadata stay where they are. */
  async renameTable(from: TableIdentifier, to: TableIdentifier): Promise<void> {
    const t = await this.tables();
    if (!(await this.tableExists(from))) throw new NoSuchTableError(`table ${formatTableIdentifier(from)} does not exist`, { table: formatTableIdentifier(from) });
    if (await this.tableExists(to)) throw new AlreadyExistsError(`table ${formatTableIdentifier(to)} already exists`, { table: formatTableIdentifier(to) });
    if (to.namespace.length > 0 && !(await this.namespaceExists(to.namespace))) throw this.noSuchNamespace(to.namespace);
    SqlCatalog.checkNewName(to);
    let n: number;
    try {
      n = await t.renameTable(SqlCatalog.ns(from.namespace), from.name, SqlCatalog.ns(to.namespace), to.name);
    } catch (err) {
      if (err instanceof SqlConstraintViolation) throw new AlreadyExistsError(`table ${formatTableIdentifier(to)} already exists`, { table: formatTableIdentifier(to) });
      throw err;
    }
    if (n === 0) throw new NoSuchTableError(`table ${formatTableIdentifier(from)} was dropped concurrently`, { table: formatTableIdentifier(from) });
  }

  async dropTable(id: TableIdentifier, purge = false): Promise<void> {
    const name = formatTableIdentifier(id);
    const table = purge ? await this.loadTable(id) : undefined;
    if ((await (await this.tables()).deleteTable(SqlCatalog.ns(id.namespace), id.name)) === 0) {
      throw new NoSuchTableError(`table ${name} does not exist in the SQL catalog ${this.name}`, { table: name });
    }
    if (table) await purgeTableFiles(table);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
