import { afterAll, describe, expect, it } from 'vitest';
import { Schema } from '../../src/iceberg/spec/schema.js';
import type { FileIO, OutputStream } from '../../src/io/file-io.js';
import { ParquetFileWriter, RollingParquetWriter, readParquetMetadata, readParquetRows, type Row } from '../../src/parquet/index.js';
import { collect, io, query, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const schema = new Schema(0, [
  { id: 1, name: 'id', required: true, type: { kind: 'long' } },
  { id: 2, name: 'name', required: false, type: { kind: 'string' } },
  { id: 3, name: 'v', required: false, type: { kind: 'double' } },
]);
const rowsFrom = (start: number, n: number): Row[] =>
  Array.from({ length: n }, (_, i) => ({ id: BigInt(start + i), name: `name-${start + i}`, v: (start + i) / 7 }));

/** FileIO wrapper that records how many bytes reached each stream, and when. */
function countingIO(): { io: FileIO; written: () => number } {
  let total = 0;
  const wrapped: FileIO = Object.create(io) as FileIO;
  wrapped.create = async (location: string): Promise<OutputStream> => {
    const s = await io.create(location);
    return {
      write: async (chunk) => {
        total += chunk.length;
        await s.write(chunk);
      },
      close: () => s.close(),
      abort: () => s.abort(),
      get bytesWritten() {
        return s.bytesWritten;
      },
    };
  };
  return { io: wrapped, written: () => total };
}

describe('streaming writes', () => {
  it('200k rows with a small row-group size: several row groups, flushed as they fill', async () => {
    const file = tmp.file('stream.parquet');
    const c = countingIO();
    const rgSize = 512 * 1024;
    const w = await ParquetFileWriter.open(c.io, file, schema, { rowGroupSizeBytes: rgSize });
    let maxBuffered = 0;
    for (let s = 0; s < 200_000; s += 5000) {
      await w.write(rowsFrom(s, 5000));
      // bytes reach the stream while writing, and what is held back stays near one row group
      maxBuffered = Math.max(maxBuffered, w.estimatedSize - w.bytesWritten);
      expect(c.written()).toBe(w.bytesWritten);
    }
    expect(c.written()).toBeGreaterThan(0);
    expect(maxBuffered).toBeLessThan(rgSize * 1.2);
    const m = await w.close();
    expect(m.recordCount).toBe(200_000n);
    const meta = await readParquetMetadata(io, file);
    expect(meta.rowGroups.length).toBeGreaterThan(5);
    expect(m.splitOffsets.length).toBe(meta.rowGroups.length);
    // split offsets = row group starts = first column chunk's first page
    expect(m.splitOffsets).toEqual(meta.rowGroups.map((g) => g.columns[0]!.meta_data!.data_page_offset));
    const duckRgs = await query(`SELECT count(DISTINCT row_group_id)::INTEGER AS n, (sum(row_group_num_rows) // 3)::BIGINT AS rows FROM parquet_metadata('${file}')`);
    expect(duckRgs[0]).toMatchObject({ n: meta.rowGroups.length, rows: 200_000n });
    const agg = await query(`SELECT count(*)::BIGINT AS n, sum(id)::BIGINT AS s, count(DISTINCT name)::BIGINT AS d FROM read_parquet('${file}')`);
    expect(agg[0]).toEqual({ n: 200_000n, s: 199_999n * 200_000n / 2n, d: 200_000n });
    // our reader goes row group by row group, in batches
    let rows = 0, batches = 0, next = 0n;
    for await (const b of readParquetRows(io, file, schema, { batchSize: 7000 })) {
      batches++;
      for (const r of b) expect(r['id']).toBe(next++);
      rows += b.length;
      expect(b.length).toBeLessThanOrEqual(7000);
    }
    expect(rows).toBe(200_000);
    expect(batches).toBeGreaterThan(meta.rowGroups.length);
  });

  it('the row-group filter skips row groups', async () => {
    const file = tmp.file('stream.parquet');
    const meta = await readParquetMetadata(io, file);
    let rows = 0;
    for await (const b of readParquetRows(io, file, schema, { rowGroups: (_g, i) => i === 1 })) rows += b.length;
    expect(rows).toBe(Number(meta.rowGroups[1]!.num_rows));
  });

  it('rolls to a new file at write.target-file-size-bytes', async () => {
    let k = 0;
    const rw = new RollingParquetWriter(io, schema, () => tmp.file(`roll-${k++}.parquet`), { targetFileSizeBytes: 80_000, rowGroupSizeBytes: 50_000 });
    for (let s = 0; s < 100_000; s += 10_000) await rw.write(rowsFrom(s, 10_000));
    const files = await rw.close();
    expect(files.length).toBeGreaterThan(2);
    let total = 0n;
    for (const f of files) {
      total += f.metrics.recordCount;
      expect(Number(f.metrics.fileSizeInBytes)).toBeLessThan(80_000 * 1.5);
      expect(f.metrics.fileSizeInBytes).toBe(BigInt(await io.length(f.location)));
    }
    expect(total).toBe(100_000n);
    const all = await query(`SELECT count(*)::BIGINT AS n, min(id)::BIGINT AS lo, max(id)::BIGINT AS hi FROM read_parquet([${files.map((f) => `'${f.location}'`).join(',')}])`);
    expect(all[0]).toEqual({ n: 100_000n, lo: 0n, hi: 99_999n });
  });

  it('abort leaves no file; a bad value fails the writer', async () => {
    const file = tmp.file('aborted.parquet');
    const w = await ParquetFileWriter.open(io, file, schema);
    await w.write(rowsFrom(0, 10));
    await expect(w.write([{ id: 'x' }])).rejects.toThrow(/column id .*expected a bigint/);
    await expect(w.write(rowsFrom(0, 1))).rejects.toThrow(/failed/);
    await w.abort();
    expect(await io.exists(file)).toBe(false);
    const w2 = await ParquetFileWriter.open(io, file, schema);
    await expect(w2.write([{ id: null }])).rejects.toThrow(/column id is required/);
    await w2.abort();
    expect(await io.exists(file)).toBe(false);
  });

  it('writeColumns writes the same bytes as write() with the equivalent rows', async () => {
    const rows: Row[] = rowsFrom(0, 20_000).map((r, i) => ({ ...r, name: i % 3 === 0 ? null : r['name'] }));
    const a = tmp.file('rows.parquet');
    const b = tmp.file('cols.parquet');
    const wa = await ParquetFileWriter.open(io, a, schema, { rowGroupSizeBytes: 100_000 });
    await wa.write(rows);
    const ma = await wa.close();
    const wb = await ParquetFileWriter.open(io, b, schema, { rowGroupSizeBytes: 100_000 });
    const col = (k: string): unknown[] => rows.map((r) => r[k]);
    await wb.writeColumns({ length: 12_000, columns: { id: col('id').slice(0, 12_000), name: col('name').slice(0, 12_000), v: col('v').slice(0, 12_000) } });
    await wb.writeColumns({ length: 8_000, columns: { id: col('id').slice(12_000), name: col('name').slice(12_000), v: col('v').slice(12_000) } });
    const mb = await wb.close();
    expect(mb).toEqual(ma);
    expect(Buffer.compare(await io.read(a), await io.read(b))).toBe(0);
    const missing = await ParquetFileWriter.open(io, tmp.file('cols2.parquet'), schema);
    await missing.writeColumns({ length: 2, columns: { id: [1n, 2n] } });
    await missing.close();
    expect(await collect(readParquetRows(io, tmp.file('cols2.parquet'), schema))).toEqual([{ id: 1n, name: null, v: null }, { id: 2n, name: null, v: null }]);
    const bad = await ParquetFileWriter.open(io, tmp.file('cols3.parquet'), schema);
    await expect(bad.writeColumns({ length: 2, columns: { id: [1n] } })).rejects.toThrow(/column id: 1 values, batch length is 2/);
    await bad.abort();
  });

  it('encodeInWorker: the same bytes and metrics as in-thread encoding, at most one row group in flight', async () => {
    const a = tmp.file('thread.parquet');
    const b = tmp.file('worker.parquet');
    const rows = rowsFrom(0, 60_000).map((r, i) => ({ ...r, name: i % 4 === 0 ? null : `n${i % 50}` }));
    const wa = await ParquetFileWriter.open(io, a, schema, { rowGroupSizeBytes: 100_000 });
    const wb = await ParquetFileWriter.open(io, b, schema, { rowGroupSizeBytes: 100_000, encodeInWorker: true });
    let maxAhead = 0;
    for (let s = 0; s < rows.length; s += 3000) {
      await wa.write(rows.slice(s, s + 3000));
      await wb.write(rows.slice(s, s + 3000));
      maxAhead = Math.max(maxAhead, wb.estimatedSize - wb.bytesWritten);
    }
    const [ma, mb] = [await wa.close(), await wb.close()];
    expect(mb).toEqual(ma);
    expect(ma.splitOffsets.length).toBeGreaterThan(5);
    expect(Buffer.compare(await io.read(a), await io.read(b))).toBe(0);
    expect(maxAhead).toBeLessThan(2 * 100_000 * 1.2);
    const wide = await query(`SELECT count(*)::BIGINT AS n FROM read_parquet('${b}')`);
    expect(wide[0]!['n']).toBe(60_000n);
  });

  it('encodeInWorker: a bad value still fails the writer; abort leaves no file', async () => {
    const file = tmp.file('worker-bad.parquet');
    const w = await ParquetFileWriter.open(io, file, schema, { rowGroupSizeBytes: 10_000, encodeInWorker: true });
    await w.write(rowsFrom(0, 5000));
    await expect(w.write([{ id: 1 }])).rejects.toThrow(/expected a bigint/);
    await w.abort();
    expect(await io.exists(file)).toBe(false);
  });
});
