import { AlreadyExistsError, NoSuchNamespaceError, NoSuchTableError, UnsupportedError, ValidationError } from '../errors.js';
import type { FileIO } from '../io/file-io.js';
import { joinLocation, normalizeLocation } from '../io/location.js';
import { LocalFileIO } from '../io/local-file-io.js';
import { newTableMetadata } from '../iceberg/metadata-updates.js';
import { Table } from '../iceberg/table.js';
import type { Catalog, CreateTableOptions, TableIdentifier } from './catalog.js';
import { formatTableIdentifier } from './catalog.js';
import { restoreMetadataCommand } from './corrupt-metadata.js';
import { FilesystemTableOperations } from './filesystem-table-operations.js';
import { metadataFileVersion } from './metadata-file.js';
import { purgeTableFiles } from './purge-table-files.js';

/** Marks a namespace directory that holds no table yet (Hadoop catalogs use bare directories). */
const NAMESPACE_MARKER = '.icetide-namespace';
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;

/**
 * The Hadoop-catalog layout: `<warehouse>/<ns>/.../<table>/metadata/vN.metadata.json`.
 * No server: the warehouse directory is the catalog, and commits are atomic by exclusive
 * file creation (FilesystemTableOperations).
 */
export class FilesystemCatalog implements Catalog {
  readonly name: string;

  constructor(
    readonly warehouse: string,
    private readonly io: FileIO = new LocalFileIO(),
    name = 'filesystem',
  ) {
    this.warehouse = warehouse.replace(/\/+$/, '');
    this.name = name;
  }

  private namespaceLocation(ns: readonly string[]): string {
    for (const part of ns) {
      if (!NAME.test(part)) throw new ValidationError(`namespace part "${part}" must match ${NAME.source}`, { namespace: ns.join('.') });
    }
    return joinLocation(this.warehouse, ...ns);
  }

  tableLocation(id: TableIdentifier): string {
    if (!NAME.test(id.name)) throw new ValidationError(`table name "${id.name}" must match ${NAME.source}`, { table: id.name });
    return joinLocation(this.namespaceLocation(id.namespace), id.name);
  }

  private ops(id: TableIdentifier): FilesystemTableOperations {
    return new FilesystemTableOperations(this.io, this.tableLocation(id), formatTableIdentifier(id), restoreMetadataCommand(formatTableIdentifier(id), this.warehouse));
  }

  /** Relative paths (split) of every file below a namespace: one listing serves all questions. */
  private async relativeFiles(ns: readonly string[]): Promise<string[][]> {
    const root = this.namespaceLocation(ns);
    const out: string[][] = [];
    for await (const f of this.io.list(root)) {
      const rel = normalizeLocation(f.location).slice(normalizeLocation(root).length).replace(/^\/+/, '');
      if (rel) out.push(rel.split('/'));
    }
    return out;
  }

  private static isMetadataFile(parts: readonly string[], at: number): boolean {
    return parts[at] === 'metadata' && parts.length === at + 2 && (parts[at + 1] === 'version-hint.text' || metadataFileVersion(parts[at + 1]!) !== undefined);
  }

  async listNamespaces(parent: readonly string[] = []): Promise<string[][]> {
    const files = await this.relativeFiles(parent);
    const tables = new Set(files.filter((p) => p.length === 3 && FilesystemCatalog.isMetadataFile(p, 1)).map((p) => p[0]!));
    const names = new Set<string>();
    for (const p of files) {
      if (p.length < 2 || tables.has(p[0]!)) continue;
      const isMarker = p.length === 2 && p[1] === NAMESPACE_MARKER;
      const holdsTable = p.length >= 4 && FilesystemCatalog.isMetadataFile(p, p.length - 2);
      if (isMarker || holdsTable) names.add(p[0]!);
    }
    return [...names].sort().map((n) => [...parent, n]);
  }

  async createNamespace(namespace: readonly string[]): Promise<void> {
    if (namespace.length === 0) throw new ValidationError('namespace must not be empty');
    if (await this.namespaceExists(namespace)) throw new AlreadyExistsError(`namespace ${namespace.join('.')} already exists`, { namespace: namespace.join('.') });
    await this.io.write(joinLocation(this.namespaceLocation(namespace), NAMESPACE_MARKER), new Uint8Array());
  }

  async namespaceExists(namespace: readonly string[]): Promise<boolean> {
    if (namespace.length === 0) return true;
    const parent = namespace.slice(0, -1);
    return (await this.listNamespaces(parent)).some((ns) => ns[ns.length - 1] === namespace[namespace.length - 1]);
  }

