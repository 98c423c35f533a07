import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidMetadataError, UnsupportedError } from '../../../src/errors.js';
import { parseJson, stringifyJson, type JsonObject } from '../../../src/iceberg/spec/lossless-json.js';
import {
  parseTableMetadata,
  serializeTableMetadata,
  tableMetadataFromJson,
  tableMetadataToJson,
} from '../../../src/iceberg/spec/table-metadata-parser.js';
import type { TableMetadata } from '../../../src/iceberg/spec/table-metadata.js';
import { errorOf as expectError } from '../../support/error-of.js';

const errorOf = (fn: () => unknown) => expectError(fn, Error);

const FIXTURES = path.resolve(process.cwd(), '../shared/iceberg-fixtures');
const EXAMPLES = path.join(FIXTURES, 'metadata-json-examples');

interface Expectation {
  readonly file: string;
  readonly valid: boolean;
  readonly detail: string;
}

function expectations(): Expectation[] {
  return readFileSync(path.join(EXAMPLES, 'EXPECTED.tsv'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [file, verdict, detail] = line.split('\t');
      return { file: file!, valid: verdict === 'VALID', detail: detail ?? '' };
    });
}

/** Every `*.metadata.json` under `<fixture>/table/metadata/`. */
function tableMetadataFiles(): string[] {
  return readdirSync(FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'metadata-json-examples')
    .flatMap((d) => {
      const dir = path.join(FIXTURES, d.name, 'table', 'metadata');
      return readdirSync(dir).filter((f) => f.endsWith('.metadata.json')).map((f) => path.join(dir, f));
    })
    .sort();
}

const rel = (file: string): string => path.relative(FIXTURES, file);
const load = (file: string): TableMetadata => parseTableMetadata(readFileSync(file, 'utf8'), file);
const loadFixture = (table: string, file: string): TableMetadata => load(path.join(FIXTURES, table, 'table', 'metadata', file));


/** Java's message without the exception class, `from json:` worded as ours, lower case. */
function javaProblem(detail: string): string {
  return detail.replace(/^\w+Exception: /, '').replace('from json: ', 'from ').toLowerCase();
}

describe('metadata-json-examples (apache/iceberg test resources)', () => {
  const cases = expectations();

  it('EXPECTED.tsv lists every example', () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.json')).sort();
    expect(cases.map((c) => c.file).sort()).toEqual(files);
  });

  it.each(cases.filter((c) => c.valid))('accepts $file ($detail)', ({ file, detail }) => {
    const md = load(path.join(EXAMPLES, file));
    const m = /^format-version (\d+), (\d+) snapshot\(s\)$/.exec(detail);
    expect(m).not.toBeNull();
    expect(md.formatVersion).toBe(Number(m![1]));
    expect(md.snapshots).toHaveLength(Number(m![2]));
  });

  it.each(cases.filter((c) => !c.valid))('rejects $file as Java does: $detail', ({ file, detail }) => {
    const source = path.join(EXAMPLES, file);
    const err = errorOf(() => load(source));
    expect(err).toBeInstanceOf(InvalidMetadataError);
    expect(err.message.startsWith(`${source}: `)).toBe(true);
    // The TSV cuts long Java messages; compare the part it keeps (at most 60 characters).
    const problem = javaProblem(detail);
    expect(err.message.toLowerCase()).toContain(problem.slice(0, Math.min(60, problem.length)));
  });
});

