import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { IcetideError, NotFoundError, StorageError } from '../../src/errors.js';
import type { FileIO } from '../../src/io/file-io.js';
import { WebHdfsAccessError, WebHdfsUnavailableError } from '../../src/io/webhdfs-errors.js';
import { WebHdfsFileIO, type WebHdfsFileIOOptions } from '../../src/io/webhdfs-file-io.js';
import { parseWebHdfsLocation } from '../../src/io/webhdfs-location.js';
import { freePort } from '../support/free-port.js';
import { useTempDir } from '../support/temp-dir.js';
import { webHdfsFileIOFixture, type WebHdfsFileIOFixture } from '../support/webhdfs-file-io-factory.js';
import type { WebHdfsServerOptions } from '../support/webhdfs-server.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const fast = { retry: { attempts: 3, baseDelayMs: 5 } } as const;

async function collect(io: FileIO, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const f of io.list(prefix)) out.push(f.location);
  return out.sort();
}

/** Every file under the server's root, relative (so tests see temp files the FileIO left). */
function filesOnDisk(root: string): string[] {
  return fs.readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
    .sort();
}

describe('WebHdfsFileIO', () => {
  const tempDir = useTempDir('icetide-webhdfs-');
  const fixtures: WebHdfsFileIOFixture[] = [];
  afterEach(async () => {
    for (const f of fixtures.splice(0)) await f.close();
  });

  async function setup(server: Partial<WebHdfsServerOptions> = {}, io: WebHdfsFileIOOptions = { user: 'icetide', ...fast }) {
    const root = tempDir();
    const f = await webHdfsFileIOFixture(root, server, io);
    fixtures.push(f);
    return { ...f, root };
  }

  describe('reads and writes', () => {
    it('writes a file, reads it whole and by range, reports its length and existence', async () => {
      const { io, base } = await setup();
      const loc = `${base}/db/t/metadata/v1.metadata.json`;
      expect(await io.exists(loc)).toBe(false);
      await io.write(loc, bytes('hello webhdfs'));
      expect(text(await io.read(loc))).toBe('hello webhdfs');
      expect(await io.length(loc)).toBe(13);
      expect(await io.exists(loc)).toBe(true);
      expect(text(await io.readRange(loc, 6, 7))).toBe('webhdfs');
    });

    it('reads ranges at the end of a file: the footer, a range past the end (cut short), and at the end (empty)', async () => {
      const { io, base } = await setup();
      const loc = `${base}/f.bin`;
      const data = randomBytes(10_000);
      await io.write(loc, data);
      expect(Buffer.from(await io.readRange(loc, data.length - 8, 8))).toEqual(data.subarray(data.length - 8));
      expect(Buffer.from(await io.readRange(loc, data.length - 3, 100))).toEqual(data.subarray(data.length - 3));
      expect((await io.readRange(loc, data.length, 10)).length).toBe(0);
      // past the end the datanode answers 403 EOFException ("Cannot seek after EOF"): no bytes, no error
      expect((await io.readRange(loc, data.length + 50, 10)).length).toBe(0);
      expect((await io.readRange(loc, 5, 0)).length).toBe(0);
    });

    it('sends the bytes only to the datanode: the namenode answers CREATE and OPEN with a location', async () => {
      const { io, base, server } = await setup();
      await io.write(`${base}/a`, bytes('abc'));
      expect(text(await io.read(`${base}/a`))).toBe('abc');
      const creates = server.requests.filter((r) => r.op === 'CREATE');
      expect(creates.map((r) => r.node)).toEqual(['namenode', 'datanode']);
      expect(creates[0]!.bodyBytes).toBe(0);
      expect(creates[1]!.bodyBytes).toBe(3);
      expect(creates[0]!.query.get('noredirect')).toBe('true');
      expect(server.requests.filter((r) => r.op === 'OPEN').map((r) => r.node)).toEqual(['namenode', 'datanode']);
    });

    it('works with a namenode that ignores noredirect and answers 307 (the Location header is read, not followed with the body)', async () => {
      const { io, base, server } = await setup({ honourNoRedirect: false });
      const out = await io.create(`${base}/streamed`);
      await out.write(bytes('x'.repeat(1000)));
      await out.close();
      await io.write(`${base}/whole`, bytes('whole'));
      expect(text(await io.read(`${base}/whole`))).toBe('whole');
      expect((await io.read(`${base}/streamed`)).length).toBe(1000);
      expect(server.requests.filter((r) => r.node === 'namenode' && r.op === 'CREATE').every((r) => r.bodyBytes === 0)).toBe(true);
    });

    it('write replaces an existing file; writeIfAbsent refuses to, and leaves no temp file', async () => {
      const { io, base, root } = await setup();
      const loc = `${base}/db/t/metadata/v2.metadata.json`;
      await io.write(loc, bytes('first'));
      await io.write(loc, bytes('second'));
      expect(text(await io.read(loc))).toBe('second');
      expect(await io.writeIfAbsent(loc, bytes('third'))).toBe(false);
      expect(text(await io.read(loc))).toBe('second');
      const fresh = `${base}/db/t/metadata/v3.metadata.json`;
      expect(await io.writeIfAbsent(fresh, bytes('v3'))).toBe(true);
      expect(text(await io.read(fresh))).toBe('v3');
      expect(filesOnDisk(root)).toEqual(['warehouse/db/t/metadata/v2.metadata.json', 'warehouse/db/t/metadata/v3.metadata.json']);
    });

    it('exactly one of many racing writeIfAbsent calls wins', async () => {
      const { io, base } = await setup();
      const loc = `${base}/race/v1.metadata.json`;
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => io.writeIfAbsent(loc, bytes(String(i)))));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(text(await io.read(loc))).toBe(String(results.indexOf(true)));
    });

    it('through a gateway that ignores renameoptions (HttpFS), write still replaces and writeIfAbsent still refuses', async () => {
      const { io, base } = await setup({ renameOptions: false });
      const loc = `${base}/x`;
      expect(await io.writeIfAbsent(loc, bytes('1'))).toBe(true);
      expect(await io.writeIfAbsent(loc, bytes('2'))).toBe(false);
      await io.write(loc, bytes('3'));
      expect(text(await io.read(loc))).toBe('3');
    });

    it('deletes a file; deleting a missing one is not an error', async () => {
      const { io, base } = await setup();
      await io.write(`${base}/gone`, bytes('x'));
      await io.delete(`${base}/gone`);
      expect(await io.exists(`${base}/gone`)).toBe(false);
      await io.delete(`${base}/never-was`);
    });

    it('deleteMany deletes every file, missing ones without failure, and returns what it could not delete', async () => {
      const { io, base } = await setup({ protectedPaths: ['/warehouse/locked'] });
      const names = Array.from({ length: 20 }, (_, i) => `${base}/d/f${i}`);
      await Promise.all(names.map((n) => io.write(n, bytes('x'))));
      const failures = await io.deleteMany([...names, `${base}/d/never-written`, `${base}/locked/x`]);
      expect(await collect(io, `${base}/d`)).toEqual([]);
      expect(failures.map((f) => f.location)).toEqual([`${base}/locked/x`]);
      expect(failures[0]!.error).toMatch(/AccessControlException/);
    });
  });

  describe('streaming upload (create)', () => {
    it('uploads a large file in many chunks; nothing is visible at its name before close, then exactly the bytes', async () => {
      const { io, base, root, server } = await setup();
      const loc = `${base}/data/big.parquet`;
      const data = randomBytes(6 * 1024 * 1024 + 123);
      const out = await io.create(loc);
      const chunk = 64 * 1024;
      for (let off = 0; off < data.length; off += chunk) await out.write(data.subarray(off, off + chunk));
      expect(out.bytesWritten).toBe(data.length);
      expect(await io.exists(loc)).toBe(false);
      // the bytes went to a temporary sibling
      expect(filesOnDisk(root).some((f) => /^warehouse\/data\/big\.parquet\._icetide-tmp-[0-9a-f-]{36}$/.test(f))).toBe(true);
      await out.close();
      expect(Buffer.from(await io.read(loc)).equals(data)).toBe(true);
      expect(await io.length(loc)).toBe(data.length);
      expect(filesOnDisk(root)).toEqual(['warehouse/data/big.parquet']);
      expect(server.requests.find((r) => r.node === 'datanode' && r.op === 'CREATE')!.bodyBytes).toBe(data.length);
    });

    it('the writer may reuse its buffer once write() resolves', async () => {
      const { io, base } = await setup();
      const out = await io.create(`${base}/reused`);
      const buf = new Uint8Array(4096);
      for (let i = 0; i < 50; i++) {
        buf.fill(i);
        await out.write(buf);
      }
      await out.close();
      const got = await io.read(`${base}/reused`);
      expect(got.length).toBe(50 * 4096);
      for (let i = 0; i < 50; i++) expect(got[i * 4096]).toBe(i);
    });

    it('abort leaves nothing visible: neither the file nor its temp', async () => {
      const { io, base, root } = await setup();
      await io.write(`${base}/keep`, bytes('k'));
      const out = await io.create(`${base}/aborted`);
      await out.write(randomBytes(200_000));
      await out.abort();
      expect(await io.exists(`${base}/aborted`)).toBe(false);
      expect(filesOnDisk(root)).toEqual(['warehouse/keep']);
      await expect(out.write(bytes('late'))).rejects.toThrow(/after close or abort/);
    });

    it('close replaces an existing file at the name', async () => {
      const { io, base } = await setup();
      await io.write(`${base}/f`, bytes('old'));
      const out = await io.create(`${base}/f`);
      await out.write(bytes('new'));
      await out.close();
      expect(text(await io.read(`${base}/f`))).toBe('new');
    });
  });

  describe('listing', () => {
    it('lists recursively across more entries than one LISTSTATUS_BATCH answer, following startAfter', async () => {
      const { io, base, server } = await setup({ batchSize: 3 });
      const expected: string[] = [];
      for (let i = 0; i < 8; i++) expected.push(`${base}/t/data/f${i}.parquet`);
      for (let i = 0; i < 4; i++) expected.push(`${base}/t/data/p=${i}/g.parquet`);
      expected.push(`${base}/t/metadata/v1.metadata.json`);
      for (const loc of expected) await io.write(loc, bytes(loc));
      expect(await collect(io, `${base}/t`)).toEqual([...expected].sort());
      const batches = server.requests.filter((r) => r.op === 'LISTSTATUS_BATCH' && r.path === '/warehouse/t/data');
      expect(batches.length).toBe(4); // 12 entries, 3 per answer
      expect(batches.map((r) => r.query.get('startAfter'))).toEqual([null, 'f2.parquet', 'f5.parquet', 'p=0']);
      const one = [];
      for await (const f of io.list(`${base}/t/metadata`)) one.push(f);
      expect(one).toEqual([{ location: `${base}/t/metadata/v1.metadata.json`, size: expected[12]!.length, modifiedMs: expect.any(Number) }]);
    });

    it('a prefix that is not a directory lists its parent filtered by name; a file lists itself; nothing lists empty', async () => {
      const { io, base } = await setup();
      await io.write(`${base}/metadata/a.avro`, bytes('a'));
      await io.write(`${base}/metadata/b.avro`, bytes('b'));
      await io.write(`${base}/meta-other/c`, bytes('c'));
      await io.write(`${base}/data/x`, bytes('x'));
      expect(await collect(io, `${base}/meta`)).toEqual([`${base}/meta-other/c`, `${base}/metadata/a.avro`, `${base}/metadata/b.avro`]);
      expect(await collect(io, `${base}/metadata/a.avro`)).toEqual([`${base}/metadata/a.avro`]);
      expect(await collect(io, `${base}/nothing-here`)).toEqual([]);
      expect(await collect(io, 'webhdfs://' + base.split('/')[2] + '/absent/deeper')).toEqual([]);
    });

    it('falls back to LISTSTATUS on a namenode without LISTSTATUS_BATCH', async () => {
      const { io, base, server } = await setup({ batchListing: false });
      for (let i = 0; i < 7; i++) await io.write(`${base}/d/f${i}`, bytes('x'));
      expect(await collect(io, `${base}/d`)).toHaveLength(7);
      expect(await collect(io, base)).toHaveLength(7);
      // asked once, then never again
      expect(server.requests.filter((r) => r.op === 'LISTSTATUS_BATCH')).toHaveLength(1);
      expect(server.requests.filter((r) => r.op === 'LISTSTATUS').length).toBeGreaterThanOrEqual(2);
    });
  });

  describe('user and delegation token', () => {
    it('sends user.name on every namenode call', async () => {
      const { io, base, server } = await setup();
      await io.write(`${base}/u`, bytes('u'));
      expect(server.requests.filter((r) => r.node === 'namenode').every((r) => r.query.get('user.name') === 'icetide')).toBe(true);
    });

    it('authenticates with a delegation token, and a bad one is refused with a typed error', async () => {
      const { io, base, server } = await setup({ tokens: { 'tok-123': 'etl' } }, { delegationToken: 'tok-123', ...fast });
      await io.write(`${base}/t`, bytes('t'));
      expect(text(await io.read(`${base}/t`))).toBe('t');
      expect(server.requests.every((r) => r.query.get('delegation') === 'tok-123')).toBe(true);
      const bad = new WebHdfsFileIO({ delegationToken: 'expired', ...fast });
      await expect(bad.read(`${base}/t`)).rejects.toBeInstanceOf(WebHdfsAccessError);
    });

    it('without a user the server refuses with a message that says what to set', async () => {
      const { base } = await setup();
      const io = new WebHdfsFileIO(fast);
      const err = await io.exists(`${base}/x`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WebHdfsAccessError);
      expect((err as Error).message).toMatch(/SecurityException.*user or delegation token/);
    });
  });

  describe('errors', () => {
    it('a missing file is a NotFoundError naming the location', async () => {
      const { io, base } = await setup();
      const loc = `${base}/no/such/file`;
      await expect(io.read(loc)).rejects.toBeInstanceOf(NotFoundError);
      await expect(io.read(loc)).rejects.toThrow(`OPEN ${loc}`);
      await expect(io.length(loc)).rejects.toBeInstanceOf(NotFoundError);
      await expect(io.readRange(loc, 0, 4)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('a permission refusal names the user and the path, and leaves no temp file behind', async () => {
      const { io, base, root } = await setup({ protectedPaths: ['/warehouse/secure'] });
      const loc = `${base}/secure/t/v1.metadata.json`;
      const err = await io.write(loc, bytes('x')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WebHdfsAccessError);
      expect((err as Error).message).toContain('user icetide');
      expect((err as Error).message).toContain('AccessControlException: Permission denied: user=icetide, access=WRITE, inode="/warehouse/secure"');
      expect((err as Error).message).toContain(loc);
      await expect(io.writeIfAbsent(loc, bytes('x'))).rejects.toBeInstanceOf(WebHdfsAccessError);
      await expect(io.create(`${base}/secure/s`).then(async (o) => { await o.write(bytes('z')); await o.close(); })).rejects.toBeInstanceOf(WebHdfsAccessError);
      expect(filesOnDisk(root)).toEqual([]);
    });

    it('a namenode that cannot be reached is a retriable error naming host:port', async () => {
      const port = await freePort();
      const io = new WebHdfsFileIO({ user: 'icetide', retry: { attempts: 2, baseDelayMs: 1 } });
      const err = await io.read(`webhdfs://127.0.0.1:${port}/x`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WebHdfsUnavailableError);
      expect((err as WebHdfsUnavailableError).retriable).toBe(true);
      expect(err).toBeInstanceOf(StorageError); // caught like S3's storage errors
      expect(IcetideError.wrap(err, 'loading table t').retriable).toBe(true);
      expect((err as Error).message).toContain(`cannot reach the WebHDFS server at 127.0.0.1:${port} (ECONNREFUSED)`);
      const hdfs = new WebHdfsFileIO({ user: 'icetide', namenodeHttp: `http://127.0.0.1:${port}`, retry: { attempts: 1 } });
      await expect(hdfs.exists('hdfs://nameservice1/x')).rejects.toThrow(`127.0.0.1:${port}`);
    });
  });

  describe('retries', () => {
    it('retries idempotent calls on 5xx and connection resets', async () => {
      const { io, base, server } = await setup();
      await io.write(`${base}/r`, bytes('r'));
      server.injectFault('GETFILESTATUS', 2, 503);
      expect(await io.length(`${base}/r`)).toBe(1);
      server.injectFault('OPEN', 1, 'reset');
      expect(text(await io.read(`${base}/r`))).toBe('r');
      server.injectFault('LISTSTATUS_BATCH', 1, 'reset');
      expect(await collect(io, base)).toEqual([`${base}/r`]);
    });

    it('gives up after the configured attempts with the server error', async () => {
      const { io, base, server } = await setup();
      server.injectFault('GETFILESTATUS', 5, 503);
      await expect(io.exists(`${base}/r`)).rejects.toBeInstanceOf(WebHdfsUnavailableError);
      expect(server.requests.filter((r) => r.op === 'GETFILESTATUS')).toHaveLength(3);
    });

    it('does not repeat a RENAME after a 5xx (it may have been applied), but does after a standby refusal', async () => {
      const { io, base, server, root } = await setup();
      server.injectFault('RENAME', 1, 503);
      await expect(io.write(`${base}/w`, bytes('w'))).rejects.toBeInstanceOf(WebHdfsUnavailableError);
      expect(server.requests.filter((r) => r.op === 'RENAME')).toHaveLength(1);
      expect(filesOnDisk(root)).toEqual([]); // the temp file was removed
      server.injectFault('RENAME', 1, 'standby');
      await io.write(`${base}/w`, bytes('w'));
      expect(text(await io.read(`${base}/w`))).toBe('w');
    });
  });

  describe('locations', () => {
    it('maps hdfs://, webhdfs:// and swebhdfs:// onto the namenode HTTP endpoint', () => {
      expect(parseWebHdfsLocation('hdfs://nn:8020/wh/t')).toEqual({ endpoint: 'http://nn:9870', path: '/wh/t', origin: 'hdfs://nn:8020' });
      expect(parseWebHdfsLocation('hdfs://ns1/wh/t/', 'https://nn1.example:9871/').endpoint).toBe('https://nn1.example:9871');
      expect(parseWebHdfsLocation('webhdfs://nn/wh').endpoint).toBe('http://nn:9870');
      expect(parseWebHdfsLocation('webhdfs://nn:50070//wh//t').path).toBe('/wh/t');
      expect(parseWebHdfsLocation('swebhdfs://nn/wh').endpoint).toBe('https://nn:9871');
      expect(parseWebHdfsLocation('webhdfs://nn:9870').path).toBe('/');
      expect(() => parseWebHdfsLocation('s3://b/k')).toThrow(/not an hdfs/);
      expect(() => parseWebHdfsLocation('hdfs:///x')).toThrow(/names no namenode host/);
    });

    it('reads and lists hdfs://host:rpcport locations through namenodeHttp, spelling listed files the same way', async () => {
      const { server } = await setup();
      const io = new WebHdfsFileIO({ user: 'icetide', namenodeHttp: server.url, ...fast });
      await io.write('hdfs://nn.example:8020/wh/a', bytes('a'));
      expect(text(await io.read('hdfs://nn.example:8020/wh/a'))).toBe('a');
      expect(await collect(io, 'hdfs://nn.example:8020/wh')).toEqual(['hdfs://nn.example:8020/wh/a']);
    });
  });
});
