import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import {
  applyNaming,
  matchTable,
  PipelineConfigError,
  resolveTableMode,
  targetTableName,
  type PipelineConfig,
} from '../../src/pipeline/config.js';
import { loadPipelineConfig, parsePipelineConfig } from '../../src/pipeline/config-loader.js';
import { useTempDir } from '../support/temp-dir.js';

const MINIMAL = `
pipeline-id: p1
source: { type: file, path: changes.jsonl }
tables:
  - source: shop.orders
target: { warehouse: ./wh, namespace: demo }
`;

/** Parses `yaml` expecting failure; returns the issues as `path: message` strings. */
function issuesOf(yaml: string, env: Record<string, string> = {}): string[] {
  try {
    parsePipelineConfig(yaml, 'test.yaml', env);
  } catch (err) {
    expect(err).toBeInstanceOf(PipelineConfigError);
    expect(err).toBeInstanceOf(ConfigError);
    return (err as PipelineConfigError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected the config to be rejected');
}

function parse(yaml: string, env: Record<string, string> = {}): PipelineConfig {
  return parsePipelineConfig(yaml, 'test.yaml', env);
}

/** MINIMAL with the table entry replaced. */
function withTable(entry: string): string {
  return MINIMAL.replace('  - source: shop.orders\n', entry.endsWith('\n') ? entry : `${entry}\n`);
}

describe('pipeline config: valid files', () => {
  it('loads the quickstart example', async () => {
    const c = await loadPipelineConfig(path.resolve('examples/quickstart.yaml'));
    expect(c.pipelineId).toBe('quickstart');
    expect(c.source).toEqual({ type: 'file', path: 'examples/quickstart-changes.jsonl', envelope: 'debezium' });
    expect(c.target).toEqual({ catalog: 'filesystem', warehouse: './warehouse', namespace: ['demo'], naming: '{table}', storage: {} });
    expect(c.tables).toHaveLength(2);
    const [orders, events] = c.tables as [PipelineConfig['tables'][number], PipelineConfig['tables'][number]];
    expect(orders.match).toEqual({ kind: 'exact', name: 'shop.orders' });
    expect(orders.mode).toBe('upsert');
    expect(orders.formatVersion).toBe(2);
    expect(orders.keyColumns).toEqual(['id']);
    expect(orders.changelogTable).toBe('orders_changes');
    expect(orders.partitionBy).toEqual([{ expression: 'day(created_at)', sourceColumn: 'created_at', transform: { kind: 'day' } }]);
    expect(orders.columns?.find((col) => col.name === 'amount')?.type).toEqual({ kind: 'decimal', precision: 10, scale: 2 });
    expect(events.mode).toBe('append');
    expect(events.formatVersion).toBe(1);
    // Files the README points at exist where the YAML says (paths are relative to the repo root).
    expect(fs.existsSync(c.source.path)).toBe(true);
  });

  it('applies the documented defaults', () => {
    const c = parse(MINIMAL);
    expect(c.commit).toEqual({ intervalMs: 1000, maxRows: 100_000 });
    expect(c.onError).toEqual({ mode: 'stop' });
    expect(c.keyFilter).toEqual({ enabled: true, expectedKeys: 1_000_000, fpp: 0.01, checkpointEveryCommits: 10, checkpointIntervalMs: 300_000 });
    expect(c.readiness).toEqual({ idleCommitIntervalMs: 60_000, allowedLatenessMs: 0 });
    expect(c.target.naming).toBe('{table}');
    const t = c.tables[0]!;
    expect(t.formatVersion).toBe(2);
    expect(t.mode).toBeUndefined();
    expect(t.changelogMode).toBe('error');
    expect(t.partitionBy).toEqual([]);
    expect(t.properties).toEqual({});
  });

  it('parses every documented key', () => {
    const c = parse(`
pipeline-id: orders-mirror
source:
  type: file
  path: examples/changes.jsonl
tables:
  - source: shop.orders
    target: orders
    mode: upsert
    format-version: 2
    key-columns: [id]
    partition-by: ['day(created_at)', 'bucket(16, id)', 'identity(region)', 'truncate(4, name)', 'region']
    changelog-table: orders_changes
    properties: { write.target-file-size-bytes: '134217728', commit.retry.num-retries: 5 }
    columns:
      - { name: id, type: long, nullable: false }
      - { name: created_at, type: timestamptz }
      - { name: region, type: string }
      - { name: name, type: string, doc: customer name }
  - regex: 'shop_\\d+\\.orders_.*'
    mode: append
    changelog-mode: drop-update-before
target:
  catalog: filesystem
  warehouse: ./warehouse
  namespace: lake.shop
  naming: '{db}_{table}'
commit: { interval-ms: 500, max-rows: 10 }
on-error: { mode: dead-letter, dead-letter-path: ./dead-letter.jsonl }
key-filter: { enabled: false, expected-keys: 10, fpp: 0.5, checkpoint-every-commits: 3, checkpoint-interval: 90s }
readiness: { idle-commit-interval-ms: 1000 }
`);
    expect(c.tables[0]!.partitionBy.map((p) => [p.sourceColumn, p.transform])).toEqual([
      ['created_at', { kind: 'day' }],
      ['id', { kind: 'bucket', n: 16 }],
      ['region', { kind: 'identity' }],
      ['name', { kind: 'truncate', width: 4 }],
      ['region', { kind: 'identity' }],
    ]);
    expect(c.tables[0]!.properties).toEqual({ 'write.target-file-size-bytes': '134217728', 'commit.retry.num-retries': '5' });
    expect(c.tables[0]!.columns?.find((col) => col.name === 'name')).toEqual({ name: 'name', type: { kind: 'string' }, nullable: true, doc: 'customer name' });
    const re = c.tables[1]!.match;
    expect(re.kind === 'regex' && re.regex.test('shop_12.orders_2024')).toBe(true);
    expect(re.kind === 'regex' && re.regex.test('xshop_12.orders_2024')).toBe(false); // whole-name match
    expect(c.target.namespace).toEqual(['lake', 'shop']);
    expect(c.onError).toEqual({ mode: 'dead-letter', deadLetterPath: './dead-letter.jsonl' });
    expect(c.keyFilter).toEqual({ enabled: false, expectedKeys: 10, fpp: 0.5, checkpointEveryCommits: 3, checkpointIntervalMs: 90_000 });
    expect(c.commit).toEqual({ intervalMs: 500, maxRows: 10 });
    expect(c.readiness.idleCommitIntervalMs).toBe(1000);
  });

  it('marks key columns required even when declared nullable', () => {
    const c = parse(withTable(`  - source: shop.orders
    key-columns: [id]
    columns: [{ name: id, type: long }, { name: v, type: string }]`));
    expect(c.tables[0]!.columns!.map((col) => col.nullable)).toEqual([false, true]);
  });
});

describe('pipeline config: errors name the key path', () => {
  it('unknown keys, at any depth, listing the accepted keys', () => {
    expect(issuesOf(`${MINIMAL}extra: 1\n`)).toEqual([expect.stringMatching(/^extra: unknown key \(expected one of: pipeline-id, source, tables/)]);
    expect(issuesOf(withTable('  - source: shop.orders\n    partiton-by: [id]'))).toEqual([
      expect.stringMatching(/^tables\[0\]\.partiton-by: unknown key \(expected one of: .*partition-by/),
    ]);
    expect(issuesOf(withTable('  - source: shop.orders\n    columns: [{ name: id, type: long, nulable: false }]'))).toEqual([
      expect.stringMatching(/^tables\[0\]\.columns\[0\]\.nulable: unknown key/),
    ]);
  });

  it('wrong types say what is expected and what was found', () => {
    expect(issuesOf(`${MINIMAL}commit: { interval-ms: soon }\n`)).toEqual(['commit.interval-ms: expected a number, got "soon"']);
    expect(issuesOf(`${MINIMAL}key-filter: { checkpoint-interval: 5 minutes }\n`)).toEqual(['key-filter.checkpoint-interval: expected a duration like 500ms, 30s, 5m, 2h or 1d, got "5 minutes"']);
    expect(issuesOf(`${MINIMAL}commit: { max-rows: 0 }\n`)).toEqual(['commit.max-rows: expected a number > 0, got 0']);
    expect(issuesOf(`${MINIMAL}commit: { max-rows: 1.5 }\n`)).toEqual(['commit.max-rows: expected an integer, got 1.5']);
    expect(issuesOf(withTable('  - source: shop.orders\n    mode: merge'))).toEqual(['tables[0].mode: expected one of "upsert" | "append", got "merge"']);
    expect(issuesOf(withTable('  - source: shop.orders\n    format-version: 3'))).toEqual(['tables[0].format-version: expected one of 1 | 2, got 3']);
    expect(issuesOf(withTable('  - source: shop.orders\n    key-columns: id'))).toEqual(['tables[0].key-columns: expected a list, got "id"']);
    expect(issuesOf(`${MINIMAL}key-filter: { fpp: 1.5 }\n`)).toEqual(['key-filter.fpp: expected a number < 1, got 1.5']);
    expect(issuesOf(withTable('  - source: shop.orders\n    properties: { a: [1], b: 9007199254740993 }'))).toEqual([
      'tables[0].properties.a: expected a string, number or boolean',
      'tables[0].properties.b: integer too large to read exactly: quote it',
    ]);
    expect(issuesOf(MINIMAL.replace('p1', 'Orders Mirror'))).toEqual(['pipeline-id: expected a pipeline id matching ^[a-z0-9_-]+$, got "Orders Mirror"']);
  });

  it('missing required keys', () => {
    expect(issuesOf(MINIMAL.replace('pipeline-id: p1\n', ''))).toEqual(['pipeline-id: missing required key (expected a string)']);
    expect(issuesOf(MINIMAL.replace(', path: changes.jsonl', ''))).toEqual(['source.path: missing required key (expected a string)']);
    expect(issuesOf(MINIMAL.replace('warehouse: ./wh, ', ''))).toEqual(['target.warehouse: missing required key (expected a string)']);
    expect(issuesOf(MINIMAL.replace('  - source: shop.orders\n', '').replace('tables:', 'tables: []'))).toEqual(['tables: expected at least 1 item(s)']);
    expect(issuesOf(`${MINIMAL}on-error: { mode: dead-letter }\n`)).toEqual(['on-error.dead-letter-path: required when on-error.mode is dead-letter']);
  });

  it('bad partition expressions name the entry and the accepted forms', () => {
    const issues = issuesOf(withTable(`  - source: shop.orders
    partition-by: ['dya(created_at)', 'bucket(id)', 'day(nope)', 'hour(id)', 'truncate(0, id)']
    columns: [{ name: id, type: long }, { name: created_at, type: timestamp }]`));
    expect(issues).toEqual([
      expect.stringMatching(/^tables\[0\]\.partition-by\[0\]: cannot parse "dya\(created_at\)": unknown transform "dya"; accepted forms: column, identity\(column\), .*bucket\(N, column\)/),
      expect.stringMatching(/^tables\[0\]\.partition-by\[1\]: cannot parse "bucket\(id\)": unknown transform "bucket"; accepted forms/),
      'tables[0].partition-by[2]: "day(nope)": unknown column "nope" (columns: id, created_at)',
      'tables[0].partition-by[3]: "hour(id)": transform hour cannot be applied to id of type long',
      expect.stringMatching(/^tables\[0\]\.partition-by\[4\]: cannot parse "truncate\(0, id\)": truncate needs a positive int/),
    ]);
  });

  it('bad regex, and both or neither of source/regex', () => {
    expect(issuesOf(withTable("  - regex: 'shop_(\\d+'"))).toEqual([expect.stringMatching(/^tables\[0\]\.regex: invalid regular expression: .*Unterminated group/)]);
    expect(issuesOf(withTable("  - source: shop.orders\n    regex: 'shop_.*'"))).toEqual([
      'tables[0]: expected exactly one of source (an exact db.table) or regex, got both',
    ]);
    expect(issuesOf(withTable('  - target: orders'))).toEqual(['tables[0]: expected exactly one of source (an exact db.table) or regex, got neither']);
  });

  it('upsert needs format-version 2 and key columns', () => {
    expect(issuesOf(withTable('  - source: shop.orders\n    mode: upsert\n    format-version: 1\n    key-columns: [id]'))).toEqual([
      'tables[0].format-version: upsert mode requires format-version 2 (equality deletes are a v2 feature)',
    ]);
    expect(issuesOf(withTable('  - source: shop.orders\n    mode: upsert'))).toEqual([
      'tables[0].key-columns: upsert mode needs key columns, and the file source has no primary keys: set key-columns',
    ]);
    expect(issuesOf(withTable('  - source: shop.orders\n    key-columns: [id]\n    changelog-mode: append-all'))).toEqual([
      'tables[0].changelog-mode: only valid in append mode (this table is in upsert mode)',
    ]);
  });

  it('columns: bad type strings, duplicates, unknown or unfit key columns', () => {
    const issues = issuesOf(withTable(`  - source: shop.orders
    key-columns: [id, score, nope]
    columns:
      - { name: id, type: 'decimal(50, 2)' }
      - { name: score, type: double }
      - { name: tags, type: 'lst<string>' }
      - { name: score, type: double }`));
    expect(issues).toEqual([
      expect.stringMatching(/^tables\[0\]\.columns\[0\]\.type: cannot parse type "decimal\(50, 2\)" .*decimal precision must be 1\.\.38, got 50/),
      expect.stringMatching(/^tables\[0\]\.columns\[2\]\.type: cannot parse type "lst<string>" at position 4: unknown type "lst"; accepted forms: boolean, int, long/),
    ]);
    const issues2 = issuesOf(withTable(`  - source: shop.orders
    key-columns: [id, score, nope]
    columns:
      - { name: id, type: long }
      - { name: score, type: double }
      - { name: score, type: double }`));
    expect(issues2).toEqual([
      'tables[0].key-columns[1]: column score of type double cannot be a key column (Iceberg identifier fields must be primitive, not float/double)',
      'tables[0].key-columns[2]: unknown column "nope" (columns: id, score)',
      'tables[0].columns[2].name: duplicate column "score"',
    ]);
  });

  it('sources, targets and names', () => {
    expect(parse(MINIMAL.replace('path: changes.jsonl', 'path: changes.jsonl, envelope: unwrapped')).source).toEqual({ type: 'file', path: 'changes.jsonl', envelope: 'unwrapped' });
    expect(issuesOf(MINIMAL.replace('path: changes.jsonl', 'path: changes.jsonl, envelope: flat'))).toEqual(['source.envelope: expected one of "debezium" | "unwrapped", got "flat"']);
    expect(issuesOf(`${MINIMAL.replace('type: file, path: changes.jsonl', 'type: kafka')}`)).toEqual([
      'source.brokers: missing required key (expected a list)',
      'source.topics: missing required key (expected a list)',
      'source.group-id: missing required key (expected a string)',
    ]);
    expect(issuesOf(MINIMAL.replace('type: file, path: changes.jsonl', "type: kafka, brokers: ['k1'], topics: ['a b'], group-id: g, format: avro"))).toEqual([
      'source.brokers[0]: expected host:port, e.g. kafka-1:9092, got "k1"',
      'source.topics[0]: expected a Kafka topic name ([A-Za-z0-9._-], at most 249 characters), got "a b"',
      'source.format: expected one of "debezium" | "canal" | "maxwell", got "avro"',
    ]);
    expect(parse(MINIMAL.replace('type: file, path: changes.jsonl', "type: kafka, brokers: ['k1:9092'], topics: [shop], group-id: g")).source).toMatchObject({ type: 'kafka', brokers: ['k1:9092'], topics: ['shop'], groupId: 'g', format: 'debezium', from: 'earliest' });
    expect(issuesOf(MINIMAL.replace('type: file', 'type: postgres'))).toEqual(['source.type: expected one of "file" | "mysql" | "kafka", got "postgres"']);
    expect(issuesOf(MINIMAL.replace('namespace: demo', 'namespace: demo, catalog: sql'))).toEqual([
      'target.catalog: a SQL catalog needs its database: give { type: sql, uri: postgresql://… | mysql://… | sqlite:/path, name: <catalog name> }',
    ]);
    expect(parsePipelineConfig(MINIMAL.replace('namespace: demo', "namespace: demo, catalog: { type: sql, uri: 'postgresql://u@db:5432/lake' }"), 'test.yaml', {}).target.catalog).toEqual({ type: 'sql', uri: 'postgresql://u@db:5432/lake', name: 'icetide' });
    expect(issuesOf(MINIMAL.replace('namespace: demo', "namespace: demo, catalog: { type: sql, name: x }"))).toEqual([expect.stringMatching(/^target\.catalog/)]);
    expect(issuesOf(MINIMAL.replace('namespace: demo', "namespace: 'a..b'"))).toEqual([expect.stringMatching(/^target\.namespace: expected dotted names/)]);
    expect(issuesOf(MINIMAL.replace('namespace: demo', "namespace: demo, naming: '{schema}_{table}'"))).toEqual([
      'target.naming: unknown placeholder {schema} (expected {db}, {table} or {source})',
    ]);
    expect(issuesOf(withTable('  - source: shop.orders\n  - source: shop.orders\n    target: o2'))).toEqual([
      'tables[1].source: shop.orders is already configured in tables[0]',
    ]);
    expect(issuesOf(withTable('  - source: shop.orders\n  - source: crm.orders'))).toEqual(['tables[1]: target table "orders" is also written by tables[0]']);
    expect(issuesOf(withTable('  - source: shop.orders\n    changelog-table: orders'))).toEqual([
      'tables[0].changelog-table: target table "orders" is also written by tables[0]',
    ]);
    expect(issuesOf(withTable('  - source: shop.orders\n    target: "bad name"'))).toEqual([expect.stringMatching(/^tables\[0\]\.target: expected a name matching/)]);
  });

  it('reports several problems at once, each with its line', () => {
    let err: PipelineConfigError | undefined;
    try {
      parse(`pipeline-id: p1
source: { type: file, path: x.jsonl }
tables:
  - source: a.b
    mode: sideways
target: { warehouse: w, namespace: n }
commit:
  interval-ms: -1
`);
    } catch (e) {
      err = e as PipelineConfigError;
    }
    expect(err?.issues.map((i) => [i.line, i.path])).toEqual([[5, 'tables[0].mode'], [8, 'commit.interval-ms']]);
    expect(err?.message).toContain('test.yaml:5: tables[0].mode: expected one of');
    expect(err?.context.path).toBe('tables[0].mode');
  });

  it('invalid YAML and empty files', () => {
    expect(issuesOf('pipeline-id: [unclosed\n')).toEqual([expect.stringMatching(/^: invalid YAML: /)]);
    expect(issuesOf('a: 1\na: 2\n')).toEqual([expect.stringMatching(/invalid YAML: .*unique/i)]);
    expect(issuesOf('')).toEqual([': the file is empty (expected a YAML mapping)']);
  });

  it('a missing file is a ConfigError naming it', async () => {
    await expect(loadPipelineConfig('/nonexistent/pipeline.yaml')).rejects.toThrow(/\/nonexistent\/pipeline\.yaml: cannot read the pipeline config: no such file/);
  });
});

describe('pipeline config: ${ENV} substitution', () => {
  const tempDir = useTempDir();
  // A function replacement: in a replacement string `$$` would mean `$`.
  const yaml = MINIMAL.replace('path: changes.jsonl', () => 'path: "${DATA_DIR}/changes-$${NOT_A_VAR}.jsonl"');

  it('substitutes variables and keeps $${X} literal', () => {
    expect(parse(yaml, { DATA_DIR: '/data' }).source).toEqual({ type: 'file', path: '/data/changes-${NOT_A_VAR}.jsonl', envelope: 'debezium' });
  });

  it('an unset variable is an error naming it and the key', () => {
    expect(issuesOf(yaml)).toEqual(['source.path: environment variable DATA_DIR is not set']);
  });

  it('malformed references are errors', () => {
    expect(issuesOf(MINIMAL.replace('path: changes.jsonl', 'path: "${DATA DIR}"'))).toEqual([expect.stringMatching(/^source\.path: "\$\{DATA DIR\}" is not a valid variable reference/)]);
    expect(issuesOf(MINIMAL.replace('path: changes.jsonl', 'path: "${DATA_DIR"'))).toEqual([expect.stringMatching(/^source\.path: unterminated "\$\{DATA_DIR"/)]);
  });

  it('loadPipelineConfig reads the environment', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'p.yaml');
    fs.writeFileSync(file, yaml);
    const c = await loadPipelineConfig(file, { DATA_DIR: '/x' });
    expect(c.source.path).toBe('/x/changes-${NOT_A_VAR}.jsonl');
  });
});

describe('pipeline config helpers', () => {
  const c = parse(`
pipeline-id: p
source: { type: file, path: x }
tables:
  - source: shop.orders
    key-columns: [id]
  - regex: 'shop_\\d+\\.orders'
    target: all_orders
  - regex: 'shop\\..*'
  - source: shop.log
    format-version: 1
    key-columns: [id]
target: { warehouse: w, namespace: n, naming: '{db}__{table}' }
`);

  it('matchTable: exact first, then regex in order, whole-name match', () => {
    expect(matchTable(c.tables, 'shop.orders')?.index).toBe(0);
    expect(matchTable(c.tables, 'shop_7.orders')?.index).toBe(1);
    expect(matchTable(c.tables, 'shop.items')?.index).toBe(2);
    expect(matchTable(c.tables, 'crm.users')).toBeUndefined();
    expect(matchTable(c.tables, 'shop_7.orders_x')).toBeUndefined();
  });

  it('resolveTableMode: upsert with keys in v2, else append', () => {
    expect(resolveTableMode(c.tables[0]!, [])).toBe('upsert');
    expect(resolveTableMode(c.tables[2]!, [])).toBe('append');
    expect(resolveTableMode(c.tables[2]!, ['id'])).toBe('upsert'); // source primary key
    expect(resolveTableMode(c.tables[3]!, [])).toBe('append'); // v1
  });

  it('targetTableName: explicit target, else naming', () => {
    expect(targetTableName(c, c.tables[1]!, 'shop_7.orders')).toBe('all_orders');
    expect(targetTableName(c, c.tables[2]!, 'shop.items')).toBe('shop__items');
    expect(() => targetTableName(c, c.tables[2]!, 'shop.it ems')).toThrow(/target\.naming: .* makes "shop__it ems"/);
    expect(applyNaming('{source}', 'a.b.c')).toBe('a_b_c');
    expect(applyNaming('{db}-{table}', 'a.b.c')).toBe('a.b-c');
  });
});

describe('pipeline config: target.storage', () => {
  const s3Target = (storage: string) => MINIMAL.replace('target: { warehouse: ./wh, namespace: demo }', `target:\n  warehouse: s3://lake/wh\n  namespace: demo\n  storage:\n${storage}`);

  it('reads the s3 keys (secrets from ${ENV}) into camelCase', () => {
    const c = parse(s3Target('    s3:\n      endpoint: http://127.0.0.1:9000\n      region: eu-west-1\n      path-style: true\n      access-key-id: ${KEY}\n      secret-access-key: ${SECRET}\n      conditional-writes: true\n'), { KEY: 'AKIA1', SECRET: 's3cr3t' });
    expect(c.target.storage).toEqual({ s3: { endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1', pathStyle: true, accessKeyId: 'AKIA1', secretAccessKey: 's3cr3t', conditionalWrites: true } });
  });

  it('refuses an s3:// warehouse with the filesystem catalog unless conditional-writes is set', () => {
    const issues = issuesOf(s3Target('    s3: { region: eu-west-1 }\n'));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^target\.warehouse: the filesystem catalog cannot commit safely on s3:\/\/lake\/wh: .*Use the SQL catalog \(target\.catalog: sql\)/);
  });

  it('rejects unknown keys, half credentials and a bad endpoint by key path', () => {
    expect(issuesOf(s3Target('    s3: { regoin: x, conditional-writes: true }\n')).join('\n')).toMatch(/target\.storage\.s3\.regoin: unknown key \(expected one of: endpoint, region/);
    expect(issuesOf(s3Target('    s3: { access-key-id: a, conditional-writes: true }\n')).join('\n')).toMatch(/target\.storage\.s3: set both access-key-id and secret-access-key/);
    expect(issuesOf(s3Target('    s3: { endpoint: "127.0.0.1:9000", conditional-writes: true }\n')).join('\n')).toMatch(/target\.storage\.s3\.endpoint: expected an http:\/\/ or https:\/\/ URL/);
  });

  it('a secret never appears in a config error', () => {
    const issues = issuesOf(s3Target('    s3: { access-key-id: a, secret-access-key: TOPSECRETVALUE, bogus: 1, conditional-writes: true }\n'));
    expect(issues.join('\n')).not.toContain('TOPSECRETVALUE');
  });
});
