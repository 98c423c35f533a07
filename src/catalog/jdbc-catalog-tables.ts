/**
 * The two tables of Iceberg Java's JdbcCatalog, created and used exactly as it does
 * (org.apache.iceberg.jdbc.JdbcUtil): `iceberg_tables` holds one row per table with its
 * metadata pointer, `iceberg_namespace_properties` one row per namespace property. Every
 * statement is scoped by `catalog_name`, so several catalogs share one database. Namespaces
 * are stored as their parts joined with `.`.
 *
 * Schema V1 (JdbcCatalog `jdbc.schema-version=V1`) adds `iceberg_type` (`TABLE` / `VIEW`);
 * a V0 database (no such column) is used as V0, as JdbcCatalog does by default, never altered.
 */
import type { SqlDriver, SqlRow } from './sql-driver.js';
import { SqlConstraintViolation } from './sql-driver.js';

export type JdbcSchemaVersion = 'V0' | 'V1';

export const TABLES = 'iceberg_tables';
export const NAMESPACE_PROPERTIES = 'iceberg_namespace_properties';
/** JdbcCatalog marks a namespace created without properties with this one (never returned). */
export const NAMESPACE_EXISTS_PROPERTY = 'exists';

/** JdbcUtil.V0_CREATE_CATALOG_SQL, V1_UPDATE_CATALOG_SQL and CREATE_NAMESPACE_PROPERTIES_TABLE_SQL, verbatim. */
export const CREATE_TABLES_SQL =
  'CREATE TABLE iceberg_tables(catalog_name VARCHAR(255) NOT NULL,table_namespace VARCHAR(255) NOT NULL,table_name VARCHAR(255) NOT NULL,' +
  'metadata_location VARCHAR(1000),previous_metadata_location VARCHAR(1000),PRIMARY KEY (catalog_name, table_namespace, table_name))';
export const ADD_RECORD_TYPE_SQL = 'ALTER TABLE iceberg_tables ADD COLUMN iceberg_type VARCHAR(5)';
export const CREATE_NAMESPACE_PROPERTIES_SQL =
  'CREATE TABLE iceberg_namespace_properties(catalog_name VARCHAR(255) NOT NULL,namespace VARCHAR(255) NOT NULL,property_key VARCHAR(255),' +
  'property_value VARCHAR(1000),PRIMARY KEY (catalog_name, namespace, property_key))';

export interface TablePointer {
  readonly metadataLocation: string | null;
  readonly previousMetadataLocation: string | null;
}

/** `LIKE` pattern for "starts with `prefix.`", escaped with `!` as JdbcUtil does. */
function childPattern(ns: string): string {
  return `${ns.replace(/!/g, '!!').replace(/_/g, '!_').replace(/%/g, '!%')}.%`;
}

/**
 * Creates what is missing, as JdbcCatalog's initialisation does; tolerates another process
 * creating the same table at the same moment. Returns the schema version in use.
 */
export async function ensureJdbcCatalogTables(db: SqlDriver): Promise<JdbcSchemaVersion> {
  const create = async (table: string, sql: string, exists: () => Promise<boolean>): Promise<void> => {
    if (await exists()) return;
    try {
      await db.execute(sql);
    } catch (err) {
      if (!(await exists())) throw err; // lost the race to another creator: fine
    }
  };
  const hadTables = await db.tableExists(TABLES);
  await create(TABLES, CREATE_TABLES_SQL, () => db.tableExists(TABLES));
  if (!hadTables) await create(TABLES, ADD_RECORD_TYPE_SQL, () => db.columnExists(TABLES, 'iceberg_type'));
  await create(NAMESPACE_PROPERTIES, CREATE_NAMESPACE_PROPERTIES_SQL, () => db.tableExists(NAMESPACE_PROPERTIES));
  return (await db.columnExists(TABLES, 'iceberg_type')) ? 'V1' : 'V0';
}

/** The statements of one catalog (one `catalog_name`) over the JdbcCatalog tables. */
export class JdbcCatalogTables {
  /** V1 rows with no type are tables too (written by V0 before the upgrade). */
  private readonly tableType: string;

  constructor(
    readonly db: SqlDriver,
    readonly catalogName: string,
    readonly version: JdbcSchemaVersion,
  ) {
    this.tableType = version === 'V1' ? " AND (iceberg_type = 'TABLE' OR iceberg_type IS NULL)" : '';
  }

  /**
   * MySQL's default collations compare case-insensitively and SQLite's LIKE does too, so rows
   * are re-checked exactly here: `Orders` never answers for `orders`.
   */
  private static exact(rows: SqlRow[], ns: string, name: string): SqlRow | undefined {
    return rows.find((r) => r['table_namespace'] === ns && r['table_name'] === name);
  }

  async pointer(ns: string, name: string): Promise<TablePointer | undefined> {
    const rows = await this.db.query(
      `SELECT table_namespace, table_name, metadata_location, previous_metadata_location FROM ${TABLES} WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?${this.tableType}`,
      [this.catalogName, ns, name],
    );
    const r = JdbcCatalogTables.exact(rows, ns, name);
    return r ? { metadataLocation: r['metadata_location'] ?? null, previousMetadataLocation: r['previous_metadata_location'] ?? null } : undefined;
  }

