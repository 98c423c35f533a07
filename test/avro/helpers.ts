import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { BinaryReader } from '../../src/avro/binary-decoder.js';
import { BinaryWriter } from '../../src/avro/binary-encoder.js';
import { InvalidAvroError } from '../../src/errors.js';
import { readAvroContainer } from '../../src/avro/index.js';
import type { AvroValue } from '../../src/avro/index.js';

/** shared/iceberg-fixtures, a sibling of the repository. */
export const FIXTURES = fileURLToPath(new URL('../../../shared/iceberg-fixtures/', import.meta.url));

/** Every `<fixture>/table/metadata/*.avro`, as [fixture name, absolute path]. */
export function fixtureAvroFiles(): [string, string][] {
  const out: [string, string][] = [];
  if (!existsSync(FIXTURES)) return out;
  for (const name of readdirSync(FIXTURES).sort()) {
    const dir = path.join(FIXTURES, name, 'table', 'metadata');
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.avro')) out.push([name, path.join(dir, f)]);
  }
  return out;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex').replace(/(..)(?!$)/g, '$1 ');
}

export function fromHex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

/** Opens and fully decodes a container. */
export function readAll(bytes: Uint8Array, source = 'test.avro'): AvroValue[] {
  return [...readAvroContainer(bytes, source).records()];
}

/** Runs `fn` and returns the InvalidAvroError it throws; fails on success or any other error. */
export function expectInvalidAvro(fn: () => unknown): InvalidAvroError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidAvroError) return err;
    throw new Error(`expected InvalidAvroError, got ${err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err)}`);
  }
  throw new Error('expected InvalidAvroError, but nothing was thrown');
}

export interface RawBlock {
  readonly offset: number;
  readonly count: number;
  readonly dataStart: number;
  readonly dataEnd: number;
}

/** Block layout of a container, read independently of the code under test where it matters. */
export function containerLayout(bytes: Uint8Array): { headerEnd: number; sync: Uint8Array; blocks: RawBlock[] } {
  const r = new BinaryReader(bytes, 4);
  for (;;) {
    let n = r.readSize('meta');
    if (n === 0) break;
    if (n < 0) {
      n = -n;
      r.readSize('meta size');
    }
    for (let i = 0; i < n; i++) {
      r.readString();
      r.readBytes();
    }
  }
  const sync = bytes.slice(r.pos, r.pos + 16);
  r.pos += 16;
  const headerEnd = r.pos;
  const blocks: RawBlock[] = [];
  while (r.pos < bytes.length) {
    const offset = r.pos;
    const count = r.readSize('count');
    const size = r.readSize('size');
    blocks.push({ offset, count, dataStart: r.pos, dataEnd: r.pos + size });
    r.pos += size + 16;
  }
  return { headerEnd, sync, blocks };
}

/**
 * Re-packs a null-codec container's blocks with another codec name and block transform, keeping
 * all other metadata: how we make files in codecs our writer does not produce (zstandard).
 */
export function recodeContainer(nullCodecFile: Uint8Array, codec: string, transform: (block: Uint8Array) => Uint8Array): Uint8Array {
  const { sync, blocks } = containerLayout(nullCodecFile);
  const c = readAvroContainer(nullCodecFile);
  const w = new BinaryWriter();
  w.writeRaw(new Uint8Array([0x4f, 0x62, 0x6a, 0x01]));
  const meta = [...c.metadata].map(([k, v]): [string, Uint8Array] => [k, k === 'avro.codec' ? new TextEncoder().encode(codec) : v]);
  w.writeLongNumber(meta.length);
  for (const [k, v] of meta) {
    w.writeString(k);
    w.writeBytes(v);
  }
  w.writeInt(0);
  w.writeRaw(sync);
  for (const b of blocks) {
    const data = transform(nullCodecFile.subarray(b.dataStart, b.dataEnd));
    w.writeLongNumber(b.count);
    w.writeLongNumber(data.length);
    w.writeRaw(data);
    w.writeRaw(sync);
  }
  return w.toBytes();
}

/**
 * A Zstandard frame made of raw (stored) blocks (RFC 8878 "Zstandard Frames"): a valid frame
 * any decoder must accept, built without a compressor.
 */
export function zstdRawFrame(data: Uint8Array): Uint8Array {
  const MAX_BLOCK = 128 * 1024;
  const w = new BinaryWriter(data.length + 64);
  w.writeRaw(new Uint8Array([0x28, 0xb5, 0x2f, 0xfd])); // magic 0xFD2FB528, little-endian
  // Frame header descriptor: 4-byte content size (flag 2), single segment (no window descriptor).
  w.writeRaw(new Uint8Array([0xa0]));
  w.writeRaw(new Uint8Array([data.length & 0xff, (data.length >>> 8) & 0xff, (data.length >>> 16) & 0xff, data.length >>> 24]));
  let pos = 0;
  do {
    const size = Math.min(MAX_BLOCK, data.length - pos);
    const last = pos + size >= data.length ? 1 : 0;
    const header = last | (0 << 1) | (size << 3); // block type 0 = raw
    w.writeRaw(new Uint8Array([header & 0xff, (header >>> 8) & 0xff, (header >>> 16) & 0xff]));
    w.writeRaw(data.subarray(pos, pos + size));
    pos += size;
  } while (pos < data.length);
  return w.toBytes();
}
