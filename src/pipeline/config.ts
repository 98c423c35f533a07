/**
 * The validated pipeline config (one YAML file per pipeline; keys documented on
 * `pipelineConfigSchema` in config-schema.ts) and the small helpers the pipeline needs to
 * apply it: which table entry a source table matches, its mode, its target name.
 */
import { ConfigError, type ErrorContext } from '../errors.js';
import type { Transform } from '../iceberg/spec/transforms.js';
import type { StorageConfig } from '../io/storage-config.js';
import type { SourceColumn } from './source.js';
import type { RestCatalogSpec } from '../catalog/rest/rest-catalog-spec.js';

/** Table names and namespace parts (the filesystem catalog's rule). */
export const IDENTIFIER_RE = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;
export const PIPELINE_ID_RE = /^[a-z0-9_-]+$/;

export type TableMode = 'upsert' | 'append';
export type ChangelogMode = 'error' | 'drop-update-before' | 'append-all';
export type FormatVersion = 1 | 2;

export interface FileSourceConfig {
  readonly type: 'file';
  /** One `.jsonl` file or a directory of them (read in name order); relative to the working directory. */
  readonly path: string;
  /** `debezium` (default): change-event envelopes; `unwrapped`: ExtractNewRecordState records. */
  readonly envelope: 'debezium' | 'unwrapped';
}
/** Where a MySQL source starts when no position is committed yet (`source.from`). */
export type MySqlStart =
  | { readonly kind: 'snapshot' }
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'position'; readonly file: string; readonly pos: number }
  | { readonly kind: 'timestamp'; readonly ms: number }
  | { readonly kind: 'gtid'; readonly gtidSet: string };

/** `source.type: mysql` (keys documented on the schema in config-schema.ts and connectors/mysql/README.md). */
export interface MySqlSourceConfig {
  readonly type: 'mysql';
  /**
   * `mysql://user@host:port` (never the password), for messages. Named `path` like the file
   * source's, so code that reads `source.path` for display works for either source.
   */
  readonly path: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password?: string;
  /** Replica server id of the binlog connection (unique among the server's replicas). */
  readonly serverId?: number;
  readonly from: MySqlStart;
  readonly heartbeatIntervalMs: number;
  readonly batchMaxEvents: number;
  readonly reconnect: { readonly maxAttempts: number; readonly initialDelayMs: number; readonly maxDelayMs: number };
  readonly snapshot: {
    readonly mode: 'initial' | 'initial-only' | 'never';
    readonly chunkSize: number;
    readonly parallelism: number;
    /** 0: unlimited. */
    readonly maxRowsPerSecond: number;
    /** Estimated row bytes per second (0: unlimited). */
    readonly maxBytesPerSecond: number;
    /**
     * How a table's read view gets its binlog position: `status` (MariaDB reports it),
     * `lock` (taken under FLUSH TABLES WITH READ LOCK: MySQL), `none`, or `auto`.
     */
    readonly readView: 'auto' | 'status' | 'lock' | 'none';
  };
}
/** `source.type: kafka` (keys documented on the schema in config-schema.ts and README "Kafka source"). */
export interface KafkaSourceConfig {
  readonly type: 'kafka';
  /** `kafka://broker,.../topic,...`, for messages. */
  readonly path: string;
  readonly brokers: readonly string[];
  readonly topics: readonly string[];
  readonly groupId: string;
  readonly format: 'debezium' | 'canal' | 'maxwell';
  readonly from: 'earliest' | 'latest';
  readonly clientId?: string;
  /** Passed to kafkajs as they are. */
  readonly ssl?: boolean | Readonly<Record<string, string | boolean>>;
  readonly sasl?: { readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; readonly username: string; readonly password: string };
  readonly batchMaxEvents: number;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
}
export type SourceConfig = FileSourceConfig | MySqlSourceConfig | KafkaSourceConfig;

