import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../src/errors.js';
import { LocalFileIO } from '../../src/io/local-file-io.js';
import { localPathOf, toFileUri } from '../../src/io/location.js';
import { PrefixMappedFileIO } from '../../src/io/prefix-mapped-file-io.js';
import { useTempDir } from '../support/temp-dir.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('LocalFileIO', () => {
  const tempDir = useTempDir();
  const io = new LocalFileIO();

  it('streams a file that becomes visible only at close', async () => {
    const loc = path.join(tempDir(), 'a', 'b', 'f.bin');
    const out = await io.create(loc);
    await out.write(bytes('hello '));
    await out.write(bytes('world'));
    expect(out.bytesWritten).toBe(11);
    expect(await io.exists(loc)).toBe(false);
    await out.close();
    expect(text(await io.read(loc))).toBe('hello world');
    expect(await io.length(loc)).toBe(11);
    expect(text(await io.readRange(loc, 6, 5))).toBe('world');
  });

  it('abort leaves nothing behind', async () => {
    const dir = tempDir();
    const out = await io.create(path.join(dir, 'x'));
    await out.write(bytes('partial'));
    await out.abort();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('writeIfAbsent creates once and refuses to replace', async () => {
    const loc = path.join(tempDir(), 'v1.metadata.json');
    expect(await io.writeIfAbsent(loc, bytes('first'))).toBe(true);
    expect(await io.writeIfAbsent(loc, bytes('second'))).toBe(false);
    expect(text(await io.read(loc))).toBe('first');
    expect(fs.readdirSync(path.dirname(loc))).toEqual(['v1.metadata.json']); // no temp files left
  });

  it('exactly one of many racing exclusive creates wins', async () => {
    const loc = path.join(tempDir(), 'race');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => io.writeIfAbsent(loc, bytes(String(i)))));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('accepts file: URIs and lists recursively by prefix', async () => {
    const dir = tempDir();
    await io.write(path.join(dir, 'metadata', 'a.avro'), bytes('a'));
    await io.write(path.join(dir, 'data', 'p=1', 'b.parquet'), bytes('bb'));
    const uri = toFileUri(dir);
    expect(localPathOf(`${uri}/data/p=1/b.parquet`)).toBe(path.join(dir, 'data', 'p=1', 'b.parquet'));
    expect(localPathOf(`file:${dir}/x`)).toBe(path.join(dir, 'x')); // Hadoop's file:/path form
    const listed = [];
    for await (const f of io.list(uri)) listed.push(f);
    expect(listed.map((f) => f.location).sort()).toEqual([`${uri}/data/p=1/b.parquet`, `${uri}/metadata/a.avro`]);
    expect(listed.find((f) => f.location.endsWith('b.parquet'))!.size).toBe(2);
    const byName = [];
    for await (const f of io.list(path.join(dir, 'meta'))) byName.push(f.location);
    expect(byName).toEqual([path.join(dir, 'metadata', 'a.avro')]);
  });

  it('a file removed while the listing runs (a temp file renamed into place) is left out, not an error', async () => {
    const dir = tempDir();
    for (const n of ['a', 'b', 'c']) await io.write(path.join(dir, `${n}.json`), bytes(n));
    const listed: string[] = [];
    for await (const f of io.list(dir)) {
      listed.push(f.location);
      // the directory was read already: the other two are gone before their turn
      if (listed.length === 1) for (const n of ['a', 'b', 'c']) if (!f.location.endsWith(`${n}.json`)) fs.rmSync(path.join(dir, `${n}.json`));
    }
    expect(listed).toHaveLength(1);
  });

  it('reads small files (blocking read) and big ones (async read) to the exact bytes', async () => {
    const dir = tempDir();
    for (const size of [0, 1, 256 * 1024, 256 * 1024 + 1, 3 * 1024 * 1024 + 7]) {
      const data = new Uint8Array(size);
      for (let i = 0; i < size; i++) data[i] = (i * 31 + (i >> 8)) & 0xff;
      const loc = path.join(dir, `f${size}`);
      fs.writeFileSync(loc, data);
      const got = await io.read(loc);
      expect(got.length).toBe(size);
      expect(Buffer.from(got).equals(Buffer.from(data))).toBe(true);
    }
    await expect(io.read(dir)).rejects.toThrow(dir); // a directory is not a file: an error naming it
  });

  it('missing files: NotFoundError with the location; deleting one is fine', async () => {
    const loc = path.join(tempDir(), 'nope');
    await expect(io.read(loc)).rejects.toBeInstanceOf(NotFoundError);
    await expect(io.length(loc)).rejects.toThrow(loc);
    await io.delete(loc);
  });
});

describe('PrefixMappedFileIO', () => {
  const tempDir = useTempDir();

  it('maps every spelling of the recorded prefix onto the real directory', async () => {
    const dir = tempDir();
    const inner = new LocalFileIO();
    await inner.write(path.join(dir, 'data', 'f'), bytes('x'));
    const io = new PrefixMappedFileIO(inner, ['./lineitem_iceberg'], dir);
    expect(await io.exists('lineitem_iceberg/data/f')).toBe(true);
    expect(await io.exists('./lineitem_iceberg/data/f')).toBe(true);
    const uriIo = new PrefixMappedFileIO(inner, ['file://data/persistent/t'], dir);
    expect(uriIo.map('file://data/persistent/t/data/f')).toBe(`${dir}/data/f`);
    expect(uriIo.map('data/persistent/t/data/f')).toBe(`${dir}/data/f`);
    expect(uriIo.map('data/persistent/tx/data/f')).toBe('data/persistent/tx/data/f'); // not a prefix match
  });
});
