import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LocalFileIO } from '../../src/io/local-file-io.js';
import { decodeManifestList, readManifestList } from '../../src/iceberg/manifest-list-reader.js';
import { writeManifestList } from '../../src/iceberg/manifest-list-writer.js';
import { decodeManifest, readManifest } from '../../src/iceberg/manifest-reader.js';
import { ManifestWriter, UNASSIGNED_SEQ } from '../../src/iceberg/manifest-writer.js';
import { partitionStructType } from '../../src/iceberg/partition-type.js';
import type { DataFile } from '../../src/iceberg/spec/manifest.js';
import type { PartitionSpec } from '../../src/iceberg/spec/partition-spec.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import type { FormatVersion } from '../../src/iceberg/spec/table-metadata.js';
import { decimal, primitive, type PrimitiveType } from '../../src/iceberg/spec/types.js';
import { readAvroContainer } from '../../src/avro/index.js';
import { useTempDir } from '../support/temp-dir.js';
import path from 'node:path';

const schema = new Schema(3, [
  { id: 1, name: 'id', required: true, type: primitive('long') },
  { id: 2, name: 'ts', required: false, type: primitive('timestamptz') },
  { id: 3, name: 'amount', required: false, type: decimal(38, 10) },
  { id: 4, name: 'u', required: false, type: primitive('uuid') },
  { id: 5, name: 's', required: false, type: primitive('string') },
]);
const spec: PartitionSpec = {
  specId: 7,
  fields: [
    { sourceId: 2, fieldId: 1000, name: 'ts_day', transform: { kind: 'day' } },
    { sourceId: 1, fieldId: 1001, name: 'id_bucket', transform: { kind: 'bucket', n: 16 } },
    { sourceId: 3, fieldId: 1002, name: 'amount', transform: { kind: 'identity' } },
    { sourceId: 4, fieldId: 1003, name: 'u', transform: { kind: 'identity' } },
    { sourceId: 5, fieldId: 1004, name: 's_trunc', transform: { kind: 'truncate', width: 3 } },
  ],
};
const partitionTypes = partitionStructType(spec, [schema]).fields.map((f) => f.type as PrimitiveType);
const MAX = 2n ** 63n - 1n;

const dataFileArb = (version: FormatVersion) =>
  fc.record({
    content: version === 1 ? fc.constant('data' as const) : fc.constantFrom('data' as const, 'position-deletes' as const, 'equality-deletes' as const),
    filePath: fc.string({ minLength: 1 }).map((s) => `s3://bucket/${s}.parquet`),
    day: fc.option(fc.integer({ min: -100000, max: 100000 }), { nil: null }),
    bucket: fc.option(fc.integer({ min: 0, max: 15 }), { nil: null }),
    amount: fc.option(fc.bigInt({ min: -(10n ** 38n) + 1n, max: 10n ** 38n - 1n }), { nil: null }),
    u: fc.option(fc.uuid().map((x) => x.toLowerCase()), { nil: null }),
    s: fc.option(fc.string({ maxLength: 3 }), { nil: null }),
    recordCount: fc.bigInt({ min: 0n, max: 2n ** 50n }), // manifests sum them into a long
    size: fc.bigInt({ min: 0n, max: MAX }),
    sizes: fc.array(fc.tuple(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.bigInt({ min: 0n, max: MAX })), { maxLength: 4 }),
    lower: fc.array(fc.tuple(fc.integer({ min: 1, max: 100 }), fc.uint8Array({ maxLength: 20 })), { maxLength: 3 }),
    splits: fc.option(fc.array(fc.bigInt({ min: 4n, max: MAX }), { maxLength: 3 }), { nil: undefined }),
    sortOrderId: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
  }).map((r): DataFile => ({
    content: r.content,
    filePath: r.filePath,
    fileFormat: 'PARQUET',
    specId: spec.specId,
    partition: [r.day, r.bucket, r.amount, r.u, r.s],
    recordCount: r.recordCount,
    fileSizeInBytes: r.size,
    ...(version === 1 ? { blockSizeInBytes: 67108864n } : {}),
    columnSizes: new Map(r.sizes),
    valueCounts: new Map(r.sizes),
    nullValueCounts: new Map(r.sizes),
    nanValueCounts: new Map(r.sizes),
    lowerBounds: new Map(r.lower),
    upperBounds: new Map(r.lower),
    ...(r.splits ? { splitOffsets: r.splits } : {}),
    ...(r.content === 'equality-deletes' ? { equalityIds: [1, 5] } : {}),
    ...(r.sortOrderId === undefined ? {} : { sortOrderId: r.sortOrderId }),
  }));