  async dropNamespace(namespace: readonly string[]): Promise<void> {
    if (!(await this.namespaceExists(namespace))) throw new NoSuchNamespaceError(`namespace ${namespace.join('.')} does not exist`);
    const tables = await this.listTables(namespace);
    const children = await this.listNamespaces(namespace);
    if (tables.length > 0 || children.length > 0) {
      throw new ValidationError(`namespace ${namespace.join('.')} is not empty (${tables.length} tables, ${children.length} namespaces)`);
    }
    await this.io.delete(joinLocation(this.namespaceLocation(namespace), NAMESPACE_MARKER));
  }

  /** The Hadoop layout keeps no namespace properties; `location` is its directory, as HadoopCatalog reports. */
  async loadNamespaceProperties(namespace: readonly string[]): Promise<Record<string, string>> {
    if (!(await this.namespaceExists(namespace))) throw new NoSuchNamespaceError(`namespace ${namespace.join('.')} does not exist`, { namespace: namespace.join('.') });
    return { location: this.namespaceLocation(namespace) };
  }

  async updateNamespaceProperties(namespace: readonly string[]): Promise<void> {
    throw new UnsupportedError(`namespace ${namespace.join('.')}: the filesystem catalog stores no namespace properties; use a SQL catalog (target.catalog type sql) to keep them`);
  }

  async listTables(namespace: readonly string[]): Promise<TableIdentifier[]> {
    const files = await this.relativeFiles(namespace);
    const names = new Set(files.filter((p) => p.length === 3 && FilesystemCatalog.isMetadataFile(p, 1)).map((p) => p[0]!));
    return [...names].sort().map((name) => ({ namespace: [...namespace], name }));
  }

  async tableExists(id: TableIdentifier): Promise<boolean> {
    return (await this.ops(id).currentMetadataLocation()) !== undefined;
  }

  async createTable(id: TableIdentifier, o: CreateTableOptions): Promise<Table> {
    const ops = this.ops(id);
    if (await this.tableExists(id)) throw new AlreadyExistsError(`table ${formatTableIdentifier(id)} already exists`, { table: formatTableIdentifier(id) });
    if (id.namespace.length > 0 && !(await this.namespaceExists(id.namespace))) await this.createNamespace(id.namespace);
    const md = newTableMetadata({ ...o, location: o.location ?? this.tableLocation(id) });
    try {
      const state = await ops.commit({ metadata: md, metadataLocation: undefined }, md);
      return new Table(ops, state);
    } catch (err) {
      if (err instanceof Error && err.name === 'CommitRaceError') {
        throw new AlreadyExistsError(`table ${formatTableIdentifier(id)} was created concurrently`, { table: formatTableIdentifier(id) });
      }
      throw err;
    }
  }

  async loadTable(id: TableIdentifier): Promise<Table> {
    const ops = this.ops(id);
    try {
      return new Table(ops, await ops.refresh());
    } catch (err) {
      if (err instanceof NoSuchTableError) throw new NoSuchTableError(`table ${formatTableIdentifier(id)} does not exist in ${this.warehouse}`, { table: formatTableIdentifier(id) });
      throw err;
    }
  }

  /**
   * Re-points the table under a new name: the newest metadata is written as v1 of the new
   * table (same uuid, snapshots and files, which keep their absolute paths), and the old
   * name's metadata pointers are removed. Data is not moved, so every engine still reads it.
   */
  async renameTable(from: TableIdentifier, to: TableIdentifier): Promise<void> {
    const table = await this.loadTable(from);
    if (await this.tableExists(to)) throw new AlreadyExistsError(`table ${formatTableIdentifier(to)} already exists`);
    if (to.namespace.length > 0 && !(await this.namespaceExists(to.namespace))) {
      throw new NoSuchNamespaceError(`namespace ${to.namespace.join('.')} does not exist`);
    }
    const toOps = this.ops(to);
    const md = { ...table.metadata, location: this.tableLocation(to), metadataLog: [] };
    await toOps.commit({ metadata: md, metadataLocation: undefined }, md);
    await this.removePointers(this.ops(from));
  }

  async dropTable(id: TableIdentifier, purge = false): Promise<void> {
    const ops = this.ops(id);
    const table = await this.loadTable(id);
    if (purge) {
      await purgeTableFiles(table);
      for await (const f of this.io.list(ops.tableLocation)) await this.io.delete(f.location);
      return;
    }
    await this.removePointers(ops);
  }

  private async removePointers(ops: FilesystemTableOperations): Promise<void> {
    const dir = joinLocation(ops.tableLocation, 'metadata');
    for await (const f of this.io.list(dir)) {
      const name = f.location.slice(f.location.lastIndexOf('/') + 1);
      if (name === 'version-hint.text' || metadataFileVersion(name)) await this.io.delete(f.location);
    }
  }
}
