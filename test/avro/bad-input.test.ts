import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AvroContainerWriter, parseAvroSchema, readAvroContainer, type AvroValue, type AvroWriteCodec } from '../../src/avro/index.js';
import { BinaryWriter } from '../../src/avro/binary-encoder.js';
import { FIXTURES, containerLayout, expectInvalidAvro, readAll, recodeContainer, zstdRawFrame } from './helpers.js';

/**
 * Malformed files must fail with an InvalidAvroError that names the file and says what is
 * wrong: never a RangeError/TypeError from deep inside, never a hang or a huge allocation.
 */

const SPARK_MANIFEST = path.join(FIXTURES, 'spark-v2-eqdeletes/table/metadata/8057d23a-ed01-40cb-bfd6-44b145234c6d-m0.avro');
const PYICEBERG_LIST = path.join(FIXTURES, 'pyiceberg-v2-day-partition/table/metadata/snap-554549470069664013-0-8574bca8-244f-4667-965a-03a41a3e4e0e.avro');

const schema = parseAvroSchema({
  type: 'record',
  name: 'r',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'path', type: 'string' },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'opt', type: ['null', 'bytes'] },
  ],
});
const rows: AvroValue[] = Array.from({ length: 40 }, (_, i) => ({
  id: BigInt(i) * 7919n - 100n,
  path: `s3://bucket/data/file-${i}.parquet`,
  tags: i % 2 ? ['a', 'bb'] : [],
  opt: i % 3 ? new Uint8Array([i, i + 1]) : null,
}));

function ours(codec: AvroWriteCodec | 'zstandard', blockRecords = 7): Uint8Array {
  const w = new AvroContainerWriter(schema, { codec: codec === 'zstandard' ? 'null' : codec, blockRecords });
  for (const r of rows) w.append(r);
  const file = w.finish();
  return codec === 'zstandard' ? recodeContainer(file, 'zstandard', zstdRawFrame) : file;
}

const SAMPLES: [string, Uint8Array][] = [
  ['spark-manifest.avro', new Uint8Array(readFileSync(SPARK_MANIFEST))],
  ['pyiceberg-list.avro', new Uint8Array(readFileSync(PYICEBERG_LIST))],
  ['ours-null.avro', ours('null')],
  ['ours-deflate.avro', ours('deflate')],
  ['ours-snappy.avro', ours('snappy')],
  ['ours-zstandard.avro', ours('zstandard')],
];

/** Header end and the end of every block: the only places a file can be cut and stay valid. */
function boundaries(bytes: Uint8Array): Set<number> {
  const { headerEnd, blocks } = containerLayout(bytes);
  return new Set([headerEnd, ...blocks.map((b) => b.dataEnd + 16)]);
}

describe('not an Avro file', () => {
  it('bad magic, empty and tiny inputs', () => {
    expect(expectInvalidAvro(() => readAvroContainer(new TextEncoder().encode('PAR1 not avro at all'), '/t/x.parquet')).message).toBe(
      '/t/x.parquet: not an Avro file (bad magic)',
    );
    expect(expectInvalidAvro(() => readAvroContainer(new Uint8Array(), 'empty.avro')).message).toMatch(/^empty\.avro: not an Avro file \(only 0 byte\(s\), bad magic\)/);
    expect(expectInvalidAvro(() => readAvroContainer(new Uint8Array([0x4f, 0x62, 0x6a]), 'three.avro')).message).toMatch(/three\.avro: not an Avro file/);
    // Version byte other than 1.
    const v2 = ours('null').slice();
    v2[3] = 2;
    expect(expectInvalidAvro(() => readAvroContainer(v2, 'v2.avro')).message).toMatch(/bad magic/);
  });

  it('errors carry the file in their context', () => {
    const err = expectInvalidAvro(() => readAvroContainer(new Uint8Array(8), 'ctx.avro'));
    expect(err.context['file']).toBe('ctx.avro');
  });
});