  /** JdbcUtil.doCommitCreateTable; false when the row exists already (primary key). */
  async insertTable(ns: string, name: string, metadataLocation: string): Promise<boolean> {
    const [cols, vals, params] =
      this.version === 'V1'
        ? [', iceberg_type', ',?', [this.catalogName, ns, name, metadataLocation, 'TABLE']]
        : ['', '', [this.catalogName, ns, name, metadataLocation]];
    try {
      const n = await this.db.execute(
        `INSERT INTO ${TABLES} (catalog_name, table_namespace, table_name, metadata_location, previous_metadata_location${cols}) VALUES (?,?,?,?,null${vals})`,
        params,
      );
      return n === 1;
    } catch (err) {
      if (err instanceof SqlConstraintViolation) return false;
      throw err;
    }
  }

  /** The compare-and-swap of a commit (JdbcUtil.updateTable): 1 when `expected` was current, else 0. */
  async swapPointer(ns: string, name: string, expected: string, next: string): Promise<number> {
    return this.db.execute(
      `UPDATE ${TABLES} SET metadata_location = ? , previous_metadata_location = ? WHERE catalog_name = ? AND table_namespace = ? AND table_name = ? AND metadata_location = ?${this.tableType}`,
      [next, expected, this.catalogName, ns, name, expected],
    );
  }

  async renameTable(fromNs: string, fromName: string, toNs: string, toName: string): Promise<number> {
    return this.db.execute(
      `UPDATE ${TABLES} SET table_namespace = ?, table_name = ? WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?${this.tableType}`,
      [toNs, toName, this.catalogName, fromNs, fromName],
    );
  }

  async deleteTable(ns: string, name: string): Promise<number> {
    return this.db.execute(`DELETE FROM ${TABLES} WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?${this.tableType}`, [this.catalogName, ns, name]);
  }

  async tableNames(ns: string): Promise<string[]> {
    const rows = await this.db.query(`SELECT table_namespace, table_name FROM ${TABLES} WHERE catalog_name = ? AND table_namespace = ?${this.tableType}`, [this.catalogName, ns]);
    return rows.filter((r) => r['table_namespace'] === ns).map((r) => r['table_name']!);
  }

  /** Every namespace string that holds a table or a property row. */
  async namespaceStrings(): Promise<string[]> {
    const a = await this.db.query(`SELECT DISTINCT table_namespace AS ns FROM ${TABLES} WHERE catalog_name = ?`, [this.catalogName]);
    const b = await this.db.query(`SELECT DISTINCT namespace AS ns FROM ${NAMESPACE_PROPERTIES} WHERE catalog_name = ?`, [this.catalogName]);
    return [...new Set([...a, ...b].map((r) => r['ns']!))];
  }

  /** JdbcUtil.namespaceExists: a table in it or below it, or a property row of it or below it. */
  async namespaceExists(ns: string): Promise<boolean> {
    const like = childPattern(ns);
    const matches = (rows: SqlRow[]) => rows.some((r) => r['ns'] === ns || r['ns']!.startsWith(`${ns}.`));
    const tables = await this.db.query(
      `SELECT table_namespace AS ns FROM ${TABLES} WHERE catalog_name = ? AND (table_namespace = ? OR table_namespace LIKE ? ESCAPE '!')`,
      [this.catalogName, ns, like],
    );
    if (matches(tables)) return true;
    const props = await this.db.query(
      `SELECT namespace AS ns FROM ${NAMESPACE_PROPERTIES} WHERE catalog_name = ? AND (namespace = ? OR namespace LIKE ? ESCAPE '!')`,
      [this.catalogName, ns, like],
    );
    return matches(props);
  }

  async properties(ns: string): Promise<Record<string, string>> {
    const rows = await this.db.query(`SELECT namespace, property_key, property_value FROM ${NAMESPACE_PROPERTIES} WHERE catalog_name = ? AND namespace = ?`, [this.catalogName, ns]);
    const out: Record<string, string> = {};
    for (const r of rows) if (r['namespace'] === ns && r['property_key'] !== null) out[r['property_key']!] = r['property_value'] ?? '';
    return out;
  }

  async insertProperties(ns: string, props: Readonly<Record<string, string>>): Promise<void> {
    const entries = Object.entries(props);
    if (entries.length === 0) return;
    await this.db.execute(
      `INSERT INTO ${NAMESPACE_PROPERTIES} (catalog_name, namespace, property_key, property_value) VALUES ${entries.map(() => '(?,?,?,?)').join(', ')}`,
      entries.flatMap(([k, v]) => [this.catalogName, ns, k, v]),
    );
  }

  async updateProperty(ns: string, key: string, value: string): Promise<number> {
    return this.db.execute(`UPDATE ${NAMESPACE_PROPERTIES} SET property_value = ? WHERE catalog_name = ? AND namespace = ? AND property_key = ?`, [value, this.catalogName, ns, key]);
  }

  async deleteProperties(ns: string, keys?: readonly string[]): Promise<number> {
    if (keys === undefined) return this.db.execute(`DELETE FROM ${NAMESPACE_PROPERTIES} WHERE catalog_name = ? AND namespace = ?`, [this.catalogName, ns]);
    if (keys.length === 0) return 0;
    return this.db.execute(
      `DELETE FROM ${NAMESPACE_PROPERTIES} WHERE catalog_name = ? AND namespace = ? AND property_key IN (${keys.map(() => '?').join(',')})`,
      [this.catalogName, ns, ...keys],
    );
  }
}
