import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AvroContainerWriter,
  avroSchemaToJson,
  isPlainRecord,
  parseAvroSchema,
  readAvroContainer,
  type AvroField,
  type AvroRecord,
  type AvroSchema,
  type AvroValue,
} from '../../src/avro/index.js';
import { FIXTURES, fixtureAvroFiles } from './helpers.js';

/**
 * Iceberg manifests and manifest lists written by Spark / Iceberg-Java and PyIceberg
 * (shared/iceberg-fixtures), checked against the independent Iceberg-Java oracle output.
 */

const files = fixtureAvroFiles();

function asRecord(v: AvroValue | undefined): AvroRecord {
  if (!isPlainRecord(v)) throw new Error(`expected a record, got ${String(v)}`);
  return v;
}

/** Every record field in a schema graph (named types visited once). */
function allFields(s: AvroSchema, seen = new Set<AvroSchema>()): AvroField[] {
  if (seen.has(s)) return [];
  seen.add(s);
  switch (s.type) {
    case 'record':
      return s.fields.flatMap((f) => [f, ...allFields(f.type, seen)]);
    case 'array':
      return allFields(s.items, seen);
    case 'map':
      return allFields(s.values, seen);
    case 'union':
      return s.branches.flatMap((b) => allFields(b, seen));
    default:
      return [];
  }
}

/** Field name by Iceberg field id in a top-level record schema (v1 and v2 name some fields differently). */
function byFieldId(schema: AvroSchema): Map<number, string> {
  if (schema.type !== 'record') throw new Error('top-level schema is not a record');
  return new Map(schema.fields.filter((f) => f.fieldId !== undefined).map((f) => [f.fieldId!, f.name]));
}

interface OracleManifest {
  path: string;
  content: 'DATA' | 'DELETES';
  length: number;
  partitionSpecId: number;
  sequenceNumber: number | string;
  minSequenceNumber: number | string;
  addedSnapshotId: number | string;
  addedFilesCount: number | null;
  existingFilesCount: number | null;
  deletedFilesCount: number | null;
  addedRowsCount: number | string | null;
  existingRowsCount: number | string | null;
  deletedRowsCount: number | string | null;
}
interface OracleFile {
  path: string;
  recordCount: number | string;
  fileSizeInBytes: number | string;
  deletes?: OracleFile[];
}
interface Oracle {
  formatVersion: number;
  snapshot: { snapshotId: number | string; manifestList?: string | null; manifests: OracleManifest[]; scan: { dataFiles: OracleFile[] } };
}

