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
