import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, NotFoundError, StorageError } from '../../src/errors.js';
import { fileIOFor } from '../../src/io/file-io-registry.js';
import { LocalFileIO } from '../../src/io/local-file-io.js';
import { WebHdfsFileIO } from '../../src/io/webhdfs-file-io.js';
import { S3FileIO } from '../../src/io/s3-file-io.js';
import { freePort } from '../support/free-port.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';

const SECRET = 'wJalrXUtnFEMI-not-a-real-secret-K7MDENG';
const TOKEN = 'FwoGZXIvYXdzEJr-session-token-never-printed';

async function errorOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/** No secret in the message, the context, or anything reachable through `cause`. */
function expectRedacted(err: Error): void {
  const seen = JSON.stringify({ message: err.message, context: (err as StorageError).context, cause: String((err as { cause?: unknown }).cause), stack: err.stack });
  expect(seen).not.toContain(SECRET);
  expect(seen).not.toContain(TOKEN);
}

describe('S3FileIO: bad storage settings fail with an error naming them', () => {
  let server: S3TestServer;
  beforeAll(async () => {
    server = await startS3Server();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('wrong credentials: StorageError naming the location, the endpoint and the credential keys; secrets redacted', async () => {
    const io = new S3FileIO(server.storage({ accessKeyId: 'AKIAWRONGKEY', secretAccessKey: SECRET, sessionToken: TOKEN }));
    try {
      const ops = [() => io.read(`s3://${server.bucket}/a`), () => io.write(`s3://${server.bucket}/a`, new Uint8Array([1])), () => io.exists(`s3://${server.bucket}/a`)];
      for (const op of ops) {
        const err = await errorOf(op());
        expect(err).toBeInstanceOf(StorageError);
        expect(err.message).toContain(`s3://${server.bucket}/a`);
        expect(err.message).toContain(server.endpoint);
        // GET and PUT carry the error code; HEAD has no body, so only its status
        expect(err.message).toMatch(/access denied by \S+ \((InvalidAccessKeyId|HTTP 403)\b.*check the credentials \(target\.storage\.s3\.access-key-id/);
        expect((err as StorageError).retriable).toBe(false);
        expectRedacted(err);
      }
    } finally {
      io.destroy();
    }
  });

  it('a secret echoed by the server is redacted from the message', async () => {
    // s3rver's InvalidAccessKeyId message does not echo the key: use it as the secret too
    const io = new S3FileIO(server.storage({ accessKeyId: SECRET, secretAccessKey: SECRET }));
    try {
      const err = await errorOf(io.list(`s3://${server.bucket}/x`)[Symbol.asyncIterator]().next());
      expect(err).toBeInstanceOf(StorageError);
      expectRedacted(err);
    } finally {
      io.destroy();
    }
  });

  it('missing bucket: StorageError naming the bucket, for GET, HEAD (which has no error body), list and PUT', async () => {
    const io = new S3FileIO(server.storage());
    try {
      const ops = [() => io.read('s3://no-such-bucket/k'), () => io.exists('s3://no-such-bucket/k'), () => io.length('s3://no-such-bucket/k'), () => io.write('s3://no-such-bucket/k', new Uint8Array(1)), () => io.list('s3://no-such-bucket/t')[Symbol.asyncIterator]().next()];
      for (const op of ops) {
        const err = await errorOf(op());
        expect(err).toBeInstanceOf(StorageError);
        expect(err.message).toContain('bucket no-such-bucket does not exist at');
        expect(err.message).toContain('create it, or fix the warehouse location');
      }
      // in an existing bucket a missing key is NotFoundError, not a storage problem
      await expect(io.length(`s3://${server.bucket}/missing`)).rejects.toBeInstanceOf(NotFoundError);
    } finally {
      io.destroy();
    }
  });

  it('unreachable endpoint: a retriable StorageError naming the endpoint and the config key', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const io = new S3FileIO({ endpoint, pathStyle: true, region: 'us-east-1', accessKeyId: 'k', secretAccessKey: SECRET, maxAttempts: 2 });
    try {
      const err = await errorOf(io.read('s3://b/k'));
      expect(err).toBeInstanceOf(StorageError);
      expect(err.message).toContain(`cannot reach the S3 endpoint ${endpoint} (ECONNREFUSED): check target.storage.s3.endpoint`);
      expect((err as StorageError).retriable).toBe(true);
      expectRedacted(err);
    } finally {
      io.destroy();
    }
  });

  it('half-configured credentials are a ConfigError', () => {
    expect(() => new S3FileIO({ accessKeyId: 'only-the-id' })).toThrow(ConfigError);
    expect(() => new S3FileIO({ partSize: 1024 })).toThrow(/at least 5242880 bytes/);
  });
});

describe('fileIOFor', () => {
  it('chooses by scheme and names the schemes it has', () => {
    expect(fileIOFor('/tmp/wh')).toBeInstanceOf(LocalFileIO);
    expect(fileIOFor('file:///tmp/wh')).toBeInstanceOf(LocalFileIO);
    const s3 = fileIOFor('s3a://bucket/wh', { s3: { region: 'eu-west-1', accessKeyId: 'a', secretAccessKey: 'b' } });
    expect(s3).toBeInstanceOf(S3FileIO);
    (s3 as S3FileIO).destroy();
    expect(fileIOFor('hdfs://nn:8020/wh', { hdfs: { namenodeHttp: 'http://nn:9870' } })).toBeInstanceOf(WebHdfsFileIO);
    expect(fileIOFor('webhdfs://nn:9870/wh')).toBeInstanceOf(WebHdfsFileIO);
    expect(() => fileIOFor('gs://bucket/wh')).toThrow(/no storage for the gs:\/\/ scheme \(supported: local paths, file:, s3:\/\/, s3a:\/\/, hdfs:\/\/, webhdfs:\/\/, swebhdfs:\/\/\)/);
  });
});
