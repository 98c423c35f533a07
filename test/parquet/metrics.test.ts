import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import {
  ParquetFileWriter, parquetWriteOptionsFromProperties, truncateBinaryUpper, truncateStringLower, truncateStringUpper,
  type ParquetWriteOptions, type Row,
} from '../../src/parquet/index.js';
import { io, query, tempDir } from './helpers.js';
import { ROWS, WIDE } from './wide.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let n = 0;
async function metricsOf(schema: Schema, rows: Row[], opts: ParquetWriteOptions = {}) {
  const file = tmp.file(`m${n++}.parquet`);
  const w = await ParquetFileWriter.open(io, file, schema, opts);
  await w.write(rows);
  return { file, m: await w.close() };
}

const S = new Schema(0, [
  { id: 1, name: 's', required: false, type: { kind: 'string' } },
  { id: 2, name: 'b', required: false, type: { kind: 'binary' } },
  { id: 3, name: 'd', required: false, type: { kind: 'double' } },
  { id: 4, name: 'f', required: false, type: { kind: 'float' } },
  { id: 5, name: 'x', required: true, type: { kind: 'int' } },
]);

describe('column metrics', () => {
  it('counts, NaN counts, sizes and bounds for the wide schema', async () => {
    const { file, m } = await metricsOf(WIDE, ROWS);
    expect(m.recordCount).toBe(5n);
    expect(m.valueCounts.get(1)).toBe(5n);
    expect(m.nullValueCounts.get(1)).toBe(0n);
    expect(m.nullValueCounts.get(4)).toBe(1n);
    expect(m.nanValueCounts.get(5)).toBe(1n); // fl: one NaN
    expect(m.nanValueCounts.get(6)).toBe(1n); // db
    expect(m.nanValueCounts.has(4)).toBe(false); // only float/double
    expect(m.lowerBounds.get(4)).toBe(-(2n ** 63n));
    expect(m.upperBounds.get(4)).toBe(2n ** 63n - 1n);
    expect(m.lowerBounds.get(5)).toBe(-Infinity); // NaN never a bound
    expect(m.upperBounds.get(5)).toBe(Math.fround(3.4028234663852886e38));
    expect(Object.is(m.lowerBounds.get(6), -0)).toBe(true);
    expect(m.upperBounds.get(6)).toBe(Infinity);
    expect(m.lowerBounds.get(9)).toBe(-(10n ** 38n - 1n));
    expect(m.lowerBounds.get(15)).toBe('00000000-0000-0000-0000-000000000000');
    expect(m.upperBounds.get(15)).toBe('ffffffff-ffff-ffff-ffff-ffffffffffff');
    expect(m.lowerBounds.get(10)).toBe(-719162);
    expect(m.lowerBounds.get(2)).toBe(false);
    expect(m.upperBounds.get(2)).toBe(true);
    // nested in a struct: bounds; inside list/map: counts only (as Iceberg Java)
    expect(m.lowerBounds.get(19)).toBe(-1);
    expect(m.valueCounts.get(22)).toBe(8n); // ls elements + empty/null list markers
    expect(m.lowerBounds.has(22)).toBe(false);
    expect(m.lowerBounds.has(24)).toBe(false);
    // column sizes are the chunks' compressed sizes as DuckDB sees them
    const { file: f2, m: m2 } = await metricsOf(WIDE, ROWS.map((r) => ({ ...r, tsns: null, mi: null })));
    const chunks = await query(`SELECT path_in_schema, total_compressed_size::BIGINT AS size FROM parquet_metadata('${f2}')`);
    expect(BigInt(chunks.find((c) => c['path_in_schema'] === 'id')!['size'] as bigint)).toBe(m2.columnSizes.get(1));
    expect(m.splitOffsets).toEqual([4n]);
    const size = await io.length(file);
    expect(m.fileSizeInBytes).toBe(BigInt(size));
  });

  it('truncates string and binary bounds to 16 by default, incrementing the upper bound', async () => {
    const s20 = 'abcdefghijklmnopqrst';
    const { m } = await metricsOf(S, [{ s: s20, b: Uint8Array.from({ length: 20 }, (_, i) => i), x: 1 }, { s: 'a', b: Uint8Array.of(0), x: 2 }]);
    expect(m.lowerBounds.get(1)).toBe('a');
    expect(m.upperBounds.get(1)).toBe('abcdefghijklmnoq'); // 16 chars, last incremented
    expect(m.upperBounds.get(2)).toEqual(Uint8Array.from([...Array.from({ length: 15 }, (_, i) => i), 16]));
    expect(m.lowerBounds.get(2)).toEqual(Uint8Array.of(0));
  });

  it('string bounds count code points, skip surrogates and carry over U+10FFFF', () => {
    const max = '\u{10FFFF}';
    expect(truncateStringUpper(max.repeat(20), 16)).toBeUndefined();
    expect(truncateStringUpper(`a${max.repeat(20)}`, 16)).toBe('b');
    expect(truncateStringUpper(`${'😀'.repeat(17)}`, 16)).toBe(`${'😀'.repeat(15)}😁`);
    expect(truncateStringLower(`${'😀'.repeat(17)}`, 16)).toBe('😀'.repeat(16));
    expect(truncateStringUpper(`${'x'.repeat(15)}\uD7FFzz`, 16)).toBe(`${'x'.repeat(15)}\uE000`);
    expect(truncateStringUpper('short', 16)).toBe('short');
    expect(truncateStringUpper('x'.repeat(16), 16)).toBe('x'.repeat(16));
    expect(truncateBinaryUpper(new Uint8Array(20).fill(255), 16)).toBeUndefined();
    expect(truncateBinaryUpper(Uint8Array.from([1, ...new Array(19).fill(255)]), 16)).toEqual(Uint8Array.of(2));
  });

  it('an upper bound that cannot be incremented is left out', async () => {
    const { m } = await metricsOf(S, [{ s: '\u{10FFFF}'.repeat(17), x: 1 }]);
    expect(m.lowerBounds.get(1)).toBe('\u{10FFFF}'.repeat(16));
    expect(m.upperBounds.has(1)).toBe(false);
  });

  it('bounds order strings by code point (UTF-8 order), not UTF-16', async () => {
    const { m } = await metricsOf(S, [{ s: '\uFFFD', x: 1 }, { s: '😀', x: 2 }]);
    expect(m.lowerBounds.get(1)).toBe('\uFFFD');
    expect(m.upperBounds.get(1)).toBe('😀');
  });

  it('NaN counts, and all-NaN columns have no bounds', async () => {
    const { m } = await metricsOf(S, [{ d: NaN, f: NaN, x: 1 }, { d: NaN, f: null, x: 2 }]);
    expect(m.nanValueCounts.get(3)).toBe(2n);
    expect(m.nanValueCounts.get(4)).toBe(1n);
    expect(m.nullValueCounts.get(4)).toBe(1n);
    expect(m.lowerBounds.has(3)).toBe(false);
    expect(m.upperBounds.has(4)).toBe(false);
  });

  it('metrics modes from table properties: none, counts, full, truncate(N), per column', async () => {
    const opts = parquetWriteOptionsFromProperties({
      'write.metadata.metrics.default': 'counts',
      'write.metadata.metrics.column.s': 'truncate(4)',
      'write.metadata.metrics.column.b': 'full',
      'write.metadata.metrics.column.x': 'none',
    });
    const { m } = await metricsOf(S, [{ s: 'hello world', b: new Uint8Array(40).fill(7), d: 1, x: 1 }], opts);
    expect(m.upperBounds.get(1)).toBe('helm');
    expect(m.lowerBounds.get(1)).toBe('hell');
    expect(m.upperBounds.get(2)).toEqual(new Uint8Array(40).fill(7));
    expect(m.valueCounts.get(3)).toBe(1n);
    expect(m.lowerBounds.has(3)).toBe(false);
    expect(m.valueCounts.has(5)).toBe(false);
    expect(m.columnSizes.has(5)).toBe(false);
  });

  it('max-inferred-column-defaults limits default metrics to the first N columns', async () => {
    const opts = parquetWriteOptionsFromProperties({ 'write.metadata.metrics.max-inferred-column-defaults': '2' });
    const { m } = await metricsOf(S, [{ s: 'a', b: Uint8Array.of(1), d: 1, f: 1, x: 1 }], opts);
    expect([...m.valueCounts.keys()]).toEqual([1, 2]);
  });
});