/** oracle-plan.json with every 16+ digit integer kept exact (as a string). */
function readOracle(fixture: string): Oracle {
  const text = readFileSync(path.join(FIXTURES, fixture, 'expected', 'oracle-plan.json'), 'utf8');
  return JSON.parse(text.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"$2"')) as Oracle;
}

const big = (v: number | string | null): bigint | null => (v === null ? null : BigInt(v));
const local = (fixture: string, p: string) => path.join(FIXTURES, fixture, 'table', 'metadata', path.basename(p));

function decode(file: string): { container: ReturnType<typeof readAvroContainer>; records: AvroRecord[] } {
  const container = readAvroContainer(readFileSync(file), file);
  return { container, records: [...container.records()].map(asRecord) };
}

describe('Iceberg fixture files', () => {
  it('are present', () => {
    expect(files.length).toBeGreaterThanOrEqual(70);
  });

  it('every file decodes, in every codec the fixtures use (null from PyIceberg, deflate from Spark)', () => {
    const codecs = new Map<string, number>();
    for (const [, file] of files) {
      const { container, records } = decode(file);
      codecs.set(container.codec, (codecs.get(container.codec) ?? 0) + 1);
      expect(records.length).toBe(container.recordCount);
      // Iceberg gives every field an id, in manifests and manifest lists alike.
      const fields = allFields(container.schema);
      expect(fields.length).toBeGreaterThan(0);
      expect(fields.filter((f) => f.fieldId === undefined).map((f) => f.name)).toStrictEqual([]);
      const name = path.basename(file);
      if (name.startsWith('snap-')) {
        expect(container.schema).toMatchObject({ type: 'record', name: 'manifest_file' });
        for (const r of records) expect(typeof r['manifest_path']).toBe('string');
      } else {
        expect(container.schema).toMatchObject({ type: 'record', name: 'manifest_entry' });
        for (const r of records) {
          expect([0, 1, 2]).toContain(r['status']);
          const df = asRecord(r['data_file']);
          expect(typeof df['file_path']).toBe('string');
          expect(typeof df['record_count']).toBe('bigint');
        }
      }
    }
    // Snappy and zstandard appear in no fixture: roundtrip.test.ts and container.test.ts cover them.
    expect(Object.fromEntries(codecs)).toStrictEqual({ deflate: 69, null: 4 });
  });

  it('spark-v2-eqdeletes current manifest list: exact paths, bigint snapshot ids, field ids', () => {
    const file = path.join(FIXTURES, 'spark-v2-eqdeletes/table/metadata/snap-1916084761853986166-1-61648895-78fc-44d6-bf55-298a7614c4f8.avro');
    const { container, records } = decode(file);
    expect(container.codec).toBe('deflate');
    expect(records.map((r) => path.basename(r['manifest_path'] as string))).toStrictEqual([
      '8057d23a-ed01-40cb-bfd6-44b145234c6d-m0.avro',
      'bcc5469e-83b4-4a41-be7e-af79ed029353-m0.avro',
      '61648895-78fc-44d6-bf55-298a7614c4f8-m0.avro',
      'c4028cec-4266-45e9-bf74-77cbf1b55328-m0.avro',
      '91bf4420-2bae-484f-b724-8184d56d3029-m0.avro',
      '34f7dec7-90c5-4cd5-b158-5782b73fc010-m0.avro',
    ]);
    expect(records.map((r) => r['added_snapshot_id'])).toStrictEqual([
      3340507003387467420n,
      853766660775201079n,
      1916084761853986166n,
      842401149381792626n,
      1584331123492059582n,
      7342794868382145167n,
    ]);
    expect(records[0]).toMatchObject({ manifest_length: 7105n, partition_spec_id: 0, content: 0, sequence_number: 5n, added_rows_count: 2n, partitions: [], key_metadata: null });
    // The file's own metadata: schema with Iceberg field ids, and Iceberg's extra keys.
    const schemaJson = JSON.parse(container.metadataString('avro.schema')!) as { fields: { name: string; 'field-id': number }[] };
    expect(schemaJson.fields.find((f) => f.name === 'manifest_path')?.['field-id']).toBe(500);
    expect(schemaJson.fields.find((f) => f.name === 'added_snapshot_id')?.['field-id']).toBe(503);
    expect(byFieldId(container.schema).get(500)).toBe('manifest_path');
    expect(container.metadataString('snapshot-id')).toBe('1916084761853986166');
    expect(container.metadataString('parent-snapshot-id')).toBe('3340507003387467420');
    expect(container.metadataString('format-version')).toBe('2');
    expect(container.metadataString('no-such-key')).toBeUndefined();
  });

  it('a Spark manifest: entry and data file as Iceberg-Java wrote them', () => {
    const { container, records } = decode(path.join(FIXTURES, 'spark-v2-eqdeletes/table/metadata/8057d23a-ed01-40cb-bfd6-44b145234c6d-m0.avro'));
    expect(container.metadataString('content')).toBe('data');
    expect(records).toHaveLength(1);
    const e = records[0]!;
    expect(e).toMatchObject({ status: 1, snapshot_id: 3340507003387467420n, sequence_number: null, file_sequence_number: null });
    const df = asRecord(e['data_file']);
    expect(df).toMatchObject({
      content: 0,
      file_path: 'data/persistent/equality_deletes/warehouse/mydb/mytable/data/00000-12-3ac0d3a9-e19f-4bef-a39a-30030476b8aa-0-00001.parquet',
      file_format: 'PARQUET',
      partition: {},
      record_count: 2n,
      file_size_in_bytes: 909n,
      split_offsets: [4n],
      sort_order_id: 0,
    });
    // Iceberg map<int, binary> as an array of key/value records; bounds are Uint8Arrays.
    expect(df['lower_bounds']).toStrictEqual([
      { key: 1, value: new Uint8Array([5, 0, 0, 0]) },
      { key: 2, value: new Uint8Array([101]) },
      { key: 3, value: new Uint8Array([125, 78, 0, 0]) },
    ]);
  });

  it('a PyIceberg manifest (null codec, day-partitioned): partition value as an int date', () => {
    const dir = path.join(FIXTURES, 'pyiceberg-v2-day-partition/table/metadata');
    const { container, records } = decode(path.join(dir, '8574bca8-244f-4667-965a-03a41a3e4e0e-m0.avro'));
    expect(container.codec).toBe('null');
    const partition = asRecord(asRecord(records[0]!['data_file'])['partition']);
    expect(Object.keys(partition)).toStrictEqual(['_day']);
    expect(typeof partition['_day']).toBe('number');
    const s = container.schema;
    const partType = allFields(s).find((f) => f.name === '_day')!;
    expect(partType.fieldId).toBe(1000);
    expect(partType.type).toStrictEqual({ type: 'union', branches: [{ type: 'null' }, { type: 'int', logicalType: 'date' }] });
  });

  const fixturesWithOracle = [...new Set(files.map(([f]) => f))];

  it.each(fixturesWithOracle)('%s: current snapshot manifest list and manifests agree with the Iceberg-Java oracle', (fixture) => {
    const oracle = readOracle(fixture);
    const snap = oracle.snapshot;
    // The hand-edited legacy v1 table embeds its manifests in the metadata (no manifest list).
    if (snap.manifestList) {
      const { container, records } = decode(local(fixture, snap.manifestList));
      const ids = byFieldId(container.schema);
      const get = (r: AvroRecord, id: number) => (ids.has(id) ? r[ids.get(id)!] : undefined);
      expect(records.map((r) => get(r, 500))).toStrictEqual(snap.manifests.map((m) => m.path));
      snap.manifests.forEach((m, i) => {
        const r = records[i]!;
        expect(get(r, 501)).toBe(BigInt(m.length));
        expect(get(r, 502)).toBe(m.partitionSpecId);
        expect(get(r, 503)).toBe(big(m.addedSnapshotId));
        expect(get(r, 517) ?? 0).toBe(m.content === 'DATA' ? 0 : 1);
        // v1 lists have no sequence numbers: the oracle reports the inherited 0.
        expect(get(r, 515) ?? 0n).toBe(big(m.sequenceNumber));
        expect(get(r, 516) ?? 0n).toBe(big(m.minSequenceNumber));
        if (m.addedFilesCount !== null) expect(get(r, 504)).toBe(m.addedFilesCount);
        if (m.existingFilesCount !== null) expect(get(r, 505)).toBe(m.existingFilesCount);
        if (m.deletedFilesCount !== null) expect(get(r, 506)).toBe(m.deletedFilesCount);
        if (m.addedRowsCount !== null) expect(get(r, 512)).toBe(big(m.addedRowsCount));
        if (m.existingRowsCount !== null) expect(get(r, 513)).toBe(big(m.existingRowsCount));
        if (m.deletedRowsCount !== null) expect(get(r, 514)).toBe(big(m.deletedRowsCount));
      });
    }
    // Every manifest's recorded length is its size on disk.
    for (const m of snap.manifests) expect(statSync(local(fixture, m.path)).size).toBe(m.length);

    // Every planned data and delete file is a live entry of one of the snapshot's manifests.
    const live = new Map<string, AvroRecord>();
    for (const m of snap.manifests) {
      for (const e of decode(local(fixture, m.path)).records) {
        const df = asRecord(e['data_file']);
        if (e['status'] !== 2) live.set(df['file_path'] as string, df);
      }
    }
    const planned = snap.scan.dataFiles.flatMap((f) => [f, ...(f.deletes ?? [])]);
    expect(planned.length).toBeGreaterThan(0);
    for (const f of planned) {
      const df = live.get(f.path);
      expect(df, f.path).toBeDefined();
      expect(df!['record_count']).toBe(big(f.recordCount));
      expect(df!['file_size_in_bytes']).toBe(big(f.fileSizeInBytes));
    }
  });

  it('every file re-encodes through our writer (its own codec and snappy) to the same records and schema', () => {
    for (const [, file] of files) {
      const { container, records } = decode(file);
      const ownCodec = container.codec === 'null' ? 'null' : 'deflate';
      for (const codec of [ownCodec, 'snappy'] as const) {
        const w = new AvroContainerWriter(container.schema, { codec, blockRecords: 3 });
        for (const r of records) w.append(r);
        const copy = readAvroContainer(w.finish(), `${file} (rewritten, ${codec})`);
        expect([...copy.records()]).toStrictEqual(records);
        expect(copy.metadataString('avro.schema')).toBe(avroSchemaToJson(parseAvroSchema(container.metadataString('avro.schema')!)));
      }
    }
  });
});