/** Exact `db.table`, or a regex that must match the whole source table name. */
export type TableMatch =
  | { readonly kind: 'exact'; readonly name: string }
  | { readonly kind: 'regex'; readonly pattern: string; readonly regex: RegExp };

export interface PartitionField {
  /** The expression as written, for messages. */
  readonly expression: string;
  readonly sourceColumn: string;
  readonly transform: Transform;
}

export interface TableConfig {
  readonly match: TableMatch;
  /** Explicit target table name; otherwise `target.naming` applies (see targetTableName). */
  readonly target?: string;
  /** undefined: decided from the key columns (see resolveTableMode). */
  readonly mode?: TableMode;
  readonly formatVersion: FormatVersion;
  /** Overrides the source primary key. */
  readonly keyColumns?: readonly string[];
  readonly partitionBy: readonly PartitionField[];
  /** What append mode does with updates/deletes (ignored in upsert mode, where it may not be set). */
  readonly changelogMode: ChangelogMode;
  /** Also write every change to this append table. */
  readonly changelogTable?: string;
  readonly properties: Readonly<Record<string, string>>;
  /** Declared columns (key columns are always reported as required). */
  readonly columns?: readonly SourceColumn[];
}

/** A JdbcCatalog-compatible catalog: `uri` picks PostgreSQL, MySQL/MariaDB or SQLite; `name` is its catalog_name. */
export interface SqlCatalogConfig {
  readonly type: 'sql';
  readonly uri: string;
  readonly name: string;
}

export interface TargetConfig {
  readonly catalog: 'filesystem' | SqlCatalogConfig | RestCatalogSpec;
  /** Relative to the working directory unless absolute or a URI. */
  readonly warehouse: string;
  /** `a.b` split into parts. */
  readonly namespace: readonly string[];
  /** Template with {db}, {table}, {source}. */
  readonly naming: string;
  /** How the warehouse's object store is reached (`target.storage`); empty for local disk. */
  readonly storage: StorageConfig;
}

export interface CommitConfig {
  readonly intervalMs: number;
  readonly maxRows: number;
}

export type OnErrorConfig =
  | { readonly mode: 'stop' }
  | { readonly mode: 'dead-letter'; readonly deadLetterPath: string };

export interface KeyFilterConfig {
  readonly enabled: boolean;
  readonly expectedKeys: number;
  readonly fpp: number;
  readonly checkpointEveryCommits: number;
  /** `checkpoint-interval`, in milliseconds. */
  readonly checkpointIntervalMs: number;
}

/** `key-index`: the primary-key index of upsert tables (sink/key-index-store.ts). */
export interface KeyIndexConfig {
  readonly enabled: boolean;
  readonly checkpointEveryCommits: number;
  /** `checkpoint-interval`, in milliseconds. */
  readonly checkpointIntervalMs: number;
}

export interface ReadinessNotifyConfig {
  readonly webhook?: { readonly url: string; readonly headers: Readonly<Record<string, string>>; readonly retries: number };
  readonly markerFile: boolean;
  readonly markerName: string;
}

export interface ReadinessConfig {
  readonly idleCommitIntervalMs: number;
  readonly allowedLatenessMs: number;
  readonly notify?: ReadinessNotifyConfig;
}

export interface PipelineConfig {
  readonly pipelineId: string;
  readonly source: SourceConfig;
  readonly tables: readonly TableConfig[];
  readonly target: TargetConfig;
  readonly commit: CommitConfig;
  readonly onError: OnErrorConfig;
  readonly keyFilter: KeyFilterConfig;
  readonly keyIndex: KeyIndexConfig;
  readonly readiness: ReadinessConfig;
}

export interface ConfigIssue {
  /** Key path as written in YAML: `tables[1].partition-by[0]` (empty for the document). */
  readonly path: string;
  readonly message: string;
  /** 1-based line in the config file, when known. */
  readonly line?: number;
}

