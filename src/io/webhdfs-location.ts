import { ValidationError } from '../errors.js';

/** Where a `hdfs://`, `webhdfs://` or `swebhdfs://` location lives on the WebHDFS REST API. */
export interface WebHdfsLocation {
  /** The namenode's HTTP(S) base, e.g. `http://nn:9870` (no trailing slash). */
  readonly endpoint: string;
  /** The absolute HDFS path, e.g. `/warehouse/db/t/data/x.parquet` (`/` for the root). */
  readonly path: string;
  /** The location's `scheme://authority`, so listed paths are spelled back the same way. */
  readonly origin: string;
}

export const WEBHDFS_SCHEMES = ['hdfs', 'webhdfs', 'swebhdfs'] as const;

/** Hadoop 3 defaults: `dfs.namenode.http-address` 9870, `dfs.namenode.https-address` 9871. */
const DEFAULT_HTTP_PORT = 9870;
const DEFAULT_HTTPS_PORT = 9871;

/**
 * Maps a location onto the namenode's WebHDFS endpoint. WebHDFS doc "FileSystem URIs vs HTTP
 * URLs": `webhdfs://<HOST>:<HTTP_PORT>/<PATH>` is `http://<HOST>:<HTTP_PORT>/webhdfs/v1/<PATH>`,
 * `swebhdfs://` the same over https. An `hdfs://host:rpcport` location names the RPC port,
 * which HTTP cannot reach: `namenodeHttp` says where the namenode's HTTP server is (needed for
 * an HA nameservice), defaulting to the same host on port 9870.
 */
export function parseWebHdfsLocation(location: string, namenodeHttp?: string): WebHdfsLocation {
  const m = /^([a-z]+):\/\/([^/?#]*)(\/[^?#]*)?$/i.exec(location);
  const scheme = m?.[1]?.toLowerCase();
  if (!m || !scheme || !(WEBHDFS_SCHEMES as readonly string[]).includes(scheme)) {
    throw new ValidationError(`${location} is not an hdfs://, webhdfs:// or swebhdfs:// location`, { location });
  }
  const authority = m[2]!;
  if (!authority) throw new ValidationError(`${location} names no namenode host (expected ${scheme}://host[:port]/path)`, { location });
  const path = normalizePath(m[3] ?? '/');
  const origin = `${scheme}://${authority}`;
  if (scheme === 'hdfs') {
    if (namenodeHttp) return { endpoint: namenodeHttp.replace(/\/+$/, ''), path, origin };
    return { endpoint: `http://${hostOf(authority)}:${DEFAULT_HTTP_PORT}`, path, origin };
  }
  const hasPort = /:\d+$/.test(authority);
  const secure = scheme === 'swebhdfs';
  const port = hasPort ? '' : `:${secure ? DEFAULT_HTTPS_PORT : DEFAULT_HTTP_PORT}`;
  return { endpoint: `${secure ? 'https' : 'http'}://${authority}${port}`, path, origin };
}

export function isWebHdfsLocation(location: string): boolean {
  return /^(hdfs|webhdfs|swebhdfs):\/\//i.test(location);
}

/** The REST URL of a path: `/webhdfs/v1` then the path, each segment percent-encoded. */
export function restUrl(endpoint: string, path: string): string {
  const encoded = path.split('/').map((s) => encodeURIComponent(s)).join('/');
  return `${endpoint}/webhdfs/v1${encoded}`;
}

/** `host:port` of an endpoint URL, for errors that name the server. */
export function hostPortOf(endpoint: string): string {
  const u = new URL(endpoint);
  return `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
}

/** The parent directory of an absolute path (`/` for `/x`). */
export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function childPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

function hostOf(authority: string): string {
  return authority.replace(/^[^@]*@/, '').replace(/:\d+$/, '');
}

/** Collapses repeated slashes and drops a trailing one, so paths compare equal. */
function normalizePath(p: string): string {
  const s = p.replace(/\/+/g, '/').replace(/\/$/, '');
  return s === '' ? '/' : s;
}
