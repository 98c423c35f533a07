import { afterAll, describe, expect, it } from 'vitest';
import { buildShredder } from '../../src/parquet/shred.js';
import { ColumnBuffer } from '../../src/parquet/column-buffer.js';
import { ChunkEncoder, encodeChunk, type EncodedChunk } from '../../src/parquet/column-writer.js';
import { makeCompressor } from '../../src/parquet/compression.js';
import { encodeLevels, encodeRun } from '../../src/parquet/encoding.js';
import { toParquetSchema } from '../../src/parquet/parquet-schema.js';
import { ParquetFileWriter, readParquetColumns, readParquetRows, type Row } from '../../src/parquet/index.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { collect, io, query, tempDir } from './helpers.js';
import { ROWS, WIDE } from './wide.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Every column of `rows` shredded into fresh buffers. */
function shred(schema: Schema, rows: readonly Row[]): ColumnBuffer[] {
  const buffers = toParquetSchema(schema).leaves.map((l) => new ColumnBuffer(l));
  const s = buildShredder(schema, buffers);
  for (const r of rows) s.row(r);
  return buffers;
}

function bytesOf(c: EncodedChunk): Buffer {
  return Buffer.concat(c.parts);
}

const MANY: Row[] = Array.from({ length: 4000 }, (_, k) => ({ ...ROWS[k % ROWS.length]!, id: BigInt(k), s: k % 9 === 0 ? null : k < 2500 ? `t${k % 7}` : `unique-${k}` }));

describe('ChunkEncoder: slicing does not change the chunk', () => {
  const compress = makeCompressor('zstd');
  const opts = { pageSizeBytes: 700, pageRowLimit: 300 };
  it.each([1, 7, 128, 999, 4000])('every type (nested ones included) fed in slices of %i rows', (slice) => {
    const whole = shred(WIDE, MANY).map((b) => encodeChunk(b, compress, opts));
    const leaves = toParquetSchema(WIDE).leaves;
    const encoders = leaves.map((l) => new ChunkEncoder(l, compress, opts));
    for (let i = 0; i < MANY.length; i += slice) {
      shred(WIDE, MANY.slice(i, i + slice)).forEach((b, k) => encoders[k]!.append(b));
    }
    const sliced = encoders.map((e) => e.finish());
    sliced.forEach((c, k) => {
      const w = whole[k]!;
      expect({ ...c, parts: undefined, bytes: bytesOf(c) }).toEqual({ ...w, parts: undefined, bytes: bytesOf(w) });
    });
  });

  it('a string chunk whose dictionary gives up midway, and one that keeps it', () => {
    const schema = new Schema(0, [{ id: 1, name: 's', required: false, type: { kind: 'string' } }]);
    const rows = Array.from({ length: 10_000 }, (_, k) => ({ s: k < 3000 ? `r${k % 3}` : `u${k}` })); // gives up at value 5,995, after pages went out
    for (const data of [rows, rows.slice(0, 2900)]) {
      const whole = encodeChunk(shred(schema, data)[0]!, compress, opts);
      const enc = new ChunkEncoder(toParquetSchema(schema).leaves[0]!, compress, opts);
      for (let i = 0; i < data.length; i += 333) enc.append(shred(schema, data.slice(i, i + 333))[0]!);
      const c = enc.finish();
      expect(c.dictionary).toBe(data !== rows);
      expect(c.dictionary).toBe(whole.dictionary);
      expect(bytesOf(c).equals(bytesOf(whole))).toBe(true);
    }
  });
});

describe('levels of a page without nulls', () => {
  it('encodeRun gives the bytes encodeLevels gives for a constant run', () => {
    for (const w of [1, 2, 5, 9]) {
      for (const count of [0, 1, 7, 8, 9, 63, 64, 1000, 20_000]) {
        const value = (1 << w) - 1;
        for (const prefix of [true, false]) {
          expect(Buffer.from(encodeRun(value, count, w, prefix))).toEqual(Buffer.from(encodeLevels(new Int32Array(count + 3).fill(value), 3, count + 3, w, prefix)));
        }
      }
    }
  });
});

