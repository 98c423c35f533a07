import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { FileIOUnderTest } from '../io/file-io-contract.js';
import { WebHdfsFileIO, type WebHdfsFileIOOptions } from '../../src/io/webhdfs-file-io.js';
import { startWebHdfsServer, type WebHdfsServer, type WebHdfsServerOptions } from './webhdfs-server.js';

export interface WebHdfsFileIOFixture {
  readonly io: WebHdfsFileIO;
  /** A `webhdfs://` location under which the FileIO may write anything. */
  readonly base: string;
  readonly server: WebHdfsServer;
  close(): Promise<void>;
}

/**
 * A WebHdfsFileIO on a fresh test WebHDFS server over `root`: the factory to point the shared
 * FileIO contract suite at (`io` and a `base` location), and what the WebHDFS tests use.
 */
export async function webHdfsFileIOFixture(
  root: string,
  server: Partial<WebHdfsServerOptions> = {},
  io: WebHdfsFileIOOptions = { user: 'icetide', retry: { attempts: 3, baseDelayMs: 5 } },
): Promise<WebHdfsFileIOFixture> {
  const s = await startWebHdfsServer({ root, ...server });
  return { io: new WebHdfsFileIO(io), base: `webhdfs://${s.host}:${s.port}/warehouse`, server: s, close: () => s.close() };
}

/**
 * The shared FileIO contract suite's subject (test/io/file-io-contract.ts) on WebHDFS. Called
 * inside the suite's describe: one server for the suite (beforeAll), a fresh directory under
 * it per test.
 */
export function webHdfsContractSubject(): () => FileIOUnderTest {
  let fixture: WebHdfsFileIOFixture | undefined;
  let dir = '';
  let n = 0;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'icetide-webhdfs-contract-'));
    fixture = await webHdfsFileIOFixture(dir);
  });
  afterAll(async () => {
    await fixture?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const f = fixture!;
    // rename2 without OVERWRITE is atomic on the namenode
    return { io: f.io, root: () => `${f.base}/t${++n}`, atomicWriteIfAbsent: true };
  };
}
