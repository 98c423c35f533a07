/**
 * A test WebHDFS server on loopback, over a private directory: a "namenode" port that answers
 * metadata operations and redirects CREATE/OPEN to a separate "datanode" port that receives
 * and serves the bytes. It follows the Hadoop WebHDFS REST API documentation
 * (hadoop-hdfs/src/site/markdown/WebHDFS.md, https://hadoop.apache.org/docs/stable/hadoop-project-dist/hadoop-hdfs/WebHDFS.html):
 * the two-step create ("Create and Write to a File"), `noredirect`, "Iteratively List a
 * Directory" (LISTSTATUS_BATCH, `startAfter`, `remainingEntries`, batch size = dfs.ls.limit),
 * "RemoteException JSON Schema" and the codes of "Error Responses", `user.name` and
 * `delegation` of "Authentication". RENAME's `renameoptions` follows
 * NamenodeWebHdfsMethods (no option: the old rename's boolean; options: rename2, which
 * throws FileAlreadyExistsException / FileNotFoundException).
 *
 * Like HDFS, a file being written is visible at its name from the start of the upload.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

export interface WebHdfsServerOptions {
  /** The directory that holds the file system (the server never writes outside it). */
  readonly root: string;
  /** dfs.ls.limit: entries per LISTSTATUS_BATCH answer (small, so paging is exercised). */
  readonly batchSize?: number;
  /** Delegation tokens the server accepts, and the user each stands for. */
  readonly tokens?: Record<string, string>;
  /** Paths under which only the superuser `hdfs` may write (AccessControlException). */
  readonly protectedPaths?: readonly string[];
  /** false: an old namenode that ignores `noredirect` and always answers 307. */
  readonly honourNoRedirect?: boolean;
  /** false: a namenode before Hadoop 2.8, which does not know LISTSTATUS_BATCH. */
  readonly batchListing?: boolean;
  /** false: a gateway that ignores `renameoptions` (HttpFS) and always does the old rename. */
  readonly renameOptions?: boolean;
}

export interface RecordedRequest {
  readonly node: 'namenode' | 'datanode';
  readonly method: string;
  readonly op: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly bodyBytes: number;
}

export type Fault = 503 | 'reset' | 'standby';

export interface WebHdfsServer {
  /** The namenode's HTTP address, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly datanodePort: number;
  readonly requests: RecordedRequest[];
  /** The next `times` namenode requests for `op` fail this way. */
  injectFault(op: string, times: number, fault: Fault): void;
  close(): Promise<void>;
}

class RemoteError extends Error {
  constructor(
    readonly status: number,
    readonly exception: string,
    readonly javaClassName: string,
    message: string,
  ) {
    super(message);
  }
}

const notFound = (p: string) => new RemoteError(404, 'FileNotFoundException', 'java.io.FileNotFoundException', `File does not exist: ${p}`);
const ioError = (name: string, message: string) => new RemoteError(403, name, `java.io.${name}`, message);
const SUPERUSER = 'hdfs';