/** All problems found in one config file; `issues` lists each with its key path. */
export class PipelineConfigError extends ConfigError {
  constructor(readonly file: string, readonly issues: readonly ConfigIssue[], context: ErrorContext = {}) {
    super(
      `${file}: invalid pipeline config:\n${issues.map((i) => `  ${formatIssue(file, i)}`).join('\n')}`,
      { file, path: issues[0]?.path, issues: issues.length, ...context },
    );
  }
}

function formatIssue(file: string, i: ConfigIssue): string {
  const where = i.line !== undefined ? `${file}:${i.line}: ` : '';
  return `${where}${i.path ? `${i.path}: ` : ''}${i.message}`;
}

/** Formats a key path the way errors name it: `tables[1].partition-by[0]`. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}

/**
 * The table entry a source table belongs to: an exact `source` entry wins over regex entries;
 * among regex entries the first (in file order) whose pattern matches the whole name.
 */
export function matchTable(tables: readonly TableConfig[], sourceName: string): { readonly table: TableConfig; readonly index: number } | undefined {
  const exact = tables.findIndex((t) => t.match.kind === 'exact' && t.match.name === sourceName);
  if (exact >= 0) return { table: tables[exact]!, index: exact };
  const re = tables.findIndex((t) => t.match.kind === 'regex' && t.match.regex.test(sourceName));
  return re >= 0 ? { table: tables[re]!, index: re } : undefined;
}

/** Key columns: the config override, else the source primary key. */
export function tableKeyColumns(table: TableConfig, sourcePrimaryKey: readonly string[]): readonly string[] {
  return table.keyColumns ?? sourcePrimaryKey;
}

/**
 * The table's write mode: as configured, else upsert when it has key columns and format
 * version 2, else append.
 */
export function resolveTableMode(table: TableConfig, sourcePrimaryKey: readonly string[]): TableMode {
  if (table.mode) return table.mode;
  return tableKeyColumns(table, sourcePrimaryKey).length > 0 && table.formatVersion === 2 ? 'upsert' : 'append';
}

/** Placeholders of `target.naming`. */
export const NAMING_PLACEHOLDERS = ['db', 'table', 'source'] as const;

/**
 * Splits `db.table` at the last dot (`a.b.c` -> db `a.b`, table `c`); a name without a dot has
 * an empty db.
 */
export function splitSourceName(sourceName: string): { readonly db: string; readonly table: string } {
  const dot = sourceName.lastIndexOf('.');
  return dot < 0 ? { db: '', table: sourceName } : { db: sourceName.slice(0, dot), table: sourceName.slice(dot + 1) };
}

/** Applies a naming template: {db}, {table}, {source} (the source name with dots as `_`). */
export function applyNaming(naming: string, sourceName: string): string {
  const { db, table } = splitSourceName(sourceName);
  const values: Record<(typeof NAMING_PLACEHOLDERS)[number], string> = { db, table, source: sourceName.replaceAll('.', '_') };
  return naming.replace(/\{(db|table|source)\}/g, (_, k: keyof typeof values) => values[k]);
}

/**
 * The target table name for a source table: the entry's `target`, else `target.naming`
 * applied to the source name. Throws ConfigError when the result is not a valid identifier
 * (possible for regex-matched names only known at run time).
 */
export function targetTableName(config: PipelineConfig, table: TableConfig, sourceName: string): string {
  if (table.target !== undefined) return table.target;
  const name = applyNaming(config.target.naming, sourceName);
  if (!IDENTIFIER_RE.test(name)) {
    throw new ConfigError(
      `target.naming: ${JSON.stringify(config.target.naming)} makes ${JSON.stringify(name)} for source table ${sourceName}, ` +
        `which is not a valid table name (${IDENTIFIER_RE.source}); set tables[].target`,
      { path: 'target.naming', sourceTable: sourceName },
    );
  }
  return name;
}
