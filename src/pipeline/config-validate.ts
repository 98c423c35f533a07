/**
 * Cross-key rules of a pipeline config and the conversion of the schema's kebab-case output
 * into PipelineConfig. Runs after the zod schema accepted the shapes; every problem is an
 * issue with the key path it is about.
 */
import { filesystemCatalogStorageProblem } from '../catalog/filesystem-catalog-storage.js';
import { toRestCatalogSpec } from '../catalog/rest/rest-catalog-config-schema.js';
import type { IcebergType } from '../iceberg/spec/types.js';
import { toStorageConfig } from '../io/storage-config-schema.js';
import {
  applyNaming,
  IDENTIFIER_RE,
  type KafkaSourceConfig,
  type MySqlSourceConfig,
  type MySqlStart,
  type PartitionField,
  type PipelineConfig,
  type SourceConfig,
  type TableConfig,
  type TableMatch,
  type TableMode,
  type TargetConfig,
} from './config.js';
import { tryParsePartitionExpression } from './config-partition.js';
import type { RawPipelineConfig, RawTableConfig } from './config-schema.js';
import type { SourceColumn } from './source.js';

export interface PathIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

type Issues = PathIssue[];

/** Key types Iceberg allows as identifier fields: primitives except float/double. */
function canBeKey(type: IcebergType): boolean {
  return type.kind !== 'float' && type.kind !== 'double' && type.kind !== 'struct' && type.kind !== 'list' && type.kind !== 'map';
}

/** The mode a table will have, when it is known from the config alone. */
function knownMode(t: RawTableConfig): TableMode | undefined {
  if (t.mode) return t.mode;
  if (t['key-columns'] && t['format-version'] === 2) return 'upsert';
  return undefined;
}

function checkColumns(t: RawTableConfig, at: (string | number)[], issues: Issues): Map<string, IcebergType> | undefined {
  if (!t.columns) return undefined;
  const byName = new Map<string, IcebergType>();
  t.columns.forEach((c, j) => {
    if (byName.has(c.name)) issues.push({ path: [...at, 'columns', j, 'name'], message: `duplicate column ${JSON.stringify(c.name)}` });
    byName.set(c.name, c.type);
  });
  return byName;
}

function checkKeyColumns(t: RawTableConfig, columns: Map<string, IcebergType> | undefined, at: (string | number)[], issues: Issues): void {
  const seen = new Set<string>();
  (t['key-columns'] ?? []).forEach((k, j) => {
    const path = [...at, 'key-columns', j];
    if (seen.has(k)) issues.push({ path, message: `duplicate key column ${JSON.stringify(k)}` });
    seen.add(k);
    if (!columns) return;
    const type = columns.get(k);
    if (type === undefined) {
      issues.push({ path, message: `unknown column ${JSON.stringify(k)} (columns: ${[...columns.keys()].join(', ')})` });
    } else if (!canBeKey(type)) {
      issues.push({ path, message: `column ${k} of type ${type.kind} cannot be a key column (Iceberg identifier fields must be primitive, not float/double)` });
    }
  });
}

function checkTable(raw: RawPipelineConfig, t: RawTableConfig, i: number, issues: Issues): void {
  const at = ['tables', i];
  if ((t.source === undefined) === (t.regex === undefined)) {
    issues.push({ path: at, message: `expected exactly one of source (an exact db.table) or regex, got ${t.source === undefined ? 'neither' : 'both'}` });
  }
  const mode = knownMode(t);
  if (t.mode === 'upsert' && t['format-version'] === 1) {
    issues.push({ path: [...at, 'format-version'], message: 'upsert mode requires format-version 2 (equality deletes are a v2 feature)' });
  }
  if (mode === 'upsert' && t['changelog-mode'] !== undefined) {
    issues.push({ path: [...at, 'changelog-mode'], message: 'only valid in append mode (this table is in upsert mode)' });
  }
  if (raw.source.type !== 'mysql' && t.mode === 'upsert' && !t['key-columns']) {
    issues.push({ path: [...at, 'key-columns'], message: `upsert mode needs key columns, and the ${raw.source.type} source has no primary keys: set key-columns` });
  }
  const columns = checkColumns(t, at, issues);
  checkKeyColumns(t, columns, at, issues);
  t['partition-by'].forEach((expr, j) => {
    const r = tryParsePartitionExpression(expr, columns);
    if ('problem' in r) issues.push({ path: [...at, 'partition-by', j], message: r.problem });
  });
}

