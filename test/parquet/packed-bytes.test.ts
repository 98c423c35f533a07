import { afterAll, describe, expect, it } from 'vitest';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { ParquetFileWriter, PackedBinary, PackedStrings, readParquetRows, type ColumnArray, type ParquetWriteOptions, type Row } from '../../src/parquet/index.js';
import { collect, io, query, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Values packed as a connector hands them over: nulls as empty ranges. */
function packStrings(values: readonly (string | null)[]): PackedStrings {
  const parts = values.map((v) => Buffer.from(v ?? '', 'utf8'));
  return new PackedStrings(Buffer.concat(parts), offsetsOf(parts));
}

function packBinary(values: readonly (Uint8Array | null)[]): PackedBinary {
  const parts = values.map((v) => v ?? new Uint8Array(0));
  return new PackedBinary(Buffer.concat(parts), offsetsOf(parts));
}

function offsetsOf(parts: readonly Uint8Array[]): Int32Array {
  const off = new Int32Array(parts.length + 1);
  parts.forEach((p, i) => (off[i + 1] = off[i]! + p.length));
  return off;
}

const nullMask = (values: readonly unknown[]): Uint8Array => Uint8Array.from(values, (v) => (v === null ? 1 : 0));

const schema = new Schema(0, [
  { id: 1, name: 'id', required: true, type: { kind: 'long' } },
  { id: 2, name: 'unique', required: false, type: { kind: 'string' } },
  { id: 3, name: 'tag', required: false, type: { kind: 'string' } },
  { id: 4, name: 'raw', required: false, type: { kind: 'binary' } },
  { id: 5, name: 'fx', required: false, type: { kind: 'fixed', length: 3 } },
  { id: 6, name: 'req', required: true, type: { kind: 'string' } },
]);

const TAGS = ['', 'a', 'é', '日本', '😀', 'z'.repeat(40), 'Ω mixed ascii', '\u{10FFFF}'];
const rows: Row[] = Array.from({ length: 60_000 }, (_, i) => ({
  id: BigInt(i),
  unique: i % 11 === 0 ? null : `name-${i}-${i % 5 === 0 ? 'ünïcödé 😀' : 'ascii'}`,
  tag: i % 13 === 0 ? null : TAGS[i % TAGS.length]!,
  raw: i % 7 === 0 ? null : Uint8Array.from({ length: i % 9 }, (_v, k) => (i * 31 + k) & 0xff),
  fx: i % 6 === 0 ? null : Uint8Array.of(i & 0xff, (i >> 8) & 0xff, 7),
  req: `r${i % 100}`,
}));

/** Rows [from, to) as columns: strings and binaries as arrays, or packed. */
function columnsOf(from: number, to: number, packed: boolean): { columns: Record<string, ColumnArray>; nulls: Record<string, Uint8Array> } {
  const part = rows.slice(from, to);
  const col = (k: string) => part.map((r) => r[k] as never);
  const columns: Record<string, ColumnArray> = {
    id: BigInt64Array.from(part, (r) => r['id'] as bigint),
    unique: packed ? packStrings(col('unique')) : col('unique'),
    tag: packed ? packStrings(col('tag')) : col('tag'),
    raw: packed ? packBinary(col('raw')) : col('raw'),
    fx: packed ? packBinary(col('fx')) : col('fx'),
    req: packed ? packStrings(col('req')) : col('req'),
  };
  const nulls: Record<string, Uint8Array> = packed ? { unique: nullMask(col('unique')), tag: nullMask(col('tag')), raw: nullMask(col('raw')), fx: nullMask(col('fx')) } : {};
  return { columns, nulls };
}

async function writeFile(name: string, how: 'rows' | 'arrays' | 'packed', opts: ParquetWriteOptions): Promise<{ file: string; metrics: unknown }> {
  const file = tmp.file(name);
  const w = await ParquetFileWriter.open(io, file, schema, opts);
  for (let s = 0; s < rows.length; s += 7_000) {
    const e = Math.min(rows.length, s + 7_000);
    if (how === 'rows') await w.write(rows.slice(s, e));
    else await w.writeColumns({ length: e - s, ...columnsOf(s, e, how === 'packed') });
  }
  return { file, metrics: await w.close() };
}

describe('PackedStrings / PackedBinary', () => {
  it('values read back one at a time; select gathers rows', () => {
    const p = packStrings(['a', null, 'é😀', '']);
    expect([0, 1, 2, 3].map((i) => p.get(i))).toEqual(['a', '', 'é😀', '']);
    expect(p.length).toBe(4);
    expect(p.byteLength(2)).toBe(6);
    const s = p.select(Int32Array.of(2, 0));
    expect([s.get(0), s.get(1)]).toEqual(['é😀', 'a']);
    const b = packBinary([Uint8Array.of(1, 2), null, Uint8Array.of(3)]);
    expect(b.get(0)).toEqual(Uint8Array.of(1, 2));
    expect(b.select(Int32Array.of(2)).get(0)).toEqual(Uint8Array.of(3));
  });

  it('strings must be well-formed UTF-8 value by value, not only as a whole', () => {
    const bytes = Buffer.from('aé', 'utf8'); // 61 c3 a9
    expect(PackedStrings.wellFormed(bytes, Int32Array.of(0, 1, 3))).toBe(true);
    // each value alone is not UTF-8, though the bytes together are
    expect(PackedStrings.wellFormed(bytes, Int32Array.of(0, 2, 3))).toBe(false);
    expect(PackedStrings.wellFormed(Uint8Array.of(0x61, 0xff), Int32Array.of(0, 2))).toBe(false);
    expect(PackedStrings.wellFormed(Uint8Array.of(0xed, 0xa0, 0x80), Int32Array.of(0, 3))).toBe(false); // a surrogate
    expect(PackedStrings.wellFormed(bytes, Int32Array.of(0, 4))).toBe(false); // past the end
    expect(() => new PackedStrings(Uint8Array.of(0xc3), Int32Array.of(0, 1))).toThrow(/not well-formed UTF-8/);
  });
});

describe('packed columns in the Parquet writer', () => {
  it('the same file bytes and metrics as strings and Uint8Arrays (rows or columns; in-thread or encoded on the worker)', async () => {
    for (const opts of [{ rowGroupSizeBytes: 256 * 1024, pageSizeBytes: 16 * 1024 }, { rowGroupSizeBytes: 6 * 1024 * 1024, encodeInWorker: true }] satisfies ParquetWriteOptions[]) {
      const tag = opts.encodeInWorker ? 'worker' : 'thread';
      const ref = await writeFile(`rows-${tag}.parquet`, 'rows', opts);
      for (const how of ['arrays', 'packed'] as const) {
        const got = await writeFile(`${how}-${tag}.parquet`, how, opts);
        expect(got.metrics).toEqual(ref.metrics);
        expect(Buffer.compare(await io.read(got.file), await io.read(ref.file))).toBe(0);
      }
    }
  });

  it('DuckDB and our reader read the values back', async () => {
    const { file } = await writeFile('packed-read.parquet', 'packed', { rowGroupSizeBytes: 512 * 1024 });
    expect(await collect(readParquetRows(io, file, schema))).toEqual(rows);
    const got = await query(`SELECT id, "unique", tag, raw, fx, req FROM read_parquet('${file}') ORDER BY id`);
    expect(got.length).toBe(rows.length);
    for (const i of [0, 1, 5, 7, 13, 4321, 59_999]) {
      const r = rows[i]!;
      const d = got[i]!;
      expect([d['unique'], d['tag'], d['req']]).toEqual([r['unique'], r['tag'], r['req']]);
      const bytes = (v: unknown) => (v === null ? null : new Uint8Array((v as { bytes: Uint8Array }).bytes));
      expect([bytes(d['raw']), bytes(d['fx'])]).toEqual([r['raw'], r['fx']]);
    }
    const [agg] = await query(`SELECT count(DISTINCT tag)::BIGINT AS tags, sum(octet_length(raw))::BIGINT AS raw FROM read_parquet('${file}')`);
    const rawBytes = rows.reduce((n, r) => n + ((r['raw'] as Uint8Array | null)?.length ?? 0), 0);
    expect(agg).toEqual({ tags: BigInt(TAGS.length), raw: BigInt(rawBytes) });
  });

  it('string bounds are in UTF-8 byte order (code points), truncated to whole characters', async () => {
    // UTF-16 order would put '😀' (a surrogate pair, D83D...) below 'ￚ' (U+FFDA); code point order puts it above
    const s = new Schema(0, [{ id: 1, name: 's', required: false, type: { kind: 'string' } }]);
    const values = ['ￚ', '😀', 'z', 'é', `${'😀'.repeat(20)}x`, null];
    const file = tmp.file('bounds.parquet');
    const w = await ParquetFileWriter.open(io, file, s);
    await w.writeColumns({ length: values.length, columns: { s: packStrings(values) }, nulls: { s: nullMask(values) } });
    const m = await w.close();
    expect(m.lowerBounds.get(1)).toBe('z');
    // truncate(16): 16 emoji, the last one incremented to the next code point
    expect(m.upperBounds.get(1)).toBe(`${'😀'.repeat(15)}😁`);
    expect(m.nullValueCounts.get(1)).toBe(1n);
  });

  it('dictionary decisions on UTF-8 bytes: kept for repeats, dropped past 2 MiB of distinct values or when values barely repeat', async () => {
    const s = new Schema(0, [{ id: 1, name: 'small', required: false, type: { kind: 'string' } }, { id: 2, name: 'big', required: false, type: { kind: 'string' } }, { id: 3, name: 'unique', required: false, type: { kind: 'string' } }]);
    const n = 6000;
    // big: 3000 distinct values of ~1 KB (3 bytes a character) each twice: repeats enough, but over 2 MiB
    const cols = {
      small: Array.from({ length: n }, (_, i) => `é${i % 10}`),
      big: Array.from({ length: n }, (_, i) => `${'€'.repeat(340)}${Math.floor(i / 2)}`),
      unique: Array.from({ length: n }, (_, i) => `u${i}`),
    };
    const file = tmp.file('dict.parquet');
    const w = await ParquetFileWriter.open(io, file, s);
    await w.writeColumns({ length: n, columns: { small: packStrings(cols.small), big: packStrings(cols.big), unique: packStrings(cols.unique) } });
    await w.close();
    const meta = await query(`SELECT path_in_schema AS p, dictionary_page_offset AS d FROM parquet_metadata('${file}') ORDER BY p`);
    expect(meta.map((m) => [m['p'], m['d'] !== null])).toEqual([['big', false], ['small', true], ['unique', false]]);
    const [agg] = await query(`SELECT count(DISTINCT small)::BIGINT AS a, count(DISTINCT big)::BIGINT AS b, max(big) AS m FROM read_parquet('${file}')`);
    expect(agg).toEqual({ a: 10n, b: 3000n, m: cols.big.reduce((x, y) => (Buffer.compare(Buffer.from(x), Buffer.from(y)) > 0 ? x : y)) });
  });

  it('a value of the wrong kind or length is the writer\'s error naming the column', async () => {
    const bad = async (columns: Record<string, ColumnArray>) => {
      const w = await ParquetFileWriter.open(io, tmp.file('bad.parquet'), schema);
      const err = await w.writeColumns({ length: 1, columns: { id: BigInt64Array.of(1n), req: ['x'], ...columns } }).catch((e: Error) => e);
      await w.abort();
      return err;
    };
    expect(String(await bad({ fx: packBinary([Uint8Array.of(1, 2)]) }))).toMatch(/column fx .*expected 3 bytes/);
    expect(String(await bad({ raw: packStrings(['x']) }))).toMatch(/column raw .*expected a Uint8Array/);
    expect(String(await bad({ unique: packBinary([Uint8Array.of(1)]) }))).toMatch(/column unique .*expected a string/);
    expect(String(await bad({ req: packStrings(['']), unique: packStrings(['']) }))).toBe('undefined');
  });
});
