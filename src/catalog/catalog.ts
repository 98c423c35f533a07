import type { Table } from '../iceberg/table.js';
import type { PartitionSpec } from '../iceberg/spec/partition-spec.js';
import type { Schema } from '../iceberg/spec/schema.js';
import type { SortOrder } from '../iceberg/spec/sort-order.js';
import type { FormatVersion } from '../iceberg/spec/table-metadata.js';
import { ValidationError } from '../errors.js';

export interface TableIdentifier {
  readonly namespace: readonly string[];
  readonly name: string;
}

/** `a.b.table` -> namespace [a, b], name table. */
export function parseTableIdentifier(text: string): TableIdentifier {
  const parts = text.split('.');
  if (parts.length < 2 || parts.some((p) => p.length === 0)) {
    throw new ValidationError(`table identifier "${text}" must be namespace.table (e.g. db.orders)`, { identifier: text });
  }
  return { namespace: parts.slice(0, -1), name: parts[parts.length - 1]! };
}

export function formatTableIdentifier(id: TableIdentifier): string {
  return [...id.namespace, id.name].join('.');
}

export interface CreateTableOptions {
  readonly schema: Schema;
  readonly spec?: PartitionSpec;
  readonly sortOrder?: SortOrder;
  readonly properties?: Readonly<Record<string, string>>;
  readonly formatVersion?: FormatVersion;
  readonly location?: string;
}

/**
 * Where tables live and how their metadata pointer is swapped. Small on purpose: every
 * implementation (filesystem, SQL) is a file of its own.
 */
export interface Catalog {
  readonly name: string;
  listNamespaces(parent?: readonly string[]): Promise<string[][]>;
  createNamespace(namespace: readonly string[], properties?: Readonly<Record<string, string>>): Promise<void>;
  namespaceExists(namespace: readonly string[]): Promise<boolean>;
  dropNamespace(namespace: readonly string[]): Promise<void>;
  /** The namespace's properties; throws NoSuchNamespaceError when it does not exist. */
  loadNamespaceProperties(namespace: readonly string[]): Promise<Record<string, string>>;
  /** Sets `updates` and removes `removals`; throws NoSuchNamespaceError when it does not exist. */
  updateNamespaceProperties(namespace: readonly string[], updates: Readonly<Record<string, string>>, removals?: readonly string[]): Promise<void>;
  listTables(namespace: readonly string[]): Promise<TableIdentifier[]>;
  createTable(id: TableIdentifier, options: CreateTableOptions): Promise<Table>;
  loadTable(id: TableIdentifier): Promise<Table>;
  tableExists(id: TableIdentifier): Promise<boolean>;
  renameTable(from: TableIdentifier, to: TableIdentifier): Promise<void>;
  /** Drops the table from the catalog; `purge` also deletes its files. */
  dropTable(id: TableIdentifier, purge?: boolean): Promise<void>;
  /** Releases connections (SQL catalogs); tables loaded through the catalog stop committing. */
  close?(): Promise<void>;
}
