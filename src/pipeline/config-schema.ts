/**
 * The zod schema of a pipeline YAML file: shapes, types, defaults and per-key checks. Cross-key
 * rules (upsert needs format-version 2, key columns must be declared columns, ...) are in
 * config-validate.ts; the loader turns both into PipelineConfigError issues with key paths.
 */
import { z } from 'zod';
import { DURATION_RE, parseDuration } from '../duration.js';
import { ConfigError } from '../errors.js';
import { DEFAULT_CHECKPOINT_INTERVAL_MS } from '../sink/key-filter-store.js';
import { DEFAULT_KEY_INDEX_CHECKPOINT_INTERVAL_MS } from '../sink/key-index-store.js';
import type { IcebergType } from '../iceberg/spec/types.js';
import { storageConfigSchema } from '../io/storage-config-schema.js';
import { IDENTIFIER_RE, NAMING_PLACEHOLDERS, PIPELINE_ID_RE } from './config.js';
import { parseIcebergTypeString } from './config-type-string.js';
import { restCatalogConfigSchema } from '../catalog/rest/rest-catalog-config-schema.js';

/** Objects reject unknown keys and say which keys they accept. */
function strict<S extends z.ZodRawShape>(shape: S) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown key (expected one of: ${allowed})` : undefined),
  });
}

const identifier = z.string().regex(IDENTIFIER_RE, { error: `expected a name matching ${IDENTIFIER_RE.source}` });
const positiveInt = z.number().int().positive();

const typeString = z.string().transform((s, ctx): IcebergType => {
  try {
    return parseIcebergTypeString(s);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.message });
    return z.NEVER;
  }
});

/** `500ms`, `30s`, `5m`, `2h`, `1d` -> milliseconds (as the manager's config and the CLI read them). */
const duration = z.string().regex(DURATION_RE, { error: 'expected a duration like 500ms, 30s, 5m, 2h or 1d' }).transform((s) => parseDuration(s, 'duration'));

const regexString = z.string().min(1).superRefine((s, ctx) => {
  try {
    new RegExp(s);
    new RegExp(`^(?:${s})$`); // how it is used: matched against the whole name
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(err as Error).message}` });
  }
});

/** Iceberg table properties are strings; unquoted YAML numbers/booleans are accepted as their text. */
const propertyValue = z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string, number or boolean' })
  .superRefine((v, ctx) => {
    // YAML reads big integers as floats: the text would silently change.
    if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)) {
      ctx.addIssue({ code: 'custom', message: 'integer too large to read exactly: quote it' });
    }
  })
  .transform((v) => String(v));

const namingTemplate = z.string().min(1).superRefine((s, ctx) => {
  for (const m of s.matchAll(/\{([^}]*)\}/g)) {
    if (!(NAMING_PLACEHOLDERS as readonly string[]).includes(m[1]!)) {
      ctx.addIssue({ code: 'custom', message: `unknown placeholder {${m[1]}} (expected {db}, {table} or {source})` });
    }
  }
});

const namespace = z.string().min(1).superRefine((s, ctx) => {
  const bad = s.split('.').filter((p) => !IDENTIFIER_RE.test(p));
  if (bad.length > 0) ctx.addIssue({ code: 'custom', message: `expected dotted names matching ${IDENTIFIER_RE.source}, got ${JSON.stringify(s)}` });
});

const columnSchema = strict({
  name: z.string().min(1),
  type: typeString,
  nullable: z.boolean().default(true),
  doc: z.string().optional(),
});

const tableSchema = strict({
  source: z.string().min(1).optional(),
  regex: regexString.optional(),
  target: identifier.optional(),
  mode: z.enum(['upsert', 'append']).optional(),
  'format-version': z.literal([1, 2]).default(2),
  'key-columns': z.array(z.string().min(1)).min(1).optional(),
  'partition-by': z.array(z.string()).default([]),
  'changelog-mode': z.enum(['error', 'drop-update-before', 'append-all']).optional(),
  'changelog-table': identifier.optional(),
  properties: z.record(z.string(), propertyValue).default({}),
  columns: z.array(columnSchema).min(1).optional(),
});

const fileSourceSchema = strict({
  type: z.literal('file'),
  path: z.string().min(1),
  envelope: z.enum(['debezium', 'unwrapped']).default('debezium'),
});