describe('fixture tables written by Spark, PyIceberg and by hand', () => {
  const files = tableMetadataFiles();

  it('finds the fixture metadata files', () => {
    expect(files.length).toBeGreaterThan(30);
  });

  it.each(files.map((f) => [rel(f), f]))('parses %s', (_name, file) => {
    const md = load(file);
    expect([1, 2]).toContain(md.formatVersion);
    expect(md.schemas.some((s) => s.schemaId === md.currentSchemaId)).toBe(true);
    if (md.currentSnapshotId !== undefined) expect(md.refs['main']?.snapshotId).toBe(md.currentSnapshotId);
  });

  it('spark-v2-eqdeletes v7: current snapshot id is exact beyond 2^53', () => {
    const md = loadFixture('spark-v2-eqdeletes', 'v7.metadata.json');
    expect(readFileSync(path.join(FIXTURES, 'spark-v2-eqdeletes/table/metadata/version-hint.text'), 'utf8').trim()).toBe('7');
    expect(md.formatVersion).toBe(2);
    expect(md.currentSnapshotId).toBe(1916084761853986166n);
    expect(md.lastSequenceNumber).toBe(6n);
    expect(md.snapshots).toHaveLength(6);
    expect(md.refs).toEqual({ main: { snapshotId: 1916084761853986166n, type: 'branch' } });
    const current = md.snapshots.find((s) => s.snapshotId === md.currentSnapshotId)!;
    expect(current.sequenceNumber).toBe(6n);
    expect(current.manifestList).toMatch(/snap-1916084761853986166-1-61648895.*\.avro$/);
    expect(md.schemas[0]!.fields.map((f) => [f.name, f.type.kind])).toEqual([['id', 'int'], ['name', 'string'], ['bir', 'date']]);
  });

  it('spark-v1-overwrites v9: v1 sequence numbers are 0 and schema evolution is kept', () => {
    const md = loadFixture('spark-v1-overwrites', 'v9.metadata.json');
    expect(md.formatVersion).toBe(1);
    expect(md.lastSequenceNumber).toBe(0n);
    expect(md.currentSnapshotId).toBe(4407328776463037310n);
    expect(md.snapshots.every((s) => s.sequenceNumber === 0n)).toBe(true);
    expect(md.schemas.map((s) => s.schemaId)).toEqual([0, 1, 2]);
    expect(md.currentSchemaId).toBe(2);
    const current = md.schemas.find((s) => s.schemaId === 2)!;
    expect(current.findFieldByName('l_extendedprice_dec9_2')?.type).toEqual({ kind: 'decimal', precision: 9, scale: 2 });
    expect(current.findFieldByName('schema_evol_added_col_1')?.id).toBe(16);
  });

  it('pyiceberg-v2-day-partition: day transform, map column, field order independent', () => {
    const md = loadFixture('pyiceberg-v2-day-partition', '00002-0e059d4b-e5e8-41af-a763-76cbf3a3d0bc.metadata.json');
    expect(md.formatVersion).toBe(2);
    expect(md.lastSequenceNumber).toBe(2n);
    expect(md.currentSnapshotId).toBe(554549470069664013n);
    expect(md.partitionSpecs).toEqual([{ specId: 0, fields: [{ sourceId: 1, fieldId: 1000, name: '_day', transform: { kind: 'day' } }] }]);
    expect(md.schemas[0]!.findField(4)?.type).toEqual({ kind: 'map', keyId: 5, key: { kind: 'string' }, valueId: 6, valueRequired: false, value: { kind: 'string' } });
    expect(md.metadataLog).toHaveLength(2);
  });

  it('spark-v2-partition-evolution: two specs, the default is the newer one', () => {
    const md = loadFixture('spark-v2-partition-evolution-duckdb-rewritten', 'v4.metadata.json');
    expect(md.partitionSpecs.map((s) => s.fields.length)).toEqual([1, 2]);
    expect(md.defaultSpecId).toBe(1);
    expect(md.lastPartitionId).toBe(1001);
  });

  it('v1-legacy-embedded-manifests: the current (version-hint) file has the oldest v1 shape', () => {
    const hint = readFileSync(path.join(FIXTURES, 'v1-legacy-embedded-manifests/table/metadata/version-hint.text'), 'utf8').trim();
    expect(hint).toBe('2');
    const md = loadFixture('v1-legacy-embedded-manifests', `v${hint}.metadata.json`);
    expect(md.formatVersion).toBe(1);
    expect(md.tableUuid).toBe('8f3adae2-03ef-4e06-9f33-663ab7adcc41');
    expect(md.schemas).toHaveLength(1);
    expect(md.currentSchemaId).toBe(0);
    expect(md.schemas[0]!.fields.map((f) => f.name)).toEqual(['id', 'category', 'amount']);
    expect(md.partitionSpecs).toEqual([{ specId: 0, fields: [{ sourceId: 2, fieldId: 1000, name: 'category', transform: { kind: 'identity' } }] }]);
    expect(md.defaultSpecId).toBe(0);
    expect(md.lastPartitionId).toBe(1000);
    expect(md.sortOrders).toEqual([{ orderId: 0, fields: [] }]);
    expect(md.defaultSortOrderId).toBe(0);
    expect(md.snapshots).toHaveLength(1);
    const snap = md.snapshots[0]!;
    expect(snap.snapshotId).toBe(2456114553637229296n);
    expect(snap.manifestList).toBeUndefined();
    expect(snap.manifests).toEqual(['data/persistent/iceberg_v1_deprecated/default/legacy_v1/metadata/d65f86b0-b799-467f-b1f4-9c697e4c4fc7-m0.avro']);
    expect(snap.summary.operation).toBe('append');
    expect(snap.summary['total-records']).toBe('3');
    expect(md.currentSnapshotId).toBe(2456114553637229296n);
  });
});