describe('truncated files', () => {
  it.each(SAMPLES)('%s cut at every offset: InvalidAvroError naming the file, or a valid prefix at a block boundary', (name, bytes) => {
    const all = readAll(bytes, name);
    const valid = boundaries(bytes);
    for (let cut = 0; cut < bytes.length; cut++) {
      const src = `${name}@${cut}`;
      let records: AvroValue[] | undefined;
      try {
        records = readAll(bytes.subarray(0, cut), src);
      } catch (err) {
        if (!(err instanceof Error) || err.constructor.name !== 'InvalidAvroError') throw err;
        expect(err.message.startsWith(`${src}: `)).toBe(true);
        continue;
      }
      expect(valid.has(cut), `cut at ${cut} decoded without error`).toBe(true);
      expect(records).toStrictEqual(all.slice(0, records.length));
    }
  });

  it('says where: header, block data, sync marker', () => {
    const bytes = ours('deflate');
    const { headerEnd, blocks } = containerLayout(bytes);
    expect(expectInvalidAvro(() => readAvroContainer(bytes.subarray(0, 20), 'f.avro')).message).toMatch(/^f\.avro: bad file header: truncated data/);
    expect(expectInvalidAvro(() => readAvroContainer(bytes.subarray(0, headerEnd - 3), 'f.avro')).message).toMatch(/^f\.avro: truncated header: sync marker needs 16 bytes/);
    const b1 = blocks[1]!;
    expect(expectInvalidAvro(() => readAvroContainer(bytes.subarray(0, b1.dataStart + 2), 'f.avro')).message).toBe(
      `f.avro: truncated block at offset ${b1.offset}: ${b1.dataEnd - b1.dataStart} data bytes declared, 2 left in the file`,
    );
    expect(expectInvalidAvro(() => readAvroContainer(bytes.subarray(0, b1.dataEnd + 5), 'f.avro')).message).toBe(
      `f.avro: truncated block at offset ${b1.offset}: sync marker missing after the data (file ends at ${b1.dataEnd + 5})`,
    );
    expect(expectInvalidAvro(() => readAvroContainer(bytes.subarray(0, b1.offset + 1), 'f.avro')).message).toMatch(
      new RegExp(`^f\\.avro: truncated block at offset ${b1.offset}: truncated data: block byte count`),
    );
  });
});

