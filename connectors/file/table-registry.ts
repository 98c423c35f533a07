/**
 * The tables a file source reads: which spec a source table name belongs to, its columns
 * (declared, or taken from the first Debezium schema block seen) and its row decoders
 * (built once per table and schema block, not per line).
 */
import { stringifyJson, type JsonObject } from '../../src/iceberg/spec/lossless-json.js';
import type { SourceColumn, SourceTable } from '../../src/pipeline/source.js';
import type { SourceTableName } from './change-record.js';
import { columnsFromRowSchema, fieldHints, UnsupportedDebeziumTypeError } from './debezium-schema.js';
import { LearntRowSchemas } from './row-schemas.js';
import { columnDecoder, type Decoder } from './value-decoder.js';

/** A configured table: an exact `db.table` (a SourceTable fits) or a RegExp tested against the name. */
export interface FileTableSpec {
  /** Exact name, or a RegExp that must match the whole name (anchor it: `^...$`). */
  readonly name: string | RegExp;
  /** Declared columns; when absent or empty, taken from the lines' Debezium schema blocks. */
  readonly columns?: readonly SourceColumn[];
  readonly primaryKey: readonly string[];
}

export interface RowDecoders {
  readonly byColumn: ReadonlyMap<string, Decoder>;
}

export interface TableRuntime {
  readonly table: SourceTable;
  /** After-images: every column's null rule applies. */
  readonly after: RowDecoders;
  /** Before-images may be partial (key-only, default-filled): nothing is required; the sink decides what it can use. */
  readonly before: RowDecoders;
}

/** Why a table cannot be resolved; the caller adds file:line. */
export class TableProblem extends Error {}

/** The config names a `db.schema.table` source table in its `db.table` form: a config mistake. */
export class MisnamedTableProblem extends TableProblem {}

function withKeysRequired(columns: readonly SourceColumn[], primaryKey: readonly string[]): SourceColumn[] {
  const keys = new Set(primaryKey);
  return columns.map((c) => (keys.has(c.name) && c.nullable ? { ...c, nullable: false } : c));
}

function buildRuntime(table: SourceTable, rowSchema: JsonObject | undefined): TableRuntime {
  const hints = rowSchema ? fieldHints(rowSchema) : new Map<string, JsonObject>();
  const decoders = (strict: boolean): RowDecoders => ({
    byColumn: new Map(table.columns.map((c) => [
      c.name,
      columnDecoder(c.type, strict && !c.nullable, hints.get(c.name)),
    ])),
  });
  return { table, after: decoders(true), before: decoders(false) };
}

const MAX_CACHED_NAMES = 10_000;

export class TableRegistry {
  /** Columns learnt from schema blocks, by source table name. */
  private readonly learnt = new Map<string, SourceColumn[]>();
  /** Lookups per line are by name: cache them (bounded: unknown names may be many). */
  private readonly specByName = new Map<string, FileTableSpec | undefined>();
  /** Runtimes by table name, then by schema-block fingerprint ('' = no block). */
  private readonly runtimes = new Map<string, Map<string, TableRuntime>>();
  /** Runtimes by the schema object they were built for (each belongs to one table). */
  private readonly runtimeBySchema = new WeakMap<JsonObject, TableRuntime>();
  /** Decoding hints for lines without a schema block. */
  private readonly rowSchemas = new LearntRowSchemas();

  constructor(readonly specs: readonly FileTableSpec[]) {}

  /** The spec for a name: an exact spec wins over a RegExp spec; RegExp specs in order. */
  specFor(name: string): FileTableSpec | undefined {
    if (this.specByName.has(name)) return this.specByName.get(name);
    const spec = this.specs.find((s) => s.name === name) ?? this.specs.find((s) => s.name instanceof RegExp && s.name.test(name));
    if (this.specByName.size < MAX_CACHED_NAMES) this.specByName.set(name, spec);
    return spec;
  }

  hasDeclaredColumns(spec: FileTableSpec): boolean {
    return spec.columns !== undefined && spec.columns.length > 0;
  }

  /** Records columns derived from a schema block (first one wins). Throws TableProblem for unmappable types. */
  learn(name: string, rowSchema: JsonObject): void {
    this.rowSchemas.forLine(name, rowSchema);
    if (this.learnt.has(name)) return;
    let columns: SourceColumn[];
    try {
      columns = columnsFromRowSchema(rowSchema);
    } catch (err) {
      if (err instanceof UnsupportedDebeziumTypeError) throw new TableProblem(`table ${name}: ${err.message}`);
      throw err;
    }
    this.learnt.set(name, columns);
  }

  /** The SourceTable for a name, when its columns are known (declared or learnt). */
  sourceTable(name: string): SourceTable | undefined {
    const spec = this.specFor(name);
    if (!spec) return undefined;
    const columns = this.hasDeclaredColumns(spec) ? spec.columns! : this.learnt.get(name);
    if (!columns) return undefined;
    const missing = spec.primaryKey.filter((k) => !columns.some((c) => c.name === k));
    if (missing.length > 0) {
      throw new TableProblem(`table ${name}: key column(s) ${missing.join(', ')} not among its columns (${columns.map((c) => c.name).join(', ')})`);
    }
    return { name, columns: withKeysRequired(columns, spec.primaryKey), primaryKey: [...spec.primaryKey] };
  }

  /**
   * The runtime for an event of table `name` whose line carries `rowSchema` (or none).
   * Throws TableProblem when the table is not configured or has no known columns.
   */
  resolve(tableName: SourceTableName, ownRowSchema: JsonObject | undefined): TableRuntime {
    const name = tableName.name;
    const spec = this.specFor(name);
    if (!spec) {
      this.checkNaming(tableName);
      throw new TableProblem(`table ${name} is not in the configured tables (${this.describeSpecs()})`);
    }
    if (ownRowSchema && !this.hasDeclaredColumns(spec)) this.learn(name, ownRowSchema);
    const rowSchema = this.rowSchemas.forLine(name, ownRowSchema);
    const table = this.sourceTable(name);
    if (!table) {
      throw new TableProblem(`table ${name} has no declared columns and this line has no Debezium schema block: declare the table's columns in the config`);
    }
    // Schema-less lines reuse the learnt schema object: no fingerprint per line for them.
    const known = rowSchema && this.runtimeBySchema.get(rowSchema);
    if (known) return known;
    let byFingerprint = this.runtimes.get(name);
    if (!byFingerprint) this.runtimes.set(name, (byFingerprint = new Map()));
    const fingerprint = rowSchema ? stringifyJson(rowSchema) : '';
    let runtime = byFingerprint.get(fingerprint);
    if (!runtime) byFingerprint.set(fingerprint, (runtime = buildRuntime(table, rowSchema)));
    if (rowSchema) this.runtimeBySchema.set(rowSchema, runtime);
    return runtime;
  }

  /**
   * Throws MisnamedTableProblem when a table the config does not have is configured in its
   * `db.table` form: the stream names it `db.schema.table`, so tables of two schemas never
   * merge silently.
   */
  checkNaming(tableName: SourceTableName): void {
    const short = tableName.withoutSchema;
    if (short === undefined || this.specFor(tableName.name) || !this.specFor(short)) return;
    throw new MisnamedTableProblem(
      `table ${tableName.name} is configured as ${short}: events that carry source.schema (Postgres, SQL Server) name tables db.schema.table; ` +
        `write tables[].source: ${tableName.name} (or a regex matching it)`,
    );
  }

  private describeSpecs(): string {
    return this.specs.map((s) => (s.name instanceof RegExp ? `/${s.name.source}/` : s.name)).join(', ');
  }
}
