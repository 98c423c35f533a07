import { randomUUID } from 'node:crypto';
import { AlreadyExistsError, NotFoundError, ValidationError } from '../errors.js';
import { mapBounded } from '../concurrency/map-bounded.js';
import { ChunkPipe } from './chunk-pipe.js';
import type { DeleteFailure, FileInfo, FileIO, OutputStream } from './file-io.js';
import { WebHdfsClient, type WebHdfsAuth, type WebHdfsRequest, type WebHdfsRetryOptions } from './webhdfs-client.js';
import { WebHdfsError } from './webhdfs-errors.js';
import { baseName, childPath, parentPath, parseWebHdfsLocation } from './webhdfs-location.js';

export interface WebHdfsFileIOOptions extends WebHdfsAuth {
  /**
   * The namenode's HTTP(S) address for `hdfs://` locations (e.g. `http://nn:9870`); required for
   * an HA nameservice. Default: the location's host on port 9870.
   */
  readonly namenodeHttp?: string;
  readonly retry?: WebHdfsRetryOptions;
}

/** WebHDFS doc "FileStatus Properties" (the fields read here). */
interface HdfsFileStatus {
  readonly pathSuffix: string;
  readonly type: 'FILE' | 'DIRECTORY' | 'SYMLINK';
  readonly length: number;
  readonly modificationTime: number;
}
interface FileStatusJson {
  FileStatus: HdfsFileStatus;
}
interface FileStatusesJson {
  FileStatuses: { FileStatus: HdfsFileStatus[] };
}
/** WebHDFS doc "DirectoryListing JSON Schema". */
interface DirectoryListingJson {
  DirectoryListing: { partialListing: FileStatusesJson; remainingEntries: number };
}
interface BooleanJson {
  boolean?: boolean;
}

/** One location resolved: the client for its namenode, its HDFS path, and how to spell children. */
interface Target {
  readonly client: WebHdfsClient;
  readonly path: string;
  readonly origin: string;
  readonly location: string;
}

/** DELETEs in flight in deleteMany: each is one namenode round trip. */
const DELETE_CONCURRENCY = 16;

/** The temporary sibling an upload goes to before it is renamed into place. */
export function uploadTempPath(path: string): string {
  return `${path}._icetide-tmp-${randomUUID()}`;
}

/**
 * FileIO over the WebHDFS REST API, for `hdfs://`, `webhdfs://` and `swebhdfs://` locations.
 * Every write goes to a temporary sibling (`<name>._icetide-tmp-<uuid>`) and is renamed into
 * place, because an HDFS file is visible while it is written: readers never see a partial
 * file. The rename is HDFS's atomic rename2: OVERWRITE for write()/create(), and without it for
 * writeIfAbsent(), where the namenode refuses an existing target (FileAlreadyExistsException),
 * the filesystem catalog's compare-and-swap.
 */
export class WebHdfsFileIO implements FileIO {
  private readonly clients = new Map<string, WebHdfsClient>();
  /** Cleared when the namenode predates LISTSTATUS_BATCH (Hadoop < 2.8); LISTSTATUS then. */
  private batchListing = true;

  constructor(private readonly options: WebHdfsFileIOOptions = {}) {}

  private target(location: string): Target {
    const { endpoint, path, origin } = parseWebHdfsLocation(location, this.options.namenodeHttp);
    let client = this.clients.get(endpoint);
    if (!client) {
      client = new WebHdfsClient(endpoint, this.options, this.options.retry);
      this.clients.set(endpoint, client);
    }
    return { client, path, origin, location };
  }

  private request(t: Target, method: WebHdfsRequest['method'], op: string, idempotent: boolean, params?: WebHdfsRequest['params'], path = t.path): WebHdfsRequest {
    return { method, op, path, params, idempotent, location: t.location };
  }

  async read(location: string): Promise<Uint8Array> {
    return this.open(this.target(location), {});
  }

  async readRange(location: string, offset: number, length: number): Promise<Uint8Array> {
    if (length <= 0) return new Uint8Array(0);
    try {
      return await this.open(this.target(location), { offset, length });
    } catch (err) {
      // a datanode cannot seek past the end ("Cannot seek after EOF"): no bytes there
      if (err instanceof WebHdfsError && err.exception === 'EOFException') return new Uint8Array(0);
      throw err;
    }
  }

  /** OPEN, redirected to a datanode (WebHDFS doc "Open and Read a File"). */
  private async open(t: Target, params: { offset?: number; length?: number }): Promise<Uint8Array> {
    const r = this.request(t, 'GET', 'OPEN', true, params);
    const where = await t.client.locate(r);
    const res = 'response' in where ? where.response : await t.client.datanode(r, where.datanodeUrl);
    return new Uint8Array(await res.arrayBuffer());
  }

