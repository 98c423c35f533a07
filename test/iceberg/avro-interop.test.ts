import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { FilesystemCatalog } from '../../src/catalog/filesystem-catalog.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { primitive } from '../../src/iceberg/spec/types.js';
import type { ChangeEvent } from '../../src/sink/change-event.js';
import { TableWriter } from '../../src/sink/table-writer.js';
import { useTempDir } from '../support/temp-dir.js';

/**
 * Our manifests and manifest lists decode with an independent Avro implementation (the
 * `avsc` library): same records, field ids in the embedded schema, exact longs.
 */
const require = createRequire(import.meta.url);
interface AvscType { name?: string }
interface Decoder { on(ev: 'metadata', cb: (type: AvscType, codec: string, header: { meta: Record<string, Buffer> }) => void): Decoder; on(ev: 'data', cb: (r: Record<string, unknown>) => void): Decoder; on(ev: 'end' | 'error', cb: (e?: Error) => void): Decoder }
const avsc = require('avsc') as { createFileDecoder(path: string, opts: unknown): Decoder; types: { LongType: { __with(o: unknown): unknown } }; Type: { forSchema(schema: unknown, opts: unknown): unknown } };
const zlib = require('node:zlib') as typeof import('node:zlib');

// avsc decodes longs to JS numbers by default: use a bigint long type so ids above 2^53 stay exact.
const bigLong = avsc.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(n);
    return b;
  },
  fromJSON: BigInt,
  toJSON: Number,
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

function decodeWithAvsc(file: string): Promise<{ records: Record<string, unknown>[]; meta: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const records: Record<string, unknown>[] = [];
    let meta: Record<string, string> = {};
    const codecs = { deflate: (buf: Buffer, cb: (err: Error | null, out?: Buffer) => void) => zlib.inflateRaw(buf, cb), null: (buf: Buffer, cb: (err: Error | null, out?: Buffer) => void) => cb(null, buf) };
    avsc
      .createFileDecoder(file, { codecs, parseHook: (schema: unknown) => avsc.Type.forSchema(schema, { registry: { long: bigLong } }) })
      .on('metadata', (_t, _c, header) => (meta = Object.fromEntries(Object.entries(header.meta).map(([k, v]) => [k, v.toString()]))))
      .on('data', (r) => records.push(r))
      .on('error', (e) => reject(e))
      .on('end', () => resolve({ records, meta }));
  });
}

describe('Avro interop: our manifests read by avsc', () => {
  const tempDir = useTempDir();

  it('manifest lists and manifests decode to the same entries we read', async () => {
    const schema = new Schema(0, [{ id: 1, name: 'id', required: true, type: primitive('long') }, { id: 2, name: 'v', required: false, type: primitive('string') }], [1]);
    const t = await new FilesystemCatalog(tempDir()).createTable({ namespace: ['d'], name: 't' }, { schema });
    const w = await TableWriter.open(t, { pipelineId: 'p', mode: 'upsert', keyFilter: false });
    const ev = (op: 'insert' | 'update', id: number, v: string): ChangeEvent => ({ table: 's', op, ...(op === 'update' ? { before: { id: BigInt(id), v: 'x' } } : {}), after: { id: BigInt(id), v }, position: id, sourceTsMs: id });
    await w.write([ev('insert', 1, 'a'), ev('insert', 2, 'b')], 'incremental');
    await w.commit({ position: 1, phase: 'incremental' });
    await w.write([ev('update', 1, 'c')], 'incremental');
    await w.commit({ position: 2, phase: 'incremental' });
    const snap = t.currentSnapshot()!;
    const list = await decodeWithAvsc(snap.manifestList!);
    expect(list.meta['format-version']).toBe('2');
    expect(list.meta['snapshot-id']).toBe(String(snap.snapshotId));
    expect(list.meta['avro.schema']).toContain('"field-id":500');
    const ours = await t.manifests();
    expect(list.records.map((r) => r['manifest_path'])).toEqual(ours.map((m) => m.manifestPath));
    expect(list.records.map((r) => r['sequence_number'])).toEqual(ours.map((m) => m.sequenceNumber));
    expect(list.records.map((r) => r['added_snapshot_id'])).toEqual(ours.map((m) => m.addedSnapshotId)); // exact 64-bit ids
    expect(list.records.map((r) => r['content'])).toEqual(ours.map((m) => (m.content === 'deletes' ? 1 : 0)));
    const entries = await t.entries();
    const theirs: Record<string, unknown>[] = [];
    for (const m of ours) {
      const decoded = await decodeWithAvsc(m.manifestPath);
      expect(decoded.meta['partition-spec-id']).toBe('0');
      expect(JSON.parse(decoded.meta['schema']!)).toMatchObject({ type: 'struct', fields: [{ id: 1, name: 'id' }, { id: 2, name: 'v' }] });
      theirs.push(...decoded.records);
    }
    expect(theirs.map((e) => (e['data_file'] as Record<string, unknown>)['file_path']).sort()).toEqual(entries.map((e) => e.dataFile.filePath).sort());
    expect(theirs.map((e) => (e['data_file'] as Record<string, unknown>)['content']).sort()).toEqual(entries.map((e) => ({ data: 0, 'position-deletes': 1, 'equality-deletes': 2 })[e.dataFile.content]).sort());
    expect(fs.existsSync(path.dirname(snap.manifestList!))).toBe(true);
  });
});