describe('round trip: parse -> serialize -> parse', () => {
  const all = [
    ...tableMetadataFiles(),
    ...expectations().filter((c) => c.valid).map((c) => path.join(EXAMPLES, c.file)),
  ];

  it.each(all.map((f) => [rel(f), f]))('%s', (_name, file) => {
    const md = load(file);
    const text = serializeTableMetadata(md);
    expect(parseTableMetadata(text, 'round-trip')).toEqual(md);
    // Serializing is deterministic and stable after one round.
    expect(serializeTableMetadata(parseTableMetadata(text))).toBe(text);
  });

  it('writes 64-bit ids as exact digits', () => {
    const text = serializeTableMetadata(loadFixture('spark-v2-eqdeletes', 'v7.metadata.json'));
    expect(text).toContain('"current-snapshot-id": 1916084761853986166');
    expect(text).toContain('"snapshot-id": 7342794868382145167');
  });
});

describe('serialized shape per format version', () => {
  it('v1 keeps writing schema and partition-spec next to schemas and partition-specs, like Java', () => {
    const out = tableMetadataToJson(load(path.join(EXAMPLES, 'TableMetadataV1Valid.json')));
    expect(Object.keys(out)).toEqual([
      'format-version', 'table-uuid', 'location', 'last-updated-ms', 'last-column-id', 'schema', 'current-schema-id', 'schemas',
      'partition-spec', 'default-spec-id', 'partition-specs', 'last-partition-id', 'default-sort-order-id', 'sort-orders',
      'properties', 'current-snapshot-id', 'refs', 'snapshots', 'statistics', 'partition-statistics', 'snapshot-log', 'metadata-log',
    ]);
    expect(out['partition-spec']).toEqual([{ name: 'x', transform: 'identity', 'source-id': 1, 'field-id': 1000 }]);
    expect(out['current-snapshot-id']).toBe(-1n);
    expect(out['schema']).toEqual((out['schemas'] as JsonObject[])[0]);
  });

  it('v1 snapshots carry no sequence-number; embedded manifests stay embedded', () => {
    const out = tableMetadataToJson(loadFixture('v1-legacy-embedded-manifests', 'v2.metadata.json'));
    const snap = (out['snapshots'] as JsonObject[])[0]!;
    expect(snap['sequence-number']).toBeUndefined();
    expect(snap['manifests']).toHaveLength(1);
    expect(snap['manifest-list']).toBeUndefined();
  });

  it('v2 writes last-sequence-number and snapshot sequence numbers, and no v1 fields', () => {
    const out = tableMetadataToJson(load(path.join(EXAMPLES, 'TableMetadataV2Valid.json')));
    expect(out['last-sequence-number']).toBe(34n);
    expect(out['schema']).toBeUndefined();
    expect(out['partition-spec']).toBeUndefined();
    expect(out['next-row-id']).toBeUndefined();
    expect((out['snapshots'] as JsonObject[]).map((s) => s['sequence-number'])).toEqual([0n, 1n]);
  });

  it('v3 writes next-row-id and leaves out current-snapshot-id when there is none', () => {
    const md = load(path.join(EXAMPLES, 'TableMetadataV3ValidMinimal.json'));
    expect(md.nextRowId).toBe(0n);
    expect(md.schemas[0]!.fields[0]).toMatchObject({ initialDefault: 1, writeDefault: 1 });
    const out = tableMetadataToJson(md);
    expect(out['next-row-id']).toBe(0n);
    expect('current-snapshot-id' in out).toBe(false);
    expect((out['schemas'] as JsonObject[])[0]!['fields']).toContainEqual({ id: 1, name: 'x', required: true, type: 'long', 'initial-default': 1, 'write-default': 1 });
  });

  it('a v1 table without table-uuid does not gain one', () => {
    const json = parseJson(readFileSync(path.join(EXAMPLES, 'TableMetadataV1Valid.json'), 'utf8')) as JsonObject;
    delete json['table-uuid'];
    const md = tableMetadataFromJson(json);
    expect(md.tableUuid).toBe('');
    expect('table-uuid' in tableMetadataToJson(md)).toBe(false);
  });
});

