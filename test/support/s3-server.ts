import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { S3StorageConfig } from '../../src/io/storage-config.js';

/** s3rver's built-in account. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface S3TestServer {
  readonly endpoint: string;
  readonly bucket: string;
  readonly directory: string;
  /** A storage config for S3FileIO against this server. */
  storage(extra?: Partial<S3StorageConfig>): S3StorageConfig;
  stop(): Promise<void>;
}

const MAIN = path.resolve('test/support/s3-server-main.ts');

/**
 * A real S3-protocol server (s3rver, in its own process) on loopback, storing in a private
 * temp directory; stop() ends the process and removes the directory. `conditionalWrites`
 * adds the conditional-PUT shim (s3-server-main.ts), so the store behaves as AWS S3 and
 * MinIO do for `If-None-Match: *`.
 */
export async function startS3Server(o: { bucket?: string; conditionalWrites?: boolean } = {}): Promise<S3TestServer> {
  // the SDK's credential chain must never reach for instance metadata (off-machine) in tests
  process.env['AWS_EC2_METADATA_DISABLED'] = 'true';
  const bucket = o.bucket ?? 'icetide';
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'icetide-s3-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '--import', 'tsx', MAIN, directory, bucket, o.conditionalWrites ? 'conditional' : 'plain'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (l) => resolve((JSON.parse(l) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`the S3 test server exited (${code}) before it listened`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    directory,
    storage: (extra = {}) => ({ endpoint, region: 'us-east-1', pathStyle: true, ...S3RVER_CREDENTIALS, ...extra }),
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
