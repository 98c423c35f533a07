import { afterAll, beforeAll } from 'vitest';
import { LocalFileIO } from '../../src/io/local-file-io.js';
import { S3FileIO } from '../../src/io/s3-file-io.js';
import { toFileUri } from '../../src/io/location.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';
import { useTempDir } from '../support/temp-dir.js';
import { fileIOContract, type FileIOUnderTest } from './file-io-contract.js';

fileIOContract('LocalFileIO (paths)', () => {
  const tempDir = useTempDir();
  const io = new LocalFileIO();
  return (): FileIOUnderTest => ({ io, root: tempDir, atomicWriteIfAbsent: true });
});

fileIOContract('LocalFileIO (file: URIs)', () => {
  const tempDir = useTempDir();
  const io = new LocalFileIO();
  return (): FileIOUnderTest => ({ io, root: () => toFileUri(tempDir()), atomicWriteIfAbsent: true });
});

/** S3FileIO against s3rver; `conditional`: with the conditional-PUT shim (as AWS S3 and MinIO behave). */
function s3Contract(name: string, scheme: 's3' | 's3a', conditional: boolean): void {
  fileIOContract(name, () => {
    let server: S3TestServer;
    let io: S3FileIO;
    let n = 0;
    beforeAll(async () => {
      server = await startS3Server({ conditionalWrites: conditional });
      io = new S3FileIO(server.storage());
    });
    afterAll(async () => {
      io.destroy();
      await server.stop();
    });
    return (): FileIOUnderTest => ({ io, root: () => `${scheme}://${server.bucket}/t${++n}`, atomicWriteIfAbsent: conditional });
  });
}

s3Contract('S3FileIO on s3rver (s3://)', 's3', false);
s3Contract('S3FileIO on s3rver with conditional PUT (s3a://)', 's3a', true);