function checkTargets(raw: RawPipelineConfig, issues: Issues): void {
  const sources = new Map<string, number>();
  const targets = new Map<string, string>();
  const claim = (name: string, path: (string | number)[], owner: string): void => {
    const other = targets.get(name);
    if (other !== undefined) issues.push({ path, message: `target table ${JSON.stringify(name)} is also written by ${other}` });
    else targets.set(name, owner);
  };
  raw.tables.forEach((t, i) => {
    const at = ['tables', i];
    if (t.source !== undefined) {
      const prev = sources.get(t.source);
      if (prev !== undefined) issues.push({ path: [...at, 'source'], message: `${t.source} is already configured in tables[${prev}]` });
      else sources.set(t.source, i);
      const name = t.target ?? applyNaming(raw.target.naming, t.source);
      if (t.target === undefined && !IDENTIFIER_RE.test(name)) {
        issues.push({ path: at, message: `target.naming makes ${JSON.stringify(name)} from ${t.source}, which is not a valid table name (${IDENTIFIER_RE.source}); set target` });
      } else {
        claim(name, t.target !== undefined ? [...at, 'target'] : at, `tables[${i}]`);
      }
    }
    // A regex entry may merge many sources (shards) into one target, so only changelog tables are checked for it.
    if (t['changelog-table'] !== undefined) claim(t['changelog-table'], [...at, 'changelog-table'], `tables[${i}].changelog-table`);
  });
}

/** Cross-key rules; returns issues (empty when the config is valid). */
export function validateRawConfig(raw: RawPipelineConfig): PathIssue[] {
  const issues: Issues = [];
  if (raw.source.type === 'kafka' && raw.source['heartbeat-interval-ms'] >= raw.source['session-timeout-ms']) {
    issues.push({ path: ['source', 'heartbeat-interval-ms'], message: `must be below session-timeout-ms (${raw.source['session-timeout-ms']}): the group expires a member that does not heartbeat within the session timeout` });
  }
  if (raw.target.catalog === 'sql') {
    issues.push({ path: ['target', 'catalog'], message: 'a SQL catalog needs its database: give { type: sql, uri: postgresql://… | mysql://… | sqlite:/path, name: <catalog name> }' });
  } else if (raw.target.catalog === 'filesystem') {
    const problem = filesystemCatalogStorageProblem(raw.target.warehouse, toStorageConfig(raw.target.storage));
    if (problem) issues.push({ path: ['target', 'warehouse'], message: problem });
  }
  if (raw['on-error'].mode === 'dead-letter' && raw['on-error']['dead-letter-path'] === undefined) {
    issues.push({ path: ['on-error', 'dead-letter-path'], message: 'required when on-error.mode is dead-letter' });
  }
  raw.tables.forEach((t, i) => checkTable(raw, t, i, issues));
  checkTargets(raw, issues);
  return issues;
}

function toMatch(t: RawTableConfig): TableMatch {
  if (t.source !== undefined) return { kind: 'exact', name: t.source };
  const pattern = t.regex!;
  return { kind: 'regex', pattern, regex: new RegExp(`^(?:${pattern})$`) };
}

function toColumns(t: RawTableConfig): SourceColumn[] | undefined {
  const keys = new Set(t['key-columns'] ?? []);
  return t.columns?.map((c) => ({
    name: c.name,
    type: c.type,
    nullable: c.nullable && !keys.has(c.name),
    ...(c.doc !== undefined ? { doc: c.doc } : {}),
  }));
}

function toPartitionFields(t: RawTableConfig): PartitionField[] {
  return t['partition-by'].map((expression) => {
    const r = tryParsePartitionExpression(expression);
    if ('problem' in r) throw new Error(`unreachable: ${r.problem}`); // validated before
    return { expression, ...r };
  });
}

function toTable(t: RawTableConfig): TableConfig {
  const columns = toColumns(t);
  return {
    match: toMatch(t),
    ...(t.target !== undefined ? { target: t.target } : {}),
    ...(t.mode !== undefined ? { mode: t.mode } : {}),
    formatVersion: t['format-version'],
    ...(t['key-columns'] !== undefined ? { keyColumns: t['key-columns'] } : {}),
    partitionBy: toPartitionFields(t),
    changelogMode: t['changelog-mode'] ?? 'error',
    ...(t['changelog-table'] !== undefined ? { changelogTable: t['changelog-table'] } : {}),
    properties: t.properties,
    ...(columns !== undefined ? { columns } : {}),
  };
}

type RawMySqlSource = Extract<RawPipelineConfig['source'], { type: 'mysql' }>;

function toMySqlStart(s: string): MySqlStart {
  const [word, ...rest] = s.trim().split(/\s+/);
  const arg = rest.join(' ');
  switch (word) {
    case 'position': {
      const i = arg.lastIndexOf(':');
      return { kind: 'position', file: arg.slice(0, i), pos: Number(arg.slice(i + 1)) };
    }
    case 'timestamp':
      return { kind: 'timestamp', ms: Date.parse(arg) };
    case 'gtid':
      return { kind: 'gtid', gtidSet: arg };
    case 'earliest':
    case 'latest':
      return { kind: word };
    default:
      return { kind: 'snapshot' };
  }
}