// --- Semantics and bad input ------------------------------------------------------------------

/** A valid v2 document (TableMetadataV2Valid.json) to mutate. */
function v2(): JsonObject {
  return parseJson(readFileSync(path.join(EXAMPLES, 'TableMetadataV2Valid.json'), 'utf8')) as JsonObject;
}

function v3(): JsonObject {
  return parseJson(readFileSync(path.join(EXAMPLES, 'TableMetadataV3ValidMinimal.json'), 'utf8')) as JsonObject;
}

function parseDoc(doc: JsonObject, source = 'meta/v9.metadata.json'): TableMetadata {
  return parseTableMetadata(stringifyJson(doc, 2), source);
}

function rejects(doc: JsonObject, message: string): InvalidMetadataError {
  const err = errorOf(() => parseDoc(doc));
  expect(err).toBeInstanceOf(InvalidMetadataError);
  expect(err.message).toBe(`meta/v9.metadata.json: ${message}`);
  return err as InvalidMetadataError;
}

describe('semantics', () => {
  it('makes a main branch from current-snapshot-id when refs are absent', () => {
    const md = parseDoc(v2());
    expect(md.refs).toEqual({ main: { snapshotId: 3055729675574597004n, type: 'branch' } });
  });

  it('reads refs with retention settings', () => {
    const doc = v2();
    doc['refs'] = {
      main: { 'snapshot-id': 3055729675574597004n, type: 'branch', 'min-snapshots-to-keep': 2, 'max-snapshot-age-ms': 86400000 },
      audit: { 'snapshot-id': 3051729675574597004n, type: 'tag', 'max-ref-age-ms': 1000 },
    };
    const md = parseDoc(doc);
    expect(md.refs).toEqual({
      main: { snapshotId: 3055729675574597004n, type: 'branch', minSnapshotsToKeep: 2, maxSnapshotAgeMs: 86400000 },
      audit: { snapshotId: 3051729675574597004n, type: 'tag', maxRefAgeMs: 1000 },
    });
    expect(tableMetadataToJson(md)['refs']).toEqual(doc['refs']);
  });

  it('keeps odd keys such as "__proto__" as plain entries', () => {
    const doc = v2();
    doc['properties'] = parseJson('{"__proto__": "x", "write.format.default": "parquet"}') as JsonObject;
    doc['refs'] = parseJson('{"main": {"snapshot-id": 3055729675574597004, "type": "branch"}, "__proto__": {"snapshot-id": 3051729675574597004, "type": "tag"}}') as JsonObject;
    const md = parseDoc(doc);
    expect(Object.keys(md.properties)).toEqual(['__proto__', 'write.format.default']);
    expect(Object.keys(md.refs)).toEqual(['main', '__proto__']);
    expect(parseTableMetadata(serializeTableMetadata(md))).toEqual(md);
  });

  it('treats a missing, null or -1 current-snapshot-id as none', () => {
    for (const value of [undefined, null, -1]) {
      const doc = v2();
      doc['snapshots'] = [];
      doc['snapshot-log'] = [];
      if (value === undefined) delete doc['current-snapshot-id'];
      else doc['current-snapshot-id'] = value;
      const md = parseDoc(doc);
      expect(md.currentSnapshotId).toBeUndefined();
      expect(md.refs).toEqual({});
    }
  });

  it('defaults a missing v1 snapshot summary to operation append', () => {
    const doc = parseJson(readFileSync(path.join(EXAMPLES, 'TableMetadataV1Valid.json'), 'utf8')) as JsonObject;
    doc['snapshots'] = [{ 'snapshot-id': 5, 'timestamp-ms': 1, manifests: ['m0.avro', 'm1.avro'] }];
    doc['current-snapshot-id'] = 5;
    const md = parseDoc(doc);
    expect(md.snapshots[0]).toEqual({ snapshotId: 5n, sequenceNumber: 0n, timestampMs: 1, summary: { operation: 'append' }, manifests: ['m0.avro', 'm1.avro'] });
  });

  it('defaults v1 last-partition-id to the highest partition field id (999 when none)', () => {
    const doc = parseJson(readFileSync(path.join(EXAMPLES, 'TableMetadataV1Valid.json'), 'utf8')) as JsonObject;
    expect(parseDoc(doc).lastPartitionId).toBe(1000);
    doc['partition-spec'] = [];
    expect(parseDoc(doc).lastPartitionId).toBe(999);
  });

  it('reads statistics and partition statistics files', () => {
    const md = load(path.join(EXAMPLES, 'TableMetadataStatisticsFiles.json'));
    expect(md.statistics).toEqual([{
      snapshotId: 3055729675574597004n,
      statisticsPath: 's3://a/b/stats.puffin',
      fileSizeInBytes: 413n,
      fileFooterSizeInBytes: 42n,
      blobMetadata: [{ type: 'ndv', snapshotId: 3055729675574597004n, sequenceNumber: 1n, fields: [1] }],
    }]);
    const p = load(path.join(EXAMPLES, 'TableMetadataPartitionStatisticsFiles.json'));
    expect(p.partitionStatistics).toEqual([{ snapshotId: 3055729675574597004n, statisticsPath: 's3://a/b/partition-stats.parquet', fileSizeInBytes: 43n }]);
  });

  it('reads v3 row lineage fields of snapshots', () => {
    const doc = v3();
    doc['snapshots'] = [{ 'snapshot-id': 1, 'sequence-number': 1, 'timestamp-ms': 5, summary: { operation: 'append' }, 'manifest-list': 'l.avro', 'first-row-id': 0, 'added-rows': 10 }];
    doc['current-snapshot-id'] = 1;
    doc['next-row-id'] = 10;
    const md = parseDoc(doc);
    expect(md.snapshots[0]).toMatchObject({ firstRowId: 0n, addedRows: 10n });
    expect(md.nextRowId).toBe(10n);
    expect(parseTableMetadata(serializeTableMetadata(md))).toEqual(md);
  });
});