/** `source.from`: snapshot | earliest | latest | position FILE:POS | timestamp ISO-8601 | gtid SET. */
const mysqlFrom = z.string().min(1).superRefine((s, ctx) => {
  if (/^(snapshot|earliest|latest)$/.test(s)) return;
  if (/^position\s+\S+:\d+$/.test(s)) return;
  if (/^timestamp\s+\S+$/.test(s) && !Number.isNaN(Date.parse(s.replace(/^timestamp\s+/, '')))) return;
  if (/^gtid\s+\S*$/.test(s)) return;
  ctx.addIssue({ code: 'custom', message: 'expected snapshot, earliest, latest, "position FILE:POS", "timestamp ISO-8601" or "gtid SET"' });
});

const mysqlSourceSchema = strict({
  type: z.literal('mysql'),
  host: z.string().min(1).default('127.0.0.1'),
  port: positiveInt.max(65535).default(3306),
  user: z.string().min(1),
  password: z.string().optional(),
  'server-id': positiveInt.max(4294967295).optional(),
  from: mysqlFrom.default('snapshot'),
  'heartbeat-interval-ms': positiveInt.default(1000),
  'batch-max-events': positiveInt.default(10_000),
  reconnect: strict({
    'max-attempts': z.number().int().min(0).default(10),
    'initial-delay-ms': positiveInt.default(500),
    'max-delay-ms': positiveInt.default(30_000),
  }).default({ 'max-attempts': 10, 'initial-delay-ms': 500, 'max-delay-ms': 30_000 }),
  snapshot: strict({
    mode: z.enum(['initial', 'initial-only', 'never']).default('initial'),
    'chunk-size': positiveInt.default(50_000),
    parallelism: positiveInt.max(64).default(1),
    'max-rows-per-second': z.number().int().min(0).default(0),
    'max-bytes-per-second': z.number().int().min(0).default(0),
    'read-view': z.enum(['auto', 'status', 'lock', 'none']).default('auto'),
  }).default({ mode: 'initial', 'chunk-size': 50_000, parallelism: 1, 'max-rows-per-second': 0, 'max-bytes-per-second': 0, 'read-view': 'auto' }),
});

/** `host:port`, as Kafka's bootstrap.servers lists them. */
const brokerAddress = z.string().regex(/^[^\s:]+:\d{1,5}$/, { error: 'expected host:port, e.g. kafka-1:9092' });

