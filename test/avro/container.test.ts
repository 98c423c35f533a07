import { describe, expect, it } from 'vitest';
import {
  AvroContainerWriter,
  BinaryReader,
  avroSchemaToJson,
  compileReader,
  parseAvroSchema,
  readAvroContainer,
  writeAvroContainer,
  type AvroSchema,
  type AvroValue,
} from '../../src/avro/index.js';
import { decompressBlock } from '../../src/avro/codecs.js';
import { InvalidAvroError, ValidationError } from '../../src/errors.js';
import { containerLayout, fromHex, hex, readAll } from './helpers.js';

const manifestFile = parseAvroSchema({
  type: 'record',
  name: 'manifest_file',
  fields: [
    { name: 'manifest_path', type: 'string', 'field-id': 500 },
    { name: 'added_snapshot_id', type: 'long', 'field-id': 503 },
    { name: 'key_metadata', type: ['null', 'bytes'], default: null, 'field-id': 519 },
  ],
});

const rowsLike = (n: number): AvroValue[] =>
  Array.from({ length: n }, (_, i) => ({
    manifest_path: `s3://bucket/t/metadata/m${i}.avro`,
    added_snapshot_id: 9007199254740993n + BigInt(i) * 1000000007n,
    key_metadata: i % 3 === 0 ? new Uint8Array([i]) : null,
  }));