function toMySqlSource(s: RawMySqlSource): MySqlSourceConfig {
  return {
    type: 'mysql',
    path: `mysql://${s.user}@${s.host}:${s.port}`,
    host: s.host,
    port: s.port,
    user: s.user,
    ...(s.password !== undefined ? { password: s.password } : {}),
    ...(s['server-id'] !== undefined ? { serverId: s['server-id'] } : {}),
    from: toMySqlStart(s.from),
    heartbeatIntervalMs: s['heartbeat-interval-ms'],
    batchMaxEvents: s['batch-max-events'],
    reconnect: { maxAttempts: s.reconnect['max-attempts'], initialDelayMs: s.reconnect['initial-delay-ms'], maxDelayMs: s.reconnect['max-delay-ms'] },
    snapshot: { mode: s.snapshot.mode, chunkSize: s.snapshot['chunk-size'], parallelism: s.snapshot.parallelism, maxRowsPerSecond: s.snapshot['max-rows-per-second'], maxBytesPerSecond: s.snapshot['max-bytes-per-second'], readView: s.snapshot['read-view'] },
  };
}

type RawKafkaSource = Extract<RawPipelineConfig['source'], { type: 'kafka' }>;

function toKafkaSource(s: RawKafkaSource): KafkaSourceConfig {
  return {
    type: 'kafka',
    path: `kafka://${s.brokers.join(',')}/${s.topics.join(',')}`,
    brokers: s.brokers,
    topics: s.topics,
    groupId: s['group-id'],
    format: s.format,
    from: s.from,
    ...(s['client-id'] !== undefined ? { clientId: s['client-id'] } : {}),
    ...(s.ssl !== undefined ? { ssl: s.ssl } : {}),
    ...(s.sasl !== undefined ? { sasl: s.sasl } : {}),
    batchMaxEvents: s['batch-max-events'],
    sessionTimeoutMs: s['session-timeout-ms'],
    heartbeatIntervalMs: s['heartbeat-interval-ms'],
  };
}

function toCatalog(c: Exclude<RawPipelineConfig['target']['catalog'], 'sql'>): TargetConfig['catalog'] {
  if (c === 'filesystem') return 'filesystem';
  return c.type === 'sql' ? { type: 'sql', uri: c.uri, name: c.name } : toRestCatalogSpec(c);
}

/** Converts a validated raw config (validateRawConfig returned no issues). */
export function toPipelineConfig(raw: RawPipelineConfig): PipelineConfig {
  if (raw.target.catalog === 'sql') throw new Error('unreachable: validated before');
  const source: SourceConfig = raw.source.type === 'file' ? { type: 'file', path: raw.source.path, envelope: raw.source.envelope } : raw.source.type === 'kafka' ? toKafkaSource(raw.source) : toMySqlSource(raw.source);
  const onError = raw['on-error'];
  return {
    pipelineId: raw['pipeline-id'],
    source,
    tables: raw.tables.map(toTable),
    target: {
      catalog: toCatalog(raw.target.catalog),
      warehouse: raw.target.warehouse,
      namespace: raw.target.namespace.split('.'),
      naming: raw.target.naming,
      storage: toStorageConfig(raw.target.storage),
    },
    commit: { intervalMs: raw.commit['interval-ms'], maxRows: raw.commit['max-rows'] },
    onError: onError.mode === 'dead-letter' ? { mode: 'dead-letter', deadLetterPath: onError['dead-letter-path']! } : { mode: 'stop' },
    keyFilter: {
      enabled: raw['key-filter'].enabled,
      expectedKeys: raw['key-filter']['expected-keys'],
      fpp: raw['key-filter'].fpp,
      checkpointEveryCommits: raw['key-filter']['checkpoint-every-commits'],
      checkpointIntervalMs: raw['key-filter']['checkpoint-interval'],
    },
    keyIndex: { enabled: raw['key-index'].enabled, checkpointEveryCommits: raw['key-index']['checkpoint-every-commits'], checkpointIntervalMs: raw['key-index']['checkpoint-interval'] },
    readiness: {
      idleCommitIntervalMs: raw.readiness['idle-commit-interval-ms'],
      allowedLatenessMs: raw.readiness['allowed-lateness-ms'],
      ...(raw.readiness.notify
        ? { notify: { ...(raw.readiness.notify.webhook ? { webhook: raw.readiness.notify.webhook } : {}), markerFile: raw.readiness.notify['marker-file'], markerName: raw.readiness.notify['marker-name'] } }
        : {}),
    },
  };
}