  private async status(t: Target): Promise<HdfsFileStatus> {
    return (await t.client.json<FileStatusJson>(this.request(t, 'GET', 'GETFILESTATUS', true))).FileStatus;
  }

  async length(location: string): Promise<number> {
    const t = this.target(location);
    const st = await this.status(t);
    if (st.type === 'DIRECTORY') throw new NotFoundError(`${location} is a directory, not a file`, { location });
    return st.length;
  }

  async exists(location: string): Promise<boolean> {
    try {
      await this.status(this.target(location));
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  async write(location: string, data: Uint8Array): Promise<void> {
    const t = this.target(location);
    const temp = uploadTempPath(t.path);
    await this.withTemp(t, temp, async () => {
      await this.upload(t, temp, data);
      await this.renameOver(t, temp);
    });
  }

  async writeIfAbsent(location: string, data: Uint8Array): Promise<boolean> {
    const t = this.target(location);
    const temp = uploadTempPath(t.path);
    let placed = false;
    await this.withTemp(t, temp, async () => {
      await this.upload(t, temp, data);
      placed = await this.renameExclusive(t, temp);
      if (!placed) await this.deletePath(t, temp);
    });
    return placed;
  }

  async create(location: string): Promise<OutputStream> {
    const t = this.target(location);
    const temp = uploadTempPath(t.path);
    const r = this.request(t, 'PUT', 'CREATE', true, { overwrite: true }, temp);
    const datanodeUrl = await this.createUrl(t, r);
    const pipe = new ChunkPipe();
    const uploading = t.client.datanode(r, datanodeUrl, pipe.stream);
    uploading.catch((err: unknown) => pipe.fail(err instanceof Error ? err : new Error(String(err))));
    let written = 0;
    let done = false;
    const finish = () => {
      if (done) throw new ValidationError(`${location}: the upload was already closed or aborted`, { location });
      done = true;
    };
    return {
      get bytesWritten() {
        return written;
      },
      write: async (chunk: Uint8Array) => {
        if (done) throw new ValidationError(`${location}: write after close or abort`, { location });
        if (chunk.length === 0) return;
        await pipe.write(chunk);
        written += chunk.length;
      },
      close: async () => {
        finish();
        pipe.end();
        await this.withTemp(t, temp, async () => {
          await (await uploading).body?.cancel();
          await this.renameOver(t, temp);
        });
      },
      abort: async () => {
        if (done) return;
        done = true;
        pipe.abort(new Error(`upload of ${location} aborted`));
        await uploading.catch(() => undefined);
        await this.deletePath(t, temp);
      },
    };
  }

  /** Runs `fn`; if it fails, the temp file is removed (best effort) before the error goes on. */
  private async withTemp(t: Target, temp: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      await this.deletePath(t, temp).catch(() => undefined);
      throw err;
    }
  }

  /** CREATE step 1: the datanode URL for the bytes. */
  private async createUrl(t: Target, r: WebHdfsRequest): Promise<string> {
    const where = await t.client.locate(r);
    if ('response' in where) {
      await where.response.body?.cancel();
      throw new WebHdfsError(`CREATE ${t.location} on ${t.client.server}: the namenode did not say which datanode takes the bytes (no Location)`, { location: t.location, status: where.response.status });
    }
    return where.datanodeUrl;
  }

  /** A whole-buffer CREATE of a private temp name: idempotent (overwrite=true), so retried. */
  private async upload(t: Target, path: string, data: Uint8Array): Promise<void> {
    const r = this.request(t, 'PUT', 'CREATE', true, { overwrite: true }, path);
    const res = await t.client.datanode(r, await this.createUrl(t, r), data);
    await res.body?.cancel();
  }

  /**
   * RENAME with `renameoptions=OVERWRITE` (rename2: atomic replace). A gateway that ignores
   * renameoptions (HttpFS) answers the old rename's `{"boolean": false}` when the target
   * exists: the target is then deleted and the rename repeated, which leaves a short window
   * without the file.
   */
  private async renameOver(t: Target, temp: string): Promise<void> {
    const r = this.request(t, 'PUT', 'RENAME', false, { destination: t.path, renameoptions: 'OVERWRITE' }, temp);
    if ((await t.client.json<BooleanJson>(r)).boolean !== false) return;
    await this.deletePath(t, t.path);
    const again = await t.client.json<BooleanJson>(this.request(t, 'PUT', 'RENAME', false, { destination: t.path }, temp));
    if (again.boolean === false) throw renameRefused(t, temp);
  }

  /** RENAME without OVERWRITE: false when the target exists (the namenode's FileAlreadyExistsException). */
  private async renameExclusive(t: Target, temp: string): Promise<boolean> {
    try {
      const res = await t.client.json<BooleanJson>(this.request(t, 'PUT', 'RENAME', false, { destination: t.path, renameoptions: 'NONE' }, temp));
      if (res.boolean !== false) return true;
      // the old rename (renameoptions ignored): false means the target exists, or something else
      if (await this.exists(t.location)) return false;
      throw renameRefused(t, temp);
    } catch (err) {
      if (err instanceof AlreadyExistsError) return false;
      throw err;
    }
  }

  async delete(location: string): Promise<void> {
    await this.deletePath(this.target(location));
  }

  /**
   * WebHDFS has no batch delete: one DELETE per file, a few in flight. Failures are returned,
   * not thrown (the `deleteMany` contract of the FileIO seam).
   */
  async deleteMany(locations: readonly string[]): Promise<DeleteFailure[]> {
    const failures: DeleteFailure[] = [];
    await mapBounded(locations, DELETE_CONCURRENCY, async (location) => {
      try {
        await this.delete(location);
      } catch (err) {
        failures.push({ location, error: err instanceof Error ? err.message : String(err) });
      }
    });
    return failures;
  }

  /** DELETE (not recursive): a missing file answers `{"boolean": false}`, not an error. */
  private async deletePath(t: Target, path = t.path): Promise<void> {
    await t.client.json<BooleanJson>(this.request(t, 'DELETE', 'DELETE', true, { recursive: false }, path));
  }

  async *list(prefix: string): AsyncIterable<FileInfo> {
    const t = this.target(prefix);
    let st: HdfsFileStatus | undefined;
    try {
      st = await this.status(t);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
    if (st?.type === 'FILE') {
      yield { location: prefix, size: st.length, modifiedMs: st.modificationTime };
      return;
    }
    // A prefix is usually a directory; when it is not, list its parent and filter by name.
    if (st) yield* this.walk(t, t.path, '');
    else yield* this.walk(t, parentPath(t.path), baseName(t.path));
  }

  private async *walk(t: Target, dir: string, namePrefix: string): AsyncIterable<FileInfo> {
    for await (const s of this.listDir(t, dir)) {
      if (namePrefix && !s.pathSuffix.startsWith(namePrefix)) continue;
      const path = childPath(dir, s.pathSuffix);
      if (s.type === 'DIRECTORY') yield* this.walk(t, path, '');
      else if (s.type === 'FILE') yield { location: `${t.origin}${path}`, size: s.length, modifiedMs: s.modificationTime };
    }
  }

  /**
   * The entries of one directory: LISTSTATUS_BATCH pages (WebHDFS doc "Iteratively List a
   * Directory": `startAfter` = the last pathSuffix, until remainingEntries is 0), or one
   * LISTSTATUS when the namenode does not know the op. A directory gone meanwhile lists empty.
   */
  private async *listDir(t: Target, dir: string): AsyncIterable<HdfsFileStatus> {
    try {
      let startAfter: string | undefined;
      while (this.batchListing) {
        let page: DirectoryListingJson;
        try {
          page = await t.client.json<DirectoryListingJson>(this.request(t, 'GET', 'LISTSTATUS_BATCH', true, { startAfter }, dir));
        } catch (err) {
          if (startAfter === undefined && isUnknownOp(err)) {
            this.batchListing = false;
            break;
          }
          throw err;
        }
        const entries = page.DirectoryListing.partialListing.FileStatuses.FileStatus;
        yield* entries;
        if (!page.DirectoryListing.remainingEntries || entries.length === 0) return;
        startAfter = entries[entries.length - 1]!.pathSuffix;
      }
      yield* (await t.client.json<FileStatusesJson>(this.request(t, 'GET', 'LISTSTATUS', true, undefined, dir))).FileStatuses.FileStatus;
    } catch (err) {
      if (err instanceof NotFoundError) return;
      throw err;
    }
  }
}

/** The old rename's bare `false` when the target does not exist: nothing says why. */
function renameRefused(t: Target, temp: string): WebHdfsError {
  return new WebHdfsError(`RENAME ${temp} to ${t.path} on ${t.client.server} was refused; check that the directory exists and is writable`, { location: t.location });
}

/** Hadoop before 2.8 answers an op it does not know with 400 IllegalArgumentException ("op"). */
function isUnknownOp(err: unknown): boolean {
  return err instanceof WebHdfsError && err.status === 400 && (err.exception === 'IllegalArgumentException' || err.exception === 'UnsupportedOperationException');
}
