/**
 * What the S3 test server (s3rver 3.7) does differently from AWS S3, measured with raw SDK
 * calls. Each test asserts today's behaviour, so a new s3rver that changes it fails here and
 * README "Object storage: test server gaps" is updated with it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AbortMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3FileIO } from '../../src/io/s3-file-io.js';
import { S3RVER_CREDENTIALS, startS3Server, type S3TestServer } from '../support/s3-server.js';

const body = (s: string) => new TextEncoder().encode(s);

async function getText(client: S3Client, Bucket: string, Key: string, Range?: string): Promise<string> {
  const r = await client.send(new GetObjectCommand({ Bucket, Key, ...(Range ? { Range } : {}) }));
  return r.Body!.transformToString();
}

async function statusOf(p: Promise<unknown>): Promise<number | string> {
  try {
    await p;
    return 200;
  } catch (err) {
    return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? String(err);
  }
}

describe('s3rver gaps (the test server, not S3FileIO)', () => {
  let server: S3TestServer;
  let io: S3FileIO;
  let client: S3Client;
  let Bucket: string;
  beforeAll(async () => {
    server = await startS3Server();
    io = new S3FileIO(server.storage({ maxAttempts: 1 }));
    client = io.client;
    Bucket = server.bucket;
    await client.send(new PutObjectCommand({ Bucket, Key: 'digits', Body: body('0123456789') }));
  });
  afterAll(async () => {
    io.destroy();
    await server.stop();
  });

  it('ranged GET bytes=a-b: as S3', async () => {
    expect(await getText(client, Bucket, 'digits', 'bytes=2-5')).toBe('2345');
    expect(await getText(client, Bucket, 'digits', 'bytes=7-')).toBe('789');
  });

  it('suffix range bytes=-N: GAP, s3rver reads it as 0-N (S3 returns the last N bytes); S3FileIO never sends one', async () => {
    expect(await getText(client, Bucket, 'digits', 'bytes=-3')).toBe('0123');
  });

  it('ListObjectsV2 MaxKeys and continuation tokens: as S3 (with --openssl-legacy-provider)', async () => {
    for (const k of ['l/a', 'l/b', 'l/c', 'l/d', 'l/e']) await client.send(new PutObjectCommand({ Bucket, Key: k, Body: body(k) }));
    const keys: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const r = await client.send(new ListObjectsV2Command({ Bucket, Prefix: 'l/', MaxKeys: 2, ...(token ? { ContinuationToken: token } : {}) }));
      keys.push(...(r.Contents ?? []).map((o) => o.Key!));
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
      pages++;
    } while (token);
    expect(keys).toEqual(['l/a', 'l/b', 'l/c', 'l/d', 'l/e']);
    expect(pages).toBe(3);
  });

  it('multipart abort: GAP, AbortMultipartUpload is refused (405); the aborted object never becomes visible', async () => {
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key: 'mp' }));
    await client.send(new UploadPartCommand({ Bucket, Key: 'mp', UploadId, PartNumber: 1, Body: new Uint8Array(5 * 1024 * 1024) }));
    expect(await statusOf(client.send(new AbortMultipartUploadCommand({ Bucket, Key: 'mp', UploadId })))).toBe(405);
    expect(await io.exists(`s3://${Bucket}/mp`)).toBe(false);
  });

  it('DeleteObjects: as S3 (missing keys are not errors)', async () => {
    await client.send(new PutObjectCommand({ Bucket, Key: 'd/1', Body: body('1') }));
    const r = await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: 'd/1' }, { Key: 'd/never' }], Quiet: true } }));
    expect(r.Errors ?? []).toEqual([]);
    expect(await io.exists(`s3://${Bucket}/d/1`)).toBe(false);
  });

  it('conditional PUT (If-None-Match: *): GAP, ignored: the second PUT overwrites', async () => {
    await client.send(new PutObjectCommand({ Bucket, Key: 'c', Body: body('first'), IfNoneMatch: '*' }));
    expect(await statusOf(client.send(new PutObjectCommand({ Bucket, Key: 'c', Body: body('second'), IfNoneMatch: '*' })))).toBe(200);
    expect(await getText(client, Bucket, 'c')).toBe('second');
    expect(await io.probeConditionalWrites(`s3://${Bucket}/probe`)).toBe(false);
  });

  it('with the test conditional-PUT shim, the probe sees what AWS S3 and MinIO do', async () => {
    const shimmed = await startS3Server({ conditionalWrites: true });
    const sio = new S3FileIO(shimmed.storage());
    try {
      expect(await sio.probeConditionalWrites(`s3://${shimmed.bucket}/probe`)).toBe(true);
    } finally {
      sio.destroy();
      await shimmed.stop();
    }
  });
});

describe('s3rver in a process without --openssl-legacy-provider', () => {
  it('GAP: a listing longer than one page fails with 500 (continuation tokens are DES-encrypted, which OpenSSL 3 refuses)', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'icetide-s3-'));
    const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: 'b', configs: [] }] });
    const { port } = await server.run();
    const client = new S3Client({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', forcePathStyle: true, credentials: S3RVER_CREDENTIALS, maxAttempts: 1 });
    try {
      for (const k of ['a', 'b', 'c']) await client.send(new PutObjectCommand({ Bucket: 'b', Key: k, Body: body(k) }));
      expect(await statusOf(client.send(new ListObjectsV2Command({ Bucket: 'b', MaxKeys: 2 })))).toBe(500);
      expect(await statusOf(client.send(new ListObjectsV2Command({ Bucket: 'b', MaxKeys: 3 })))).toBe(200);
    } finally {
      client.destroy();
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});