describe('corrupted files', () => {
  it('sync marker mismatch', () => {
    const bytes = ours('null').slice();
    const { blocks } = containerLayout(bytes);
    const b = blocks[2]!;
    bytes[b.dataEnd + 7]! ^= 0xff;
    expect(expectInvalidAvro(() => readAvroContainer(bytes, 'sync.avro')).message).toBe(
      `sync.avro: sync marker mismatch after block at offset ${b.offset} (at offset ${b.dataEnd})`,
    );
  });

  it('snappy CRC mismatch', () => {
    const bytes = ours('snappy').slice();
    const { blocks } = containerLayout(bytes);
    const b = blocks[1]!;
    bytes[b.dataEnd - 1]! ^= 0x01; // last byte of the big-endian CRC
    const c = readAvroContainer(bytes, 'crc.avro'); // framing is intact
    const err = expectInvalidAvro(() => [...c.records()]);
    expect(err.message).toMatch(new RegExp(`^crc\\.avro: snappy CRC mismatch: block says 0x[0-9a-f]{8}, data has 0x[0-9a-f]{8} in block at offset ${b.offset}$`));
  });

  it('corrupt compressed data', () => {
    for (const codec of ['deflate', 'snappy', 'zstandard'] as const) {
      const bytes = ours(codec).slice();
      const { blocks } = containerLayout(bytes);
      const b = blocks[0]!;
      bytes.fill(0xff, b.dataStart, Math.min(b.dataStart + 8, b.dataEnd));
      const err = expectInvalidAvro(() => readAll(bytes, `${codec}.avro`));
      expect(err.message).toMatch(new RegExp(`^${codec}\\.avro: (cannot decompress ${codec} block at offset ${b.offset}|snappy CRC mismatch|cannot decode record)`));
    }
  });

  it('record counts that do not match the block data', () => {
    const base = ours('null');
    const { headerEnd, sync } = containerLayout(base);
    const header = base.subarray(0, headerEnd);
    const block = (count: number, data: Uint8Array) => {
      const w = new BinaryWriter();
      w.writeRaw(header);
      w.writeLongNumber(count);
      w.writeLongNumber(data.length);
      w.writeRaw(data);
      w.writeRaw(sync);
      return w.toBytes();
    };
    // One record: id 1, path "a", tags [], opt null.
    const one = new Uint8Array([0x02, 0x02, 0x61, 0x00, 0x00]);
    expect(readAll(block(1, one))).toStrictEqual([{ id: 1n, path: 'a', tags: [], opt: null }]);
    expect(expectInvalidAvro(() => readAll(block(2, one), 'more.avro')).message).toMatch(
      new RegExp(`^more\\.avro: cannot decode record 1 of block at offset ${headerEnd}: truncated data: long varint needs 1 byte\\(s\\) at offset ${headerEnd + 2 + 5}`),
    );
    expect(expectInvalidAvro(() => readAll(block(0, one), 'fewer.avro')).message).toBe(`fewer.avro: block at offset ${headerEnd} has 5 byte(s) left after its 0 record(s)`);
    expect(expectInvalidAvro(() => readAll(block(-1, one), 'neg.avro')).message).toBe(`neg.avro: block at offset ${headerEnd} has a negative record count -1`);
  });

  it('header problems: unknown codec, missing or invalid schema, invalid UTF-8 metadata', () => {
    const header = (meta: [string, Uint8Array][]) => {
      const w = new BinaryWriter();
      w.writeRaw(new Uint8Array([0x4f, 0x62, 0x6a, 0x01]));
      w.writeLongNumber(meta.length);
      for (const [k, v] of meta) {
        w.writeString(k);
        w.writeBytes(v);
      }
      w.writeInt(0);
      w.writeRaw(new Uint8Array(16));
      return w.toBytes();
    };
    const t = (s: string) => new TextEncoder().encode(s);
    expect(expectInvalidAvro(() => readAvroContainer(header([['avro.schema', t('"int"')], ['avro.codec', t('xyz')]]), 'c.avro')).message).toBe(
      'c.avro: unknown codec xyz (supported: null, deflate, snappy, zstandard)',
    );
    expect(expectInvalidAvro(() => readAvroContainer(header([['avro.codec', t('null')]]), 'n.avro')).message).toBe('n.avro: no avro.schema in the file metadata');
    expect(expectInvalidAvro(() => readAvroContainer(header([['avro.schema', t('{"type":"record"')]]), 'j.avro')).message).toMatch(
      /^j\.avro: bad avro\.schema: invalid Avro schema: not valid JSON/,
    );
    expect(expectInvalidAvro(() => readAvroContainer(header([['avro.schema', t('{"type":"enum","name":"E","symbols":["a","a"]}')]]), 's.avro')).message).toMatch(
      /^s\.avro: bad avro\.schema: invalid Avro schema at E: duplicate enum symbol "a"/,
    );
    expect(expectInvalidAvro(() => readAvroContainer(header([['avro.schema', new Uint8Array([0xff])]]), 'u.avro')).message).toBe('u.avro: metadata avro.schema is not valid UTF-8');
    // A header-only file (no blocks) is valid: no records. The codec defaults to null.
    const empty = readAvroContainer(header([['avro.schema', t('"long"')]]), 'e.avro');
    expect(empty.codec).toBe('null');
    expect([...empty.records()]).toStrictEqual([]);
    // A field default that does not fit its type does not stop reading (it does not affect decoding).
    const lax = readAvroContainer(header([['avro.schema', t('{"type":"record","name":"r","fields":[{"name":"a","type":"int","default":"x"}]}')]]), 'd.avro');
    expect(lax.recordCount).toBe(0);
  });

  it('random byte corruption never escapes as anything but InvalidAvroError', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SAMPLES),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        ([name, original], flips) => {
          const bytes = original.slice();
          for (const [at, x] of flips) bytes[at % bytes.length]! ^= x;
          try {
            readAll(bytes, name);
          } catch (err) {
            if (!(err instanceof Error) || err.constructor.name !== 'InvalidAvroError') throw err;
            expect(err.message.startsWith(`${name}: `)).toBe(true);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