describe('AvroContainerWriter', () => {
  it('writes the exact header and block layout of the spec', () => {
    const sync = new Uint8Array(16).fill(0xaa);
    const w = new AvroContainerWriter(parseAvroSchema('long'), { syncMarker: sync });
    w.append(1n);
    const syncHex = hex(sync);
    expect(hex(w.finish())).toBe(
      [
        '4f 62 6a 01', // "Obj" 1
        '04', // metadata map: one block of 2 entries
        `16 ${hex(new TextEncoder().encode('avro.schema'))} 0c ${hex(new TextEncoder().encode('"long"'))}`,
        `14 ${hex(new TextEncoder().encode('avro.codec'))} 08 ${hex(new TextEncoder().encode('null'))}`,
        '00', // end of map
        syncHex,
        '02 02 02', // block: 1 record, 1 byte, the long 1
        syncHex,
      ].join(' '),
    );
  });

  it('is readable back with the schema JSON parsed from its own metadata', () => {
    const w = new AvroContainerWriter(manifestFile, { metadata: { 'format-version': '2', 'snapshot-id': '42', blob: new Uint8Array([0, 255]) } });
    const rows = rowsLike(5);
    for (const r of rows) w.append(r);
    const file = w.finish();

    // Independently of readAvroContainer: header -> schema JSON -> compiled reader -> block data.
    const c = readAvroContainer(file, 'own.avro');
    const ownSchema = parseAvroSchema(c.metadataString('avro.schema')!);
    expect(avroSchemaToJson(ownSchema)).toBe(avroSchemaToJson(manifestFile));
    const { blocks } = containerLayout(file);
    const read = compileReader(ownSchema);
    const r = new BinaryReader(file, blocks[0]!.dataStart, blocks[0]!.dataEnd);
    const decoded = Array.from({ length: blocks[0]!.count }, () => read(r));
    expect(r.remaining).toBe(0);
    expect(decoded).toStrictEqual(rows);

    expect(c.metadataString('avro.codec')).toBe('null');
    expect(c.metadataString('format-version')).toBe('2');
    expect(c.metadataString('snapshot-id')).toBe('42');
    expect(c.metadata.get('blob')).toStrictEqual(new Uint8Array([0, 255]));
    expect([...c.metadata.keys()]).toStrictEqual(['avro.schema', 'avro.codec', 'format-version', 'snapshot-id', 'blob']);
    // The schema keeps the Iceberg field ids.
    expect(JSON.parse(c.metadataString('avro.schema')!).fields.map((f: { 'field-id': number }) => f['field-id'])).toStrictEqual([500, 503, 519]);
  });

  it('splits into blocks of blockRecords, each with its own count', () => {
    for (const codec of ['null', 'deflate', 'snappy'] as const) {
      const file = writeAvroContainer(manifestFile, rowsLike(10), { codec, blockRecords: 3 });
      const c = readAvroContainer(file);
      expect(c.codec).toBe(codec);
      expect(containerLayout(file).blocks.map((b) => b.count)).toStrictEqual([3, 3, 3, 1]);
      expect(c.blockCount).toBe(4);
      expect(c.recordCount).toBe(10);
      expect([...c.records()]).toStrictEqual(rowsLike(10));
    }
  });

  it('default block size is 4096 records; large files round-trip', () => {
    const rows = rowsLike(10_000);
    const file = writeAvroContainer(manifestFile, rows, { codec: 'deflate' });
    expect(containerLayout(file).blocks.map((b) => b.count)).toStrictEqual([4096, 4096, 1808]);
    expect(readAll(file)).toStrictEqual(rows);
  });

  it('records() is lazy and restartable', () => {
    const file = writeAvroContainer(manifestFile, rowsLike(10), { codec: 'snappy', blockRecords: 4 });
    const c = readAvroContainer(file);
    const it1 = c.records();
    expect(it1.next().value).toStrictEqual(rowsLike(1)[0]);
    expect([...c.records()]).toHaveLength(10);
    expect([...it1]).toHaveLength(9);
  });

  it('an empty file has a header and no blocks', () => {
    const file = new AvroContainerWriter(manifestFile, { codec: 'deflate' }).finish();
    const c = readAvroContainer(file);
    expect(c.blockCount).toBe(0);
    expect([...c.records()]).toStrictEqual([]);
    expect(file.length).toBe(containerLayout(file).headerEnd);
  });

  it('a rejected value leaves nothing behind', () => {
    const w = new AvroContainerWriter(manifestFile, { blockRecords: 2 });
    const [a, b] = rowsLike(2);
    w.append(a!);
    expect(() => w.append({ manifest_path: 'x', added_snapshot_id: 'nope' })).toThrow(ValidationError);
    expect(() => w.append({ manifest_path: 'x' })).toThrow(/missing field added_snapshot_id/);
    w.append(b!);
    expect(readAll(w.finish())).toStrictEqual([a, b]);
  });

  it('takes numbers for longs, Maps or objects for maps, and fills defaults', () => {
    const s = parseAvroSchema({
      type: 'record',
      name: 'r',
      fields: [
        { name: 'n', type: 'long' },
        { name: 'm', type: { type: 'map', values: 'long' } },
        { name: 'd', type: ['null', 'string'], default: null },
        { name: 'e', type: { type: 'enum', name: 'E', symbols: ['A', 'B'] }, default: 'B' },
      ],
    });
    const file = writeAvroContainer(s, [{ n: 5, m: { a: 1 } }, { n: 6n, m: new Map([['b', 2n]]), d: 'x', e: 'A' }]);
    expect(readAll(file)).toStrictEqual([
      { n: 5n, m: new Map([['a', 1n]]), d: null, e: 'B' },
      { n: 6n, m: new Map([['b', 2n]]), d: 'x', e: 'A' },
    ]);
  });

  it('same sync marker, same bytes (no hidden randomness); random sync otherwise', () => {
    const sync = new Uint8Array(16).fill(3);
    const a = writeAvroContainer(manifestFile, rowsLike(20), { codec: 'snappy', syncMarker: sync });
    const b = writeAvroContainer(manifestFile, rowsLike(20), { codec: 'snappy', syncMarker: sync });
    expect(a).toStrictEqual(b);
    const c = readAvroContainer(writeAvroContainer(manifestFile, []));
    const d = readAvroContainer(writeAvroContainer(manifestFile, []));
    expect(c.syncMarker).not.toStrictEqual(d.syncMarker);
  });

  it('rejects bad options and schemas readers would reject', () => {
    expect(() => new AvroContainerWriter(manifestFile, { metadata: { 'avro.custom': 'x' } })).toThrow(/metadata key avro\.custom is reserved/);
    expect(() => new AvroContainerWriter(manifestFile, { blockRecords: 0 })).toThrow(/blockRecords must be a positive integer/);
    expect(() => new AvroContainerWriter(manifestFile, { syncMarker: new Uint8Array(4) })).toThrow(/syncMarker must be 16 bytes/);
    expect(() => new AvroContainerWriter(manifestFile, { codec: 'zstandard' as 'null' })).toThrow(/unsupported Avro write codec zstandard/);
    const badName: AvroSchema = { type: 'record', name: 'has-dash', fields: [] };
    expect(() => new AvroContainerWriter(badName)).toThrow(InvalidAvroError);
    const w = new AvroContainerWriter(manifestFile);
    w.finish();
    expect(() => w.append(rowsLike(1)[0]!)).toThrow(/after finish/);
    expect(() => w.finish()).toThrow(/called twice/);
  });
});

