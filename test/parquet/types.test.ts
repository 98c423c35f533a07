import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { ParquetFileWriter, readParquetRows, type Row } from '../../src/parquet/index.js';
import { collect, fromDuck, io, query, tempDir } from './helpers.js';
import { I64_MAX, I64_MIN, ROWS, WIDE } from './wide.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

async function writeFile(name: string, schema: Schema, rows: Row[], opts = {}): Promise<string> {
  const file = tmp.file(name);
  const w = await ParquetFileWriter.open(io, file, schema, opts);
  await w.write(rows);
  await w.close();
  return file;
}

/** Normalises a float column for toEqual: our rows hold doubles; a float column stores fround. */
function expectRow(schema: Schema, row: Row): Row {
  return Object.fromEntries(schema.fields.map((fl) => [fl.name, row[fl.name] ?? null]));
}

describe('every Iceberg type, read back by DuckDB and by our reader', () => {
  for (const codec of ['zstd', 'snappy', 'gzip', 'uncompressed'] as const) {
    it(`DuckDB read_parquet returns identical values (${codec})`, async () => {
      const file = await writeFile(`wide-${codec}.parquet`, WIDE, ROWS, { codec });
      const got = await query(`SELECT * FROM read_parquet('${file}') ORDER BY id`);
      expect(got.length).toBe(ROWS.length);
      got.forEach((r, k) => {
        const conv = Object.fromEntries(WIDE.fields.map((fl) => [fl.name, fromDuck(r[fl.name] ?? null, fl.type)]));
        expect(conv).toEqual(expectRow(WIDE, ROWS[k]!));
      });
      // and by our reader
      const ours = await collect(readParquetRows(io, file, WIDE));
      expect(ours).toEqual(ROWS.map((r) => expectRow(WIDE, r)));
    });
  }

  it('encodeInWorker gives the same bytes for every type', async () => {
    const rows = Array.from({ length: 40 }, (_, k) => ROWS.map((r) => ({ ...r, id: BigInt(k * 10) + (r['id'] as bigint) }))).flat();
    const a = await writeFile('wide-thread.parquet', WIDE, rows, { rowGroupSizeBytes: 4000, pageSizeBytes: 512 });
    const b = await writeFile('wide-worker.parquet', WIDE, rows, { rowGroupSizeBytes: 4000, pageSizeBytes: 512, encodeInWorker: true });
    expect(Buffer.compare(await io.read(a), await io.read(b))).toBe(0);
    expect(await collect(readParquetRows(io, b, WIDE))).toEqual(rows.map((r) => expectRow(WIDE, r)));
  });

  it('float NaN/-0 survive exactly (DuckDB sees NaN, -0)', async () => {
    const file = await writeFile('floats.parquet', WIDE, ROWS);
    const got = await query(`SELECT id, isnan(fl) AS fn, isnan(db) AS dn, signbit(fl) AS fs, fl::VARCHAR AS fv FROM read_parquet('${file}') ORDER BY id`);
    expect(got[0]).toMatchObject({ fn: true, dn: false });
    expect(got[1]).toMatchObject({ fn: false, dn: true, fv: '-inf' });
    expect(got[3]).toMatchObject({ fs: true });
  });

  it('parquet_schema() shows our field ids on every element and the spec type mapping', async () => {
    const file = await writeFile('schema.parquet', WIDE, ROWS);
    const rows = await query(`SELECT name, type, field_id::INTEGER AS id, converted_type, logical_type, type_length::INTEGER AS type_length, precision::INTEGER AS precision, scale::INTEGER AS scale FROM parquet_schema('${file}')`);
    const byName = (n: string): Record<string, unknown> => rows.find((r) => r['name'] === n) as Record<string, unknown>;
    // Every element except the root and the repeated list/key_value groups carries an id (spec Appendix A).
    for (const r of rows) {
      if (r['name'] === 'table' || r['name'] === 'list' || r['name'] === 'key_value') expect(r['id']).toBeNull();
      else expect(r['id']).not.toBeNull();
    }
    const ids = new Set(rows.map((r) => r['id']).filter((x) => x !== null));
    expect([...ids].sort((a, b) => Number(a) - Number(b))).toEqual(WIDE.allFieldIds().sort((a, b) => a - b));
    expect(byName('dec9')).toMatchObject({ type: 'INT32', converted_type: 'DECIMAL', precision: 9, scale: 2 });
    expect(byName('dec18')).toMatchObject({ type: 'INT64', converted_type: 'DECIMAL', precision: 18, scale: 6 });
    expect(byName('dec38')).toMatchObject({ type: 'FIXED_LEN_BYTE_ARRAY', type_length: 16, precision: 38, scale: 10 });
    expect(byName('u')).toMatchObject({ type: 'FIXED_LEN_BYTE_ARRAY', type_length: 16 });
    expect(String(byName('u')['logical_type'])).toContain('UUID');
    expect(String(byName('ts')['logical_type'])).toMatch(/isAdjustedToUTC=0.*MICROS=MicroSeconds/);
    expect(String(byName('tstz')['logical_type'])).toMatch(/isAdjustedToUTC=1.*MICROS=MicroSeconds/);
    expect(String(byName('tsns')['logical_type'])).toMatch(/isAdjustedToUTC=0.*NANOS=NanoSeconds/);
    expect(byName('s')).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'UTF8' });
    expect(byName('ls')).toMatchObject({ converted_type: 'LIST' });
    expect(byName('mp')).toMatchObject({ converted_type: 'MAP' });
    // DuckDB maps our types to the right SQL types
    const desc = await query(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
    const t = Object.fromEntries(desc.map((r) => [String(r['column_name']), String(r['column_type'])]));
    expect(t).toMatchObject({
      id: 'BIGINT', b: 'BOOLEAN', i: 'INTEGER', fl: 'FLOAT', db: 'DOUBLE', dec9: 'DECIMAL(9,2)', dec18: 'DECIMAL(18,6)', dec38: 'DECIMAL(38,10)',
      dt: 'DATE', tm: 'TIME', ts: 'TIMESTAMP', tstz: 'TIMESTAMP WITH TIME ZONE', s: 'VARCHAR', u: 'UUID', bin: 'BLOB', tsns: 'TIMESTAMP_NS',
    });
  });

  it('parquet_metadata() shows our statistics', async () => {
    // (DuckDB cannot print timestamp statistics at INT64_MAX/MIN, its infinity sentinels)
    const file = await writeFile('stats.parquet', WIDE, ROWS.map((r) => ({ ...r, tsns: null, mi: null })));
    const rows = await query(`SELECT path_in_schema, stats_min_value, stats_max_value, stats_null_count::INTEGER AS nulls, compression FROM parquet_metadata('${file}')`);
    const by = (p: string): Record<string, unknown> => rows.find((r) => r['path_in_schema'] === p) as Record<string, unknown>;
    expect(by('id')).toMatchObject({ stats_min_value: '1', stats_max_value: '5', nulls: 0, compression: 'ZSTD' });
    expect(by('l')).toMatchObject({ stats_min_value: String(I64_MIN), stats_max_value: String(I64_MAX), nulls: 1 });
    expect(by('dec38')).toMatchObject({ stats_min_value: `-${'9'.repeat(28)}.${'9'.repeat(10)}`, stats_max_value: `${'9'.repeat(28)}.${'9'.repeat(10)}` });
    // strings longer than 64 bytes are not written whole into Parquet statistics: none for s
    expect(by('s')).toMatchObject({ stats_min_value: null, stats_max_value: null, nulls: 1 });
    expect(by('st, b')).toMatchObject({ stats_min_value: '', stats_max_value: '😀', nulls: 1 });
    // NaN is never a bound; -0.0 is the min of a column holding zeros (DuckDB shows no infinite stats)
    expect(by('db')).toMatchObject({ stats_min_value: '-0.0' });
    expect(by('fl')).toMatchObject({ stats_max_value: '3.4028235e+38' });
    // filter pushdown on our statistics gives the right answer
    const c = await query(`SELECT count(*)::INTEGER AS n FROM read_parquet('${file}') WHERE id BETWEEN 2 AND 4 AND s IS NOT NULL`);
    expect(c[0]!['n']).toBe(2);
  });

  it('property: random rows for the wide schema read back identically (our reader and DuckDB)', async () => {
    const opt = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.option(a, { nil: null, freq: 4 });
    const i64 = fc.bigInt(I64_MIN, I64_MAX);
    const dec = (pr: number): fc.Arbitrary<bigint> => fc.bigInt(-(10n ** BigInt(pr)) + 1n, 10n ** BigInt(pr) - 1n);
    const str = fc.string({ unit: 'grapheme', maxLength: 30 });
    const bytes = (n?: number): fc.Arbitrary<Uint8Array> => (n === undefined ? fc.uint8Array({ maxLength: 40 }) : fc.uint8Array({ minLength: n, maxLength: n }));
    const row = fc.record({
      b: opt(fc.boolean()), i: opt(fc.integer()), l: opt(i64), fl: opt(fc.float().map((x) => x)), db: opt(fc.double()),
      dec9: opt(dec(9)), dec18: opt(dec(18)), dec38: opt(dec(38)), dt: opt(fc.integer({ min: -719162, max: 2932896 })),
      tm: opt(fc.bigInt(0n, 86399999999n)), ts: opt(fc.bigInt(-62135596800000000n, 253402300799999999n)), tstz: opt(fc.bigInt(-62135596800000000n, 253402300799999999n)),
      s: opt(str), u: opt(fc.uuid({ version: [1, 2, 3, 4, 5] })), fx: opt(bytes(4)), bin: opt(bytes()),
      st: opt(fc.record({ a: opt(fc.integer()), b: str })), ls: opt(fc.array(opt(i64), { maxLength: 5 })),
      mp: opt(fc.uniqueArray(fc.tuple(str, opt(dec(9))), { selector: (e) => e[0], maxLength: 4 }).map((e) => new Map(e))),
      nested: opt(fc.array(fc.record({ x: opt(fc.double()), tags: fc.array(str, { maxLength: 3 }) }), { maxLength: 3 })),
      mi: opt(fc.uniqueArray(fc.tuple(fc.integer(), fc.record({ q: opt(i64) })), { selector: (e) => e[0], maxLength: 3 }).map((e) => new Map(e))),
      tsns: opt(i64),
    });
    let n = 0;
    await fc.assert(fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 40 }), fc.constantFrom(64, 1024, 1 << 20), async (rs, page) => {
      const rows: Row[] = rs.map((r, k) => ({ id: BigInt(k), ...r }));
      const file = await writeFile(`prop-${n++}.parquet`, WIDE, rows, { pageSizeBytes: page, rowGroupSizeBytes: 2000 });
      const back = await collect(readParquetRows(io, file, WIDE));
      const expected = rows.map((r) => expectRow(WIDE, { ...r, fl: r['fl'] === null ? null : Math.fround(r['fl'] as number) }));
      expect(back).toEqual(expected);
      const got = await query(`SELECT * FROM read_parquet('${file}') ORDER BY id`);
      expect(got.map((r) => Object.fromEntries(WIDE.fields.map((fl) => [fl.name, fromDuck(r[fl.name] ?? null, fl.type)])))).toEqual(expected);
    }), { numRuns: 40 });
  });

  it('dictionary-encodes repetitive strings (flat, nullable and in lists); DuckDB reads them', async () => {
    const schema = new Schema(0, [
      { id: 1, name: 'id', required: true, type: { kind: 'long' } },
      { id: 2, name: 'status', required: false, type: { kind: 'string' } },
      { id: 3, name: 'tags', required: false, type: { kind: 'list', elementId: 4, elementRequired: false, element: { kind: 'string' } } },
      { id: 5, name: 'uniq', required: true, type: { kind: 'string' } },
    ]);
    const st = ['NEW', 'DONE', '', '😀 emoji'];
    const rows: Row[] = Array.from({ length: 30_000 }, (_, i) => ({
      id: BigInt(i), status: i % 7 === 0 ? null : st[i % 4], tags: i % 5 === 0 ? null : [st[i % 3], null, st[(i + 1) % 4]], uniq: `u-${i}`,
    }));
    const file = await writeFile('dict.parquet', schema, rows, { pageSizeBytes: 4096, rowGroupSizeBytes: 200_000 });
    const enc = await query(`SELECT path_in_schema AS p, encodings AS e, dictionary_page_offset AS d FROM parquet_metadata('${file}') WHERE row_group_id = 0`);
    const by = (p: string): Record<string, unknown> => enc.find((r) => r['p'] === p)!;
    expect(String(by('status')['e'])).toContain('RLE_DICTIONARY');
    expect(String(by('tags, list, element')['e'])).toContain('RLE_DICTIONARY');
    expect(String(by('uniq')['e'])).not.toContain('DICTIONARY');
    expect(by('status')['d']).not.toBeNull();
    const got = await query(`SELECT * FROM read_parquet('${file}') ORDER BY id`);
    expect(got.map((r) => Object.fromEntries(schema.fields.map((fl) => [fl.name, fromDuck(r[fl.name] ?? null, fl.type)])))).toEqual(rows);
    expect(await collect(readParquetRows(io, file, schema))).toEqual(rows);
  });
});