describe('manifests we write read back identically', () => {
  const tempDir = useTempDir();

  for (const version of [1, 2, 3] as const) {
    it(`format v${version}: every data_file field, partition types and inheritance`, async () => {
      const io = new LocalFileIO();
      const dir = tempDir();
      let n = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(dataFileArb(version), { minLength: 1, maxLength: 8 }), async (files) => {
          const location = path.join(dir, `m${n++}.avro`);
          const snapshotId = 9007199254740993n + BigInt(n); // above 2^53: exact longs
          const w = new ManifestWriter({ formatVersion: version, spec, schema, schemas: [schema], content: version === 1 || files.every((f) => f.content === 'data') ? 'data' : 'deletes', snapshotId, location });
          for (const f of files) w.add(f);
          const manifest = await w.write(io);
          expect(manifest.sequenceNumber).toBe(UNASSIGNED_SEQ);
          const [listed] = await writeManifestList(io, [manifest], { formatVersion: version, snapshotId, sequenceNumber: version === 1 ? 0n : 42n, location: `${location}.list` });
          const [readBack] = await readManifestList(io, `${location}.list`);
          if (version === 1) expect({ ...readBack, content: listed!.content }).toEqual({ ...listed!, sequenceNumber: 0n, minSequenceNumber: 0n, partitions: readBack!.partitions });
          else expect(readBack).toEqual(listed);
          const entries = await readManifest(io, { manifest: readBack!, spec, partitionTypes });
          expect(entries.map((e) => e.dataFile)).toEqual(files);
          for (const e of entries) {
            expect(e.status).toBe('added');
            expect(e.snapshotId).toBe(snapshotId);
            expect(e.sequenceNumber).toBe(version === 1 ? 0n : 42n); // inherited
          }
        }),
        { numRuns: 25 },
      );
    });
  }

  it('writes the spec file metadata keys and field ids', async () => {
    const io = new LocalFileIO();
    const location = path.join(tempDir(), 'm.avro');
    const w = new ManifestWriter({ formatVersion: 2, spec, schema, schemas: [schema], content: 'data', snapshotId: 1n, location });
    w.add({ content: 'data', filePath: 'f', fileFormat: 'PARQUET', specId: 7, partition: [null, null, null, null, null], recordCount: 1n, fileSizeInBytes: 1n });
    await w.write(io);
    const c = readAvroContainer(await io.read(location), location);
    expect(c.metadataString('format-version')).toBe('2');
    expect(c.metadataString('content')).toBe('data');
    expect(c.metadataString('partition-spec-id')).toBe('7');
    expect(c.metadataString('schema-id')).toBe('3');
    expect(JSON.parse(c.metadataString('partition-spec')!)).toHaveLength(5);
    const avroSchema = c.metadataString('avro.schema')!;
    for (const id of [0, 1, 2, 3, 4, 100, 101, 102, 103, 104, 134, 135, 140, 1000, 1004]) expect(avroSchema).toContain(`"field-id":${id}`);
  });

  it('partition summaries hold bounds and null/NaN flags', async () => {
    const io = new LocalFileIO();
    const location = path.join(tempDir(), 'm.avro');
    const w = new ManifestWriter({ formatVersion: 2, spec, schema, schemas: [schema], content: 'data', snapshotId: 1n, location });
    const base = { content: 'data' as const, fileFormat: 'PARQUET' as const, specId: 7, recordCount: 1n, fileSizeInBytes: 1n };
    w.add({ ...base, filePath: 'a', partition: [10, 3, 5n, null, 'abc'] });
    w.add({ ...base, filePath: 'b', partition: [-2, 9, -7n, null, null] });
    const m = await w.write(io);
    expect(m.partitions![0]).toMatchObject({ containsNull: false });
    expect(m.partitions![3]).toMatchObject({ containsNull: true });
    expect(m.partitions![3]!.lowerBound).toBeUndefined();
    expect([...m.partitions![0]!.lowerBound!]).toEqual([0xfe, 0xff, 0xff, 0xff]); // -2 little endian
    expect([...m.partitions![2]!.lowerBound!]).toEqual([0xf9]); // decimal -7: minimal two's complement
  });

  it('decodes manifests and lists from bytes without I/O', async () => {
    const io = new LocalFileIO();
    const location = path.join(tempDir(), 'm.avro');
    const w = new ManifestWriter({ formatVersion: 2, spec: { specId: 0, fields: [] }, schema, schemas: [schema], content: 'data', snapshotId: 5n, location });
    w.add({ content: 'data', filePath: 'x', fileFormat: 'PARQUET', specId: 0, partition: [], recordCount: 3n, fileSizeInBytes: 9n }, 4n);
    const m = await w.write(io);
    expect(m.minSequenceNumber).toBe(4n); // pinned data sequence number (rewrite)
    await writeManifestList(io, [m], { formatVersion: 2, snapshotId: 5n, sequenceNumber: 6n, location: `${location}.list` });
    const [listed] = decodeManifestList(await io.read(`${location}.list`), `${location}.list`);
    expect(listed).toMatchObject({ sequenceNumber: 6n, minSequenceNumber: 4n });
    const [e] = decodeManifest(await io.read(location), { manifest: listed!, spec: { specId: 0, fields: [] }, partitionTypes: [] });
    expect(e).toMatchObject({ sequenceNumber: 4n, fileSequenceNumber: 6n });
  });
});