describe('codecs', () => {
  it('reads a zstandard file compressed by the zstd 1.5.4 CLI (level 19)', () => {
    // Made by writing rowsLike(30) with blockRecords 20 and sync 07*16, then compressing each
    // block with `zstd -q -c -19 --no-check` (the container framing by test/avro/helpers.ts).
    const file = new Uint8Array(Buffer.from(ZSTD_FILE, 'base64'));
    const c = readAvroContainer(file, 'zstd-cli.avro');
    expect(c.codec).toBe('zstandard');
    expect(c.syncMarker).toStrictEqual(new Uint8Array(16).fill(7));
    expect(containerLayout(file).blocks.map((b) => b.count)).toStrictEqual([20, 10]);
    expect([...c.records()]).toStrictEqual(rowsLike(30));
  });

  it('snappy blocks end with the big-endian CRC32 of the uncompressed data', () => {
    const file = writeAvroContainer(parseAvroSchema('string'), ['123456789'], { codec: 'snappy' });
    const { blocks } = containerLayout(file);
    const data = file.subarray(blocks[0]!.dataStart, blocks[0]!.dataEnd);
    // Uncompressed block = the string "123456789" with its length prefix (0x12).
    expect(decompressBlock('snappy', data)).toStrictEqual(fromHex('12 31 32 33 34 35 36 37 38 39'));
    const crc = data.subarray(data.length - 4);
    // CRC-32 of 12 31 32 ... 39, by a second (bitwise) implementation.
    expect(hex(crc)).toBe(crc32Hex(fromHex('12 31 32 33 34 35 36 37 38 39')));
  });
});

/** Bitwise CRC-32 (IEEE), a second implementation to check ours against. */
function crc32Hex(data: Uint8Array): string {
  let c = ~0;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  const v = ~c >>> 0;
  return hex(new Uint8Array([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]));
}

const ZSTD_FILE =
  'T2JqAQQWYXZyby5zY2hlbWHmA3sidHlwZSI6InJlY29yZCIsIm5hbWUiOiJtYW5pZmVzdF9maWxlIiwiZmllbGRzIjpbeyJuYW1lIjoibWFuaWZlc3RfcGF0aCIsInR5cGUiOiJzdHJpbmciLCJmaWVsZC1pZCI6NTAwfSx7Im5hbWUiOiJhZGRlZF9zbmFwc2hvdF9pZCIsInR5cGUiOiJsb25nIiwiZmllbGQtaWQiOjUwM30seyJuYW1lIjoia2V5X21ldGFkYXRhIiwidHlwZSI6WyJudWxsIiwiYnl0ZXMiXSwiZGVmYXVsdCI6bnVsbCwiZmllbGQtaWQiOjUxOX1dfRRhdnJvLmNvZGVjEnpzdGFuZGFyZAAHBwcHBwcHBwcHBwcHBwcHKNADKLUv/QBo/QYANAo8czM6Ly9idWNrZXQvdC9tZXRhZGF0YS9tMC5hdnJvgoAgAgIAMZCo1rmHMp7QrPOOM6z4gq2WAzS6oNnmnTXIyK+gpTbW8IXarAY35Jjck7Q48sCyzbs5gOmIh8MJPjGOkd/AygAxnLm1+tGq4Yu02QwzuIni7eA0xrG4p+g11NmO4e8PNuKB5Zr3N/Cpu9T+OP7RkY6GgRI5jPrnx42BgCAAL6hBkBJIt38HwDPTAUEIIon/k4IRPoLoTpG21K6+A2xHKbJsAc7wtYu28rw3LNy/hcq1AWZrxSSrCgcHBwcHBwcHBwcHBwcHBwcUsAIotS/9AGh9BACEBj5zMzovL2J1Y2tldC90L21ldGFkYXRhL20yMC5hdnJvmqK+gZWBgCAAMajKlLucAgIVMrby6vSjM8Sawa6rNNLCl+iyGDXg6u2hujbuksTbwTf8upqVyRs4iuPwztA5mIvHiNiBgCAAFagQiMEE3f8NgBe5ATACMf6/iw9xMwVAOACiYq/+doqJETZaCgcHBwcHBwcHBwcHBwcHBwc=';