const kafkaSourceSchema = strict({
  type: z.literal('kafka'),
  brokers: z.array(brokerAddress).min(1, { error: 'list at least one broker (host:port)' }),
  topics: z.array(z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, { error: 'expected a Kafka topic name ([A-Za-z0-9._-], at most 249 characters)' })).min(1, { error: 'list at least one topic' }),
  'group-id': z.string().min(1),
  format: z.enum(['debezium', 'canal', 'maxwell']).default('debezium'),
  from: z.enum(['earliest', 'latest']).default('earliest'),
  'client-id': z.string().min(1).optional(),
  ssl: z.union([z.boolean(), z.record(z.string(), z.union([z.string(), z.boolean()]))]).optional(),
  sasl: strict({ mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']), username: z.string().min(1), password: z.string() }).optional(),
  'batch-max-events': positiveInt.default(10_000),
  'session-timeout-ms': positiveInt.default(30_000),
  'heartbeat-interval-ms': positiveInt.default(3_000),
});

const sourceSchema = z.discriminatedUnion('type', [fileSourceSchema, mysqlSourceSchema, kafkaSourceSchema]);

/** `filesystem`, a SQL catalog (JdbcCatalog tables) by URI, or a REST catalog; a bare `sql` is caught by the validator. */
const sqlCatalogSchema = strict({
  type: z.literal('sql'),
  uri: z.string().min(1),
  name: z.string().min(1).max(255).default('icetide'),
});

const targetSchema = strict({
  catalog: z.union([z.enum(['filesystem', 'sql']), sqlCatalogSchema, restCatalogConfigSchema]).default('filesystem'),
  warehouse: z.string().min(1),
  namespace,
  naming: namingTemplate.default('{table}'),
  storage: storageConfigSchema.optional(),
});

const commitSchema = strict({
  'interval-ms': positiveInt.default(1000),
  'max-rows': positiveInt.default(100_000),
});

const onErrorSchema = strict({
  mode: z.enum(['stop', 'dead-letter']).default('stop'),
  'dead-letter-path': z.string().min(1).optional(),
});

const keyFilterSchema = strict({
  enabled: z.boolean().default(true),
  'expected-keys': positiveInt.default(1_000_000),
  fpp: z.number().gt(0).lt(1).default(0.01),
  'checkpoint-every-commits': positiveInt.default(10),
  'checkpoint-interval': duration.default(DEFAULT_CHECKPOINT_INTERVAL_MS),
});

const keyIndexSchema = strict({
  enabled: z.boolean().default(true),
  'checkpoint-every-commits': positiveInt.default(100),
  'checkpoint-interval': duration.default(DEFAULT_KEY_INDEX_CHECKPOINT_INTERVAL_MS),
});

const webhookSchema = strict({
  url: z.string().regex(/^https?:\/\//, { error: 'expected an http:// or https:// URL' }),
  headers: z.record(z.string(), z.string()).default({}),
  retries: positiveInt.default(5),
});

const notifySchema = strict({
  webhook: webhookSchema.optional(),
  'marker-file': z.boolean().default(false),
  'marker-name': z.string().regex(/^[A-Za-z0-9_.-]+$/, { error: 'expected a file name' }).default('_SUCCESS'),
});

const readinessSchema = strict({
  'idle-commit-interval-ms': positiveInt.default(60_000),
  'allowed-lateness-ms': z.number().int().nonnegative().default(0),
  notify: notifySchema.optional(),
});

/**
 * A pipeline config file (YAML, kebab-case keys). Unknown keys are errors. Any string value
 * may use `${ENV_VAR}` (an unset variable is an error; `$${X}` is a literal `${X}`). Relative
 * paths are resolved against the working directory of the `icetide` process.
 *
 * - `pipeline-id` (required): `[a-z0-9_-]+`; stored in every snapshot summary, so two
 *   pipelines writing one table can be told apart. Do not change it for a running pipeline.
 * - `source` (required):
 *   - `type`: `file` | `mysql` | `kafka`.
 *   - kafka: `brokers` (host:port list), `topics`, `group-id`, `format` (`debezium` |
 *     `canal` | `maxwell`, default debezium), `from` (`earliest` | `latest`: where partitions
 *     no table has committed start), `client-id`, `ssl`, `sasl` (passed to kafkajs),
 *     `batch-max-events`, `session-timeout-ms`, `heartbeat-interval-ms`; see README "Kafka source".
 *   - `path` (file): one `.jsonl` file, or a directory whose `*.jsonl` files are read in name
 *     order. Lines are Debezium change events (see connectors/file).
 *   - `envelope` (file, default `debezium`): `debezium` reads change-event envelopes
 *     (`before`/`after`/`source`/`op`); `unwrapped` reads ExtractNewRecordState records
 *     (the row plus `__op`, `__table`, `__db`, `__schema`, `__source_ts_ms`, `__deleted`).
 *   - mysql: `host` (127.0.0.1), `port` (3306), `user`, `password`, `server-id`, `from`
 *     (`snapshot` | `earliest` | `latest` | `position FILE:POS` | `timestamp ISO` | `gtid SET`),
 *     `heartbeat-interval-ms`, `batch-max-events`, `reconnect.{max-attempts, initial-delay-ms,
 *     max-delay-ms}`, `snapshot.{mode, chunk-size, parallelism, max-rows-per-second, max-bytes-per-second, read-view}`; see
 *     connectors/mysql/README.md.
 * - `tables` (required, at least one entry):
 *   - `source` | `regex` (exactly one): the source table `db.table` (`db.schema.table` for
 *     Postgres/SQL Server Debezium streams, whose events carry source.schema), or a regular expression
 *     that must match the whole name (an exact entry wins over a regex entry).
 *   - `target` (optional): target table name; default: `target.naming` applied.
 *   - `mode`: `upsert` | `append`; default upsert when the table has key columns and
 *     format-version 2, else append.
 *   - `format-version`: `1` | `2`, default 2; upsert requires 2.
 *   - `key-columns` (optional): overrides the source primary key; required for upsert with
 *     the file source (it has no primary keys). Key columns are always non-null.
 *   - `partition-by` (default none): Spark-style expressions: `col`, `identity(col)`,
 *     `year(col)`, `month(col)`, `day(col)`, `hour(col)`, `bucket(N, col)`, `truncate(W, col)`,
 *     `void(col)`.
 *   - `changelog-mode` (append mode only, default `error`): what append mode does with
 *     updates/deletes: `error` stops, `drop-update-before` keeps inserts and after-images,
 *     `append-all` appends every change.
 *   - `changelog-table` (optional): also append every change to this table.
 *   - `properties` (default none): Iceberg table properties (values are written as strings).
 *   - `columns` (optional; needed by the file source unless the lines carry a Debezium
 *     `schema` block): `{ name, type, nullable (default true), doc (optional) }`; `type` is an
 *     Iceberg type string: `long`, `string`, `decimal(10,2)`, `timestamptz`, `list<string>`,
 *     `map<string, long>`, `struct<a: int, b: string not null>`, `fixed[16]`, ...
 * - `target` (required):
 *   - `catalog`: `filesystem` (default: the warehouse directory is the catalog) or
 *     `{ type: sql, uri, name }`: a JdbcCatalog-compatible catalog in PostgreSQL
 *     (`postgresql://user:pass@host:5432/db`), MySQL/MariaDB (`mysql://…`) or SQLite
 *     (`sqlite:/path/catalog.db`); `name` is the `catalog_name` (default `icetide`); or
 *     `{ type: rest, uri, warehouse, credential | token, scope, oauth2-server-uri, prefix,
 *     access-delegation }`: any Iceberg REST catalog (README "REST catalog client").
 *   - `warehouse` (required): warehouse root (path or URI); with a SQL catalog, new tables
 *     are created under it and pipeline status files are kept there.
 *   - `namespace` (required): dotted namespace, e.g. `demo` or `lake.shop`.
 *   - `naming` (default `{table}`): target name template when `tables[].target` is omitted;
 *     `{db}`, `{table}` (the source name split at its last dot) and `{source}` (the whole
 *     source name with dots as `_`); the result must match `[A-Za-z0-9_][A-Za-z0-9_-]*`.
 *   - `storage.s3` (optional, for `s3://`/`s3a://` warehouses): `endpoint`, `region`,
 *     `path-style`, `access-key-id`, `secret-access-key`, `session-token`,
 *     `conditional-writes`, `max-attempts`, `part-size`; unset keys come from the AWS chain.
 * - `commit`: `interval-ms` (default 1000), `max-rows` (default 100000): a table commits when
 *   either is reached.
 * - `on-error`: `mode` `stop` (default) | `dead-letter`; `dead-letter-path` (required for
 *   dead-letter): bad source lines are appended there as JSON lines and skipped.
 * - `key-filter`: `enabled` (default true), `expected-keys` (default 1000000), `fpp` (default
 *   0.01), `checkpoint-every-commits` (default 10), `checkpoint-interval` (a duration, default
 *   `5m`): a checkpoint is written every N commits or at the first commit this long after the
 *   last one, whichever comes first, and on a clean stop when the filter changed. Used by
 *   upsert tables when the key index is off.
 * - `key-index`: `enabled` (default true), `checkpoint-every-commits` (default 100),
 *   `checkpoint-interval` (a duration, default 5m; whichever comes first): the
 *   primary-key index of upsert tables (exact deletes by position; no key filter needed).
 * - `readiness`: `idle-commit-interval-ms` (default 60000): at most this often an idle
 *   pipeline advances the watermark with a metadata-only commit. `allowed-lateness-ms`
 *   (default 0) and `notify` (`webhook: { url, headers, retries }`, `marker-file`,
 *   `marker-name` (default `_SUCCESS`)): announce time partitions that become ready.
 */
export const pipelineConfigSchema = strict({
  'pipeline-id': z.string().regex(PIPELINE_ID_RE, { error: `expected a pipeline id matching ${PIPELINE_ID_RE.source}` }),
  source: sourceSchema,
  tables: z.array(tableSchema).min(1),
  target: targetSchema,
  commit: commitSchema.default({ 'interval-ms': 1000, 'max-rows': 100_000 }),
  'on-error': onErrorSchema.default({ mode: 'stop' }),
  'key-filter': keyFilterSchema.default({ enabled: true, 'expected-keys': 1_000_000, fpp: 0.01, 'checkpoint-every-commits': 10, 'checkpoint-interval': DEFAULT_CHECKPOINT_INTERVAL_MS }),
  'key-index': keyIndexSchema.default({ enabled: true, 'checkpoint-every-commits': 100, 'checkpoint-interval': DEFAULT_KEY_INDEX_CHECKPOINT_INTERVAL_MS }),
  readiness: readinessSchema.default({ 'idle-commit-interval-ms': 60_000, 'allowed-lateness-ms': 0 }),
});

/** The schema's output: shapes checked, defaults applied, still kebab-case. */
export type RawPipelineConfig = z.output<typeof pipelineConfigSchema>;
export type RawTableConfig = RawPipelineConfig['tables'][number];