describe('encodeInWorker with row groups sent in slices', () => {
  const schema = new Schema(0, [
    { id: 1, name: 'id', required: true, type: { kind: 'long' } },
    { id: 2, name: 'name', required: false, type: { kind: 'string' } },
    { id: 3, name: 'tag', required: false, type: { kind: 'string' } },
    { id: 4, name: 'v', required: false, type: { kind: 'double' } },
  ]);
  const rows: Row[] = Array.from({ length: 300_000 }, (_, i) => ({ id: BigInt(i), name: `some-longer-name-${i}`, tag: i % 5 === 0 ? null : `t${i % 4}`, v: i % 3 ? i / 7 : null }));

  it('the same bytes and metrics as in-thread encoding (rows and columns); DuckDB and our readers read it', async () => {
    const a = tmp.file('thread.parquet');
    const b = tmp.file('worker.parquet');
    const c = tmp.file('worker-columns.parquet');
    const wa = await ParquetFileWriter.open(io, a, schema, { rowGroupSizeBytes: 12 * 1024 * 1024 });
    const wb = await ParquetFileWriter.open(io, b, schema, { rowGroupSizeBytes: 12 * 1024 * 1024, encodeInWorker: true });
    const wc = await ParquetFileWriter.open(io, c, schema, { rowGroupSizeBytes: 12 * 1024 * 1024, encodeInWorker: true });
    for (let s = 0; s < rows.length; s += 10_000) {
      const part = rows.slice(s, s + 10_000);
      await wa.write(part);
      await wb.write(part);
      const ids = BigInt64Array.from(part, (r) => r['id'] as bigint);
      const v = Float64Array.from(part, (r) => (r['v'] as number | null) ?? 0);
      const vNulls = Uint8Array.from(part, (r) => (r['v'] === null ? 1 : 0));
      await wc.writeColumns({ length: part.length, columns: { id: ids, name: part.map((r) => r['name']), tag: part.map((r) => r['tag']), v }, nulls: { v: vNulls } });
    }
    const [ma, mb, mc] = [await wa.close(), await wb.close(), await wc.close()];
    expect(mb).toEqual(ma);
    expect(mc).toEqual(ma);
    expect(ma.splitOffsets.length).toBeGreaterThan(1);
    const bytes = await io.read(a);
    expect(Buffer.compare(bytes, await io.read(b))).toBe(0);
    expect(Buffer.compare(bytes, await io.read(c))).toBe(0);
    const duck = await query(`SELECT count(*)::BIGINT AS n, count(v)::BIGINT AS nv, count(DISTINCT tag)::BIGINT AS t FROM read_parquet('${b}')`);
    expect(duck[0]).toEqual({ n: 300_000n, nv: 200_000n, t: 4n });
    const back = await collect(readParquetRows(io, b, schema));
    expect(back[12_345]).toEqual(rows[12_345]);
    let n = 0;
    for await (const batch of readParquetColumns(io, b, schema)) n += batch.length;
    expect(n).toBe(300_000);
  });

  it('abort while slices are on the worker leaves no file; the worker keeps serving', async () => {
    const file = tmp.file('worker-abort.parquet');
    const w = await ParquetFileWriter.open(io, file, schema, { encodeInWorker: true });
    await w.write(rows.slice(0, 200_000));
    await w.abort();
    expect(await io.exists(file)).toBe(false);
    const ok = tmp.file('worker-after.parquet');
    const w2 = await ParquetFileWriter.open(io, ok, schema, { encodeInWorker: true });
    await w2.write(rows.slice(0, 1000));
    await w2.close();
    expect(await collect(readParquetRows(io, ok, schema))).toEqual(rows.slice(0, 1000));
  });
});
