import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../src/errors.js';
import type { FileIO } from '../../src/io/file-io.js';
import { joinLocation } from '../../src/io/location.js';

export interface FileIOUnderTest {
  readonly io: FileIO;
  /** A fresh, empty location (directory or key prefix) for one test. */
  root(): string;
  /** The store makes writeIfAbsent atomic (local: link(2); S3: conditional PUT honoured). */
  readonly atomicWriteIfAbsent: boolean;
}

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** Deterministic pseudo-random bytes (a ranged read of them is checked byte for byte). */
export function patternBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Byte equality; vitest's deep equality walks a typed array element by element (minutes at 12 MB). */
function expectBytes(got: Uint8Array, want: Uint8Array): void {
  expect(got.length).toBe(want.length);
  expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(want.buffer, want.byteOffset, want.byteLength))).toBe(true);
}

async function listAll(io: FileIO, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const f of io.list(prefix)) out.push(f.location);
  return out.sort();
}

/**
 * The FileIO contract: what every storage implementation must do the same way, run as one
 * `describe` per implementation. `setup` is called inside the describe (it may register
 * beforeAll/afterAll hooks) and returns the implementation to test.
 */
export function fileIOContract(name: string, setup: () => () => FileIOUnderTest): void {
  describe(`FileIO contract: ${name}`, () => {
    const get = setup();

    it('writes, reads whole and by range, and reports length and existence', async () => {
      const { io, root } = get();
      const loc = joinLocation(root(), 'a', 'b', 'f.bin');
      const data = patternBytes(100_000);
      expect(await io.exists(loc)).toBe(false);
      await io.write(loc, data);
      expect(await io.exists(loc)).toBe(true);
      expect(await io.length(loc)).toBe(100_000);
      expectBytes(await io.read(loc), data);
      expectBytes(await io.readRange(loc, 0, 4), data.subarray(0, 4));
      expectBytes(await io.readRange(loc, 99_992, 8), data.subarray(99_992));
      expectBytes(await io.readRange(loc, 12_345, 50_000), data.subarray(12_345, 62_345));
    });

    it('a range reaching past the end returns the bytes that exist; none past the end', async () => {
      const { io, root } = get();
      const loc = joinLocation(root(), 'short');
      await io.write(loc, bytes('0123456789'));
      expect(text(await io.readRange(loc, 6, 100))).toBe('6789');
      expect((await io.readRange(loc, 3, 0)).length).toBe(0);
      expect((await io.readRange(loc, 20, 5)).length).toBe(0);
    });

    it('a missing file: read and length throw NotFoundError, exists is false, delete is a no-op', async () => {
      const { io, root } = get();
      const loc = joinLocation(root(), 'missing.json');
      await expect(io.read(loc)).rejects.toBeInstanceOf(NotFoundError);
      await expect(io.readRange(loc, 0, 4)).rejects.toBeInstanceOf(NotFoundError);
      await expect(io.length(loc)).rejects.toBeInstanceOf(NotFoundError);
      expect(await io.exists(loc)).toBe(false);
      await io.delete(loc);
    });

    it('write replaces an existing file whole', async () => {
      const { io, root } = get();
      const loc = joinLocation(root(), 'x.txt');
      await io.write(loc, bytes('first version, longer'));
      await io.write(loc, bytes('second'));
      expect(text(await io.read(loc))).toBe('second');
    });

    it('writeIfAbsent creates once; a second call returns false and leaves the first bytes', async () => {
      const { io, root, atomicWriteIfAbsent } = get();
      const loc = joinLocation(root(), 'metadata', 'v1.metadata.json');
      expect(await io.writeIfAbsent(loc, bytes('first'))).toBe(true);
      if (atomicWriteIfAbsent) {
        expect(await io.writeIfAbsent(loc, bytes('second'))).toBe(false);
        expect(text(await io.read(loc))).toBe('first');
        const race = joinLocation(root(), 'race');
        const racers = await Promise.all(Array.from({ length: 10 }, (_, i) => io.writeIfAbsent(race, bytes(String(i)))));
        expect(racers.filter(Boolean)).toHaveLength(1);
      } else {
        // a store that ignores If-None-Match overwrites: why the filesystem catalog refuses it
        expect(await io.writeIfAbsent(loc, bytes('second'))).toBe(true);
        expect(text(await io.read(loc))).toBe('second');
      }
    });

    it('create streams a file that is invisible until close, across many chunks', async () => {
      const { io, root } = get();
      const loc = joinLocation(root(), 'stream', 'big.bin');
      const data = patternBytes(12 * 1024 * 1024 + 777, 7); // more than one S3 part
      const out = await io.create(loc);
      for (let off = 0; off < data.length; off += 1_000_000) await out.write(data.subarray(off, Math.min(data.length, off + 1_000_000)));
      expect(out.bytesWritten).toBe(data.length);
      expect(await io.exists(loc)).toBe(false);
      await out.close();
      expect(await io.length(loc)).toBe(data.length);
      expectBytes(await io.readRange(loc, 5 * 1024 * 1024 - 10, 20), data.subarray(5 * 1024 * 1024 - 10, 5 * 1024 * 1024 + 10));
      expectBytes(await io.read(loc), data);
    });

    it('create of an empty file makes a zero-length file', async () => {
      const { io, root } = get();
      const loc = joinLocation(root(), 'empty');
      const out = await io.create(loc);
      await out.close();
      expect(await io.length(loc)).toBe(0);
    });

    it('abort leaves nothing at the location, small or multipart', async () => {
      const { io, root } = get();
      const dir = root();
      for (const [name, n] of [['small', 100], ['large', 11 * 1024 * 1024]] as const) {
        const out = await io.create(joinLocation(dir, name));
        await out.write(patternBytes(n));
        await out.abort();
        expect(await io.exists(joinLocation(dir, name))).toBe(false);
      }
      expect(await listAll(io, dir)).toEqual([]);
    });

    it('lists recursively under a directory-like prefix, not its name siblings', async () => {
      const { io, root } = get();
      const dir = root();
      await io.write(joinLocation(dir, 't', 'metadata', 'v1.metadata.json'), bytes('m'));
      await io.write(joinLocation(dir, 't', 'data', 'p=1', 'a.parquet'), bytes('aa'));
      await io.write(joinLocation(dir, 't2', 'data', 'b.parquet'), bytes('b'));
      const listed: { location: string; size: number; modifiedMs: number }[] = [];
      for await (const f of io.list(joinLocation(dir, 't'))) listed.push(f);
      expect(listed.map((f) => f.location).sort()).toEqual([joinLocation(dir, 't', 'data', 'p=1', 'a.parquet'), joinLocation(dir, 't', 'metadata', 'v1.metadata.json')]);
      expect(listed.find((f) => f.location.endsWith('a.parquet'))!.size).toBe(2);
      for (const f of listed) expect(Math.abs(f.modifiedMs - Date.now())).toBeLessThan(10 * 60_000);
      expect(await listAll(io, joinLocation(dir, 'nothing-here'))).toEqual([]);
    });

    it('lists past one page (more than 1000 files)', async () => {
      const { io, root } = get();
      const dir = root();
      const names = Array.from({ length: 1005 }, (_, i) => joinLocation(dir, 'many', `f${String(i).padStart(4, '0')}`));
      const chunks = 50;
      for (let i = 0; i < names.length; i += chunks) await Promise.all(names.slice(i, i + chunks).map((n) => io.write(n, bytes('x'))));
      expect(await listAll(io, joinLocation(dir, 'many'))).toEqual(names);
    });

    it('deleteMany deletes every listed file, missing ones included without failure', async () => {
      const { io, root } = get();
      const dir = root();
      const names = Array.from({ length: 30 }, (_, i) => joinLocation(dir, 'd', `f${i}`));
      await Promise.all(names.map((n) => io.write(n, bytes('x'))));
      expect(io.deleteMany).toBeDefined();
      const failures = await io.deleteMany!([...names, joinLocation(dir, 'd', 'never-written')]);
      expect(failures).toEqual([]);
      expect(await listAll(io, joinLocation(dir, 'd'))).toEqual([]);
    });
  });
}