describe('bad input names the source and the field', () => {
  it('truncated JSON: line and column', () => {
    const text = readFileSync(path.join(EXAMPLES, 'TableMetadataV2Valid.json'), 'utf8');
    const cut = text.slice(0, text.indexOf('"snapshots"') + 20);
    const err = errorOf(() => parseTableMetadata(cut, 'warehouse/t/metadata/v3.metadata.json'));
    expect(err).toBeInstanceOf(InvalidMetadataError);
    expect(err.message).toMatch(/^warehouse\/t\/metadata\/v3\.metadata\.json:\d+:\d+: invalid JSON: unexpected end of input/);
  });

  it('a document that is not an object', () => {
    expect(errorOf(() => parseTableMetadata('[1, 2]', 'a.json')).message).toBe('a.json: expected an object, got [1,2]');
  });

  it.each([
    ['last-column-id', '3', 'last-column-id: expected an int, got "3"'],
    ['last-column-id', 2 ** 31, 'last-column-id: expected an int, got 2147483648'],
    ['location', 5, 'location: expected a string, got 5'],
    ['last-sequence-number', 1.5, 'last-sequence-number: expected a long, got 1.5'],
    ['last-sequence-number', 2n ** 63n, 'last-sequence-number: expected a long, got 9223372036854775808'],
    ['current-snapshot-id', 'x', 'current-snapshot-id: expected a long, got "x"'],
    ['properties', { a: 1 }, 'properties.a: expected a string, got 1'],
    ['snapshots', {}, 'snapshots: expected an array, got {}'],
    ['schemas', 'x', 'schemas: expected an array, got "x"'],
    ['format-version', '2', 'format-version: expected an int, got "2"'],
    ['format-version', 0, 'Cannot read unsupported version 0'],
    ['format-version', 4, 'Cannot read unsupported version 4'],
  ])('%s = %s', (key, value, message) => {
    const doc = v2();
    doc[key] = value as JsonObject[string];
    const err = rejects(doc, message);
    expect(err.context['source']).toBe('meta/v9.metadata.json');
  });

  it.each([
    ['table-uuid', 'table-uuid must exist in format v2'],
    ['last-sequence-number', 'last-sequence-number must exist in format v2'],
    ['location', 'location: missing required field'],
    ['last-updated-ms', 'last-updated-ms: missing required field'],
    ['current-schema-id', 'current-schema-id: missing required field'],
    ['default-spec-id', 'default-spec-id: missing required field'],
    ['default-sort-order-id', 'default-sort-order-id: missing required field'],
  ])('missing %s', (key, message) => {
    const doc = v2();
    delete doc[key];
    rejects(doc, message);
  });

  it('missing v3 next-row-id', () => {
    const doc = v3();
    delete doc['next-row-id'];
    rejects(doc, 'next-row-id must exist in format v3');
  });

  it('nested paths: snapshot, summary, ref, schema field', () => {
    let doc = v2();
    (doc['snapshots'] as JsonObject[])[1]!['timestamp-ms'] = 'yesterday';
    rejects(doc, 'snapshots[1].timestamp-ms: expected a long within +-2^53, got "yesterday"');

    doc = v2();
    (doc['snapshots'] as JsonObject[])[0]!['summary'] = { operation: 'merge' };
    rejects(doc, 'snapshots[0].summary.operation: unknown snapshot operation "merge"');

    doc = v2();
    doc['refs'] = { main: { 'snapshot-id': 3055729675574597004n, type: 'trunk' } };
    rejects(doc, 'refs.main.type: expected "branch" or "tag", got "trunk"');

    doc = v2();
    (((doc['schemas'] as JsonObject[])[1]!['fields'] as JsonObject[])[2]!)['type'] = { fields: [] };
    rejects(doc, 'schemas[1].fields[2].type: cannot parse type from {"fields":[]}');

    doc = v2();
    delete (doc['snapshots'] as JsonObject[])[0]!['manifest-list'];
    rejects(doc, 'snapshots[0].manifests: missing required field');
  });

  it('ids that point nowhere', () => {
    let doc = v2();
    doc['default-spec-id'] = 7;
    rejects(doc, 'Cannot find partition spec with default-spec-id=7 from partition-specs');

    doc = v2();
    doc['default-sort-order-id'] = 0;
    rejects(doc, 'Cannot find sort order with default-sort-order-id=0 from sort-orders');

    doc = v2();
    doc['current-snapshot-id'] = 42;
    rejects(doc, 'Cannot find current-snapshot-id=42 from snapshots');

    doc = v2();
    doc['refs'] = { main: { 'snapshot-id': 3055729675574597004n, type: 'branch' }, old: { 'snapshot-id': 9, type: 'tag' } };
    rejects(doc, 'refs.old.snapshot-id: snapshot 9 for reference old does not exist in snapshots');

    doc = v2();
    doc['refs'] = { main: { 'snapshot-id': 3051729675574597004n, type: 'branch' } };
    rejects(doc, 'current-snapshot-id: Current snapshot ID does not match main branch (3055729675574597004 != 3051729675574597004)');

    doc = v2();
    doc['current-snapshot-id'] = -1;
    doc['refs'] = { main: { 'snapshot-id': 3051729675574597004n, type: 'branch' } };
    rejects(doc, 'refs.main: Current snapshot is not set, but main branch exists: 3051729675574597004');

    doc = v2();
    (doc['schemas'] as JsonObject[])[1]!['schema-id'] = 0;
    rejects(doc, 'schemas[1].schema-id: duplicate schema-id 0');

    doc = v2();
    ((doc['partition-specs'] as JsonObject[])[0]!['fields'] as JsonObject[])[0]!['source-id'] = 99;
    rejects(doc, 'partition-specs[0].fields[0].source-id: cannot find source column 99 in current schema 1');
  });

  it('a snapshot sequence number beyond last-sequence-number', () => {
    const doc = v2();
    doc['last-sequence-number'] = 0;
    rejects(doc, 'snapshots[1].sequence-number: Invalid snapshot with sequence number 1 greater than last sequence number 0');
  });

  it('encryption (not supported) is refused rather than dropped', () => {
    const doc = v3();
    doc['encryption-keys'] = [{ 'key-id': 'k', 'encrypted-key-metadata': 'AA==' }];
    const err = errorOf(() => parseDoc(doc));
    expect(err).toBeInstanceOf(UnsupportedError);
    expect(err.message).toContain('encryption-keys');
  });

  it('without a source, messages still name the field', () => {
    const doc = v2();
    doc['last-column-id'] = '3';
    expect(errorOf(() => tableMetadataFromJson(doc)).message).toBe('last-column-id: expected an int, got "3"');
  });
});