describe('parquetWriteOptionsFromProperties', () => {
  it('maps table properties', () => {
    expect(parquetWriteOptionsFromProperties({
      'write.parquet.compression-codec': 'SNAPPY', 'write.parquet.row-group-size-bytes': '1048576',
      'write.parquet.page-size-bytes': '8192', 'write.target-file-size-bytes': '1000000', 'write.parquet.page-row-limit': '100',
    })).toEqual({ codec: 'snappy', rowGroupSizeBytes: 1048576, pageSizeBytes: 8192, targetFileSizeBytes: 1000000, pageRowLimit: 100 });
    expect(parquetWriteOptionsFromProperties({ 'write.parquet.compression-codec': 'zstd', 'write.parquet.compression-level': '9' })).toEqual({ codec: 'zstd', compressionLevel: 9 });
    expect(parquetWriteOptionsFromProperties({})).toEqual({});
  });

  it.each([
    ['write.parquet.compression-codec', 'lz4'],
    ['write.parquet.compression-level', 'high'],
    ['write.parquet.row-group-size-bytes', '-1'],
    ['write.parquet.page-size-bytes', '1.5'],
    ['write.target-file-size-bytes', 'big'],
    ['write.metadata.metrics.default', 'truncate(0)'],
    ['write.metadata.metrics.column.s', 'some'],
  ])('%s=%s is a ConfigError naming the property', (key, value) => {
    expect(() => parquetWriteOptionsFromProperties({ [key]: value })).toThrow(ConfigError);
    expect(() => parquetWriteOptionsFromProperties({ [key]: value })).toThrow(key);
  });

  it('a level out of range for the codec is a ConfigError', () => {
    expect(() => parquetWriteOptionsFromProperties({ 'write.parquet.compression-codec': 'gzip', 'write.parquet.compression-level': '12' })).toThrow(/compression-level.*gzip/);
  });
});