export async function startWebHdfsServer(o: WebHdfsServerOptions): Promise<WebHdfsServer> {
  const root = path.resolve(o.root);
  const batchSize = o.batchSize ?? 3;
  const requests: RecordedRequest[] = [];
  const faults: Array<{ op: string; times: number; fault: Fault }> = [];
  let datanodePort = 0;
  let namenodePort = 0;

  const local = (p: string): string => {
    const full = path.resolve(root, `.${p}`);
    if (full !== root && !full.startsWith(`${root}${path.sep}`)) throw new RemoteError(400, 'IllegalArgumentException', 'java.lang.IllegalArgumentException', `Invalid path: ${p}`);
    return full;
  };

  /** `user.name` or a known delegation token (doc "Authentication"). */
  const userOf = (q: URLSearchParams): string => {
    const token = q.get('delegation');
    if (token !== null) {
      const u = o.tokens?.[token];
      if (!u) throw new RemoteError(403, 'SecurityException', 'java.lang.SecurityException', 'Failed to obtain user group information: org.apache.hadoop.security.token.SecretManager$InvalidToken: token is expired or does not exist');
      return u;
    }
    const u = q.get('user.name');
    if (!u) throw new RemoteError(401, 'SecurityException', 'java.lang.SecurityException', 'Failed to obtain user group information: user.name is not set and there is no default web user');
    return u;
  };

  const checkWrite = (user: string, p: string) => {
    if (user === SUPERUSER) return;
    const hit = (o.protectedPaths ?? []).find((pp) => p === pp || p.startsWith(`${pp}/`));
    if (hit) throw new RemoteError(403, 'AccessControlException', 'org.apache.hadoop.security.AccessControlException', `Permission denied: user=${user}, access=WRITE, inode="${hit}":${SUPERUSER}:supergroup:drwxr-xr-x`);
  };

  const statusOf = (full: string, suffix: string) => {
    const st = fs.statSync(full);
    const dir = st.isDirectory();
    return {
      accessTime: dir ? 0 : Math.floor(st.atimeMs),
      blockSize: dir ? 0 : 134217728,
      childrenNum: dir ? fs.readdirSync(full).length : 0,
      fileId: st.ino,
      group: 'supergroup',
      length: dir ? 0 : st.size,
      modificationTime: Math.floor(st.mtimeMs),
      owner: SUPERUSER,
      pathSuffix: suffix,
      permission: dir ? '755' : '644',
      replication: dir ? 0 : 3,
      storagePolicy: 0,
      type: dir ? 'DIRECTORY' : 'FILE',
    };
  };

  /** Children sorted by name, as the namenode lists them; a file lists itself (doc "List a File"). */
  const children = (p: string) => {
    const full = local(p);
    if (!fs.existsSync(full)) throw notFound(p);
    if (!fs.statSync(full).isDirectory()) return [statusOf(full, '')];
    return fs.readdirSync(full).sort().map((n) => statusOf(path.join(full, n), n));
  };

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const sendError = (res: http.ServerResponse, err: unknown) => {
    const e = err instanceof RemoteError ? err : new RemoteError(500, 'RuntimeException', 'java.lang.RuntimeException', String(err));
    if (!res.headersSent) json(res, e.status, { RemoteException: { exception: e.exception, javaClassName: e.javaClassName, message: e.message } });
    else res.destroy();
  };

  const parse = (req: http.IncomingMessage) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (!u.pathname.startsWith('/webhdfs/v1')) throw new RemoteError(404, 'FileNotFoundException', 'java.io.FileNotFoundException', `not a WebHDFS URL: ${u.pathname}`);
    const raw = u.pathname.slice('/webhdfs/v1'.length) || '/';
    const p = raw.split('/').map((s) => decodeURIComponent(s)).join('/').replace(/\/+$/, '') || '/';
    return { p, q: u.searchParams, op: (u.searchParams.get('op') ?? '').toUpperCase() };
  };

  /** Step 1 of CREATE/OPEN: 307 to the datanode, or `{"Location"}` with noredirect=true. */
  const redirect = (res: http.ServerResponse, rawUrl: string, q: URLSearchParams) => {
    const target = new URL(rawUrl, `http://127.0.0.1:${datanodePort}`);
    target.host = `127.0.0.1:${datanodePort}`;
    target.searchParams.delete('noredirect');
    target.searchParams.set('namenoderpcaddress', `127.0.0.1:${namenodePort}`);
    if (q.get('noredirect') === 'true' && o.honourNoRedirect !== false) return json(res, 200, { Location: target.href });
    res.writeHead(307, { location: target.href, 'content-length': 0 });
    res.end();
  };

  const drain = async (req: http.IncomingMessage): Promise<number> => {
    let n = 0;
    for await (const c of req) n += (c as Buffer).length;
    return n;
  };

  const rename = (user: string, p: string, q: URLSearchParams, res: http.ServerResponse) => {
    const dest = q.get('destination');
    if (!dest) throw new RemoteError(400, 'IllegalArgumentException', 'java.lang.IllegalArgumentException', 'Required param destination for op: RENAME is null or empty');
    checkWrite(user, p);
    checkWrite(user, dest);
    const src = local(p);
    let dst = local(dest);
    const opts = (q.get('renameoptions') ?? '').split(',').filter(Boolean);
    if (opts.length === 0 || o.renameOptions === false) {
      // the old FileSystem.rename: false, never an exception, for the usual refusals
      if (!fs.existsSync(src) || !fs.existsSync(path.dirname(dst))) return json(res, 200, { boolean: false });
      if (fs.existsSync(dst)) {
        if (!fs.statSync(dst).isDirectory()) return json(res, 200, { boolean: false });
        dst = path.join(dst, path.basename(src));
      }
      fs.renameSync(src, dst);
      return json(res, 200, { boolean: true });
    }
    if (!fs.existsSync(src)) throw notFound(p);
    if (!fs.existsSync(path.dirname(dst))) throw new RemoteError(404, 'FileNotFoundException', 'java.io.FileNotFoundException', `rename destination parent ${path.posix.dirname(dest)} not found.`);
    if (opts.includes('OVERWRITE')) {
      if (fs.existsSync(dst) && fs.statSync(dst).isDirectory()) throw ioError('IOException', `rename destination ${dest} is a directory`);
      fs.renameSync(src, dst);
    } else {
      try {
        fs.linkSync(src, dst); // fails atomically when dst exists
      } catch (err) {
        if ((err as { code?: string }).code === 'EEXIST') throw new RemoteError(403, 'FileAlreadyExistsException', 'org.apache.hadoop.fs.FileAlreadyExistsException', `rename destination ${dest} already exists.`);
        throw err;
      }
      fs.unlinkSync(src);
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 0 });
    res.end();
  };

  const namenode = http.createServer((req, res) => {
    void (async () => {
      try {
        const { p, q, op } = parse(req);
        const bodyBytes = await drain(req);
        requests.push({ node: 'namenode', method: req.method ?? '', op, path: p, query: q, bodyBytes });
        const fault = faults.find((f) => f.op === op && f.times > 0);
        if (fault) {
          fault.times--;
          if (fault.fault === 'reset') return req.socket.destroy();
          if (fault.fault === 'standby') throw new RemoteError(403, 'StandbyException', 'org.apache.hadoop.ipc.StandbyException', 'Operation category READ is not supported in state standby');
          throw new RemoteError(503, 'RetriableException', 'org.apache.hadoop.ipc.RetriableException', 'namenode is busy');
        }
        const user = userOf(q);
        const full = local(p);
        switch (`${req.method} ${op}`) {
          case 'PUT CREATE':
          case 'GET OPEN':
            if (op === 'OPEN' && (!fs.existsSync(full) || fs.statSync(full).isDirectory())) throw notFound(p);
            return redirect(res, req.url ?? '/', q);
          case 'GET GETFILESTATUS':
            if (!fs.existsSync(full)) throw notFound(p);
            return json(res, 200, { FileStatus: statusOf(full, '') });
          case 'GET LISTSTATUS':
            return json(res, 200, { FileStatuses: { FileStatus: children(p) } });
          case 'GET LISTSTATUS_BATCH': {
            if (o.batchListing === false) throw new RemoteError(400, 'IllegalArgumentException', 'java.lang.IllegalArgumentException', 'Invalid value for webhdfs parameter "op": No enum constant org.apache.hadoop.hdfs.web.resources.GetOpParam.Op.LISTSTATUS_BATCH');
            const after = q.get('startAfter');
            const rest = children(p).filter((s) => after === null || s.pathSuffix > after);
            const page = rest.slice(0, batchSize);
            return json(res, 200, { DirectoryListing: { partialListing: { FileStatuses: { FileStatus: page } }, remainingEntries: rest.length - page.length } });
          }
          case 'PUT MKDIRS':
            checkWrite(user, p);
            fs.mkdirSync(full, { recursive: true });
            return json(res, 200, { boolean: true });
          case 'PUT RENAME':
            return rename(user, p, q, res);
          case 'DELETE DELETE': {
            checkWrite(user, p);
            if (!fs.existsSync(full)) return json(res, 200, { boolean: false });
            if (fs.statSync(full).isDirectory() && fs.readdirSync(full).length > 0 && q.get('recursive') !== 'true') {
              throw ioError('PathIsNotEmptyDirectoryException', `\`${p} is non empty': Directory is not empty`);
            }
            fs.rmSync(full, { recursive: true, force: true });
            return json(res, 200, { boolean: true });
          }
          default:
            throw new RemoteError(400, 'IllegalArgumentException', 'java.lang.IllegalArgumentException', `Invalid value for webhdfs parameter "op": ${req.method} ${op}`);
        }
      } catch (err) {
        sendError(res, err);
      }
    })();
  });

  const datanode = http.createServer((req, res) => {
    void (async () => {
      try {
        const { p, q, op } = parse(req);
        const user = userOf(q);
        const full = local(p);
        if (req.method === 'PUT' && op === 'CREATE') {
          checkWrite(user, p);
          fs.mkdirSync(path.dirname(full), { recursive: true });
          let fd: number;
          try {
            // doc "Overwrite": the default is false
            fd = fs.openSync(full, q.get('overwrite') === 'true' ? 'w' : 'wx');
          } catch (err) {
            if ((err as { code?: string }).code === 'EEXIST') throw new RemoteError(403, 'FileAlreadyExistsException', 'org.apache.hadoop.fs.FileAlreadyExistsException', `${p} for client 127.0.0.1 already exists`);
            throw err;
          }
          let bodyBytes = 0;
          req.on('data', (c: Buffer) => (bodyBytes += c.length));
          try {
            await pipeline(req, fs.createWriteStream('', { fd }));
          } finally {
            requests.push({ node: 'datanode', method: 'PUT', op, path: p, query: q, bodyBytes });
          }
          res.writeHead(201, { location: `webhdfs://127.0.0.1:${namenodePort}${p}`, 'content-length': 0 });
          return res.end();
        }
        if (req.method === 'GET' && op === 'OPEN') {
          requests.push({ node: 'datanode', method: 'GET', op, path: p, query: q, bodyBytes: 0 });
          if (!fs.existsSync(full)) throw notFound(p);
          const size = fs.statSync(full).size;
          const offset = Number(q.get('offset') ?? 0);
          if (offset > size) throw ioError('EOFException', 'Cannot seek after EOF');
          const want = q.get('length') === null ? size - offset : Math.min(Number(q.get('length')), size - offset);
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': want });
          if (want === 0) return res.end();
          return await pipeline(fs.createReadStream(full, { start: offset, end: offset + want - 1 }), res);
        }
        throw new RemoteError(400, 'IllegalArgumentException', 'java.lang.IllegalArgumentException', `datanode does not serve ${req.method} ${op}`);
      } catch (err) {
        sendError(res, err);
      }
    })();
  });

  const listen = (s: http.Server) => new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
  namenodePort = await listen(namenode);
  datanodePort = await listen(datanode);
  const closeServer = (s: http.Server) => new Promise<void>((resolve) => {
    s.closeAllConnections();
    s.close(() => resolve());
  });
  return {
    url: `http://127.0.0.1:${namenodePort}`,
    host: '127.0.0.1',
    port: namenodePort,
    datanodePort,
    requests,
    injectFault(op, times, fault) {
      faults.push({ op, times, fault });
    },
    close: async () => {
      await Promise.all([closeServer(namenode), closeServer(datanode)]);
    },
  };
}
