import { AlreadyExistsError, NotFoundError, StorageError, type ErrorContext } from '../errors.js';

/** A WebHDFS error body (doc "RemoteException JSON Schema"). */
export interface RemoteException {
  readonly exception: string;
  readonly message: string;
  readonly javaClassName?: string;
}

/**
 * The namenode or a datanode answered with an error that has no closer type. A StorageError,
 * like S3's; the HTTP status and the RemoteException name are in the context (so
 * IcetideError.wrap keeps them), `retriable` too.
 */
export class WebHdfsError extends StorageError {
  get status(): number {
    return Number(this.context['status'] ?? 0);
  }
  get exception(): string | undefined {
    const e = this.context['exception'];
    return typeof e === 'string' ? e : undefined;
  }
}

/** HDFS refused the user (AccessControlException, SecurityException): permissions or credentials. */
export class WebHdfsAccessError extends WebHdfsError {}

/**
 * The namenode or a datanode cannot serve now: unreachable, 5xx, a standby namenode, a
 * RetriableException. Retried by the client for idempotent operations before this surfaces.
 */
export class WebHdfsUnavailableError extends WebHdfsError {
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, { ...context, retriable: true }, options);
  }
}

/** What the client was doing, for the message: `read hdfs://nn/x (OPEN)`. */
export interface WebHdfsCall {
  readonly op: string;
  readonly location: string;
  /** `host:port` of the server that answered (or did not). */
  readonly server: string;
  readonly user?: string;
}

/** Parses a RemoteException body; undefined when the body is something else (a proxy's HTML page). */
export function parseRemoteException(body: string): RemoteException | undefined {
  try {
    const j = JSON.parse(body) as { RemoteException?: Partial<RemoteException> };
    const r = j.RemoteException;
    if (r && typeof r.exception === 'string') return { exception: r.exception, message: String(r.message ?? ''), javaClassName: r.javaClassName };
  } catch {
    // not JSON
  }
  return undefined;
}

/**
 * Turns a WebHDFS error response into a typed error naming the path and what to do. The
 * exception names and codes are those of WebHDFS doc "Error Responses" (IllegalArgumentException
 * 400, SecurityException 401, IOException and its subclasses 403, FileNotFoundException 404).
 */
export function webHdfsErrorOf(call: WebHdfsCall, status: number, body: string): Error {
  const remote = parseRemoteException(body);
  const name = remote?.exception;
  const detail = remote ? `${name}: ${remote.message}` : `HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ''}`;
  const context: ErrorContext = { location: call.location, op: call.op, server: call.server, status, exception: name };
  const what = `${call.op} ${call.location} on ${call.server}`;
  switch (name) {
    case 'FileNotFoundException':
      return new NotFoundError(`${what}: file does not exist (${detail})`, context);
    case 'FileAlreadyExistsException':
      return new AlreadyExistsError(`${what}: the file already exists (${detail})`, context);
    case 'AccessControlException':
    case 'SecurityException':
    case 'AuthorizationException':
      return new WebHdfsAccessError(
        `${what}: HDFS refused user ${call.user ?? '(none set)'} (${detail}); grant that user access to the path (hdfs dfs -chown/-chmod/-setfacl), or set the FileIO's user or delegation token to one that has it`,
        context,
      );
    case 'StandbyException':
    case 'RetriableException':
    case 'SafeModeException':
      return new WebHdfsUnavailableError(`${what}: the namenode cannot serve now (${detail}); point the location (or namenodeHttp) at the active namenode, or wait for it to leave safe mode`, context);
  }
  // 403 is also every other IOException (doc "Error Responses"): only 401, or a 403 that is no
  // WebHDFS answer (a proxy, a gateway's login page), is a refusal of the caller
  if (status === 401 || (status === 403 && !remote)) {
    return new WebHdfsAccessError(`${what}: refused (${detail}); check the FileIO's user / delegation token and the path's permissions`, context);
  }
  if (status === 404 && !remote) {
    return new WebHdfsError(`${what}: HTTP 404 without a WebHDFS error: is WebHDFS enabled (dfs.webhdfs.enabled) and ${call.server} the namenode's HTTP address?`, context);
  }
  if (status >= 500) return new WebHdfsUnavailableError(`${what}: server error (${detail})`, context);
  return new WebHdfsError(`${what}: ${detail}`, context);
}

/** The namenode (or a datanode) could not be reached at all. */
export function unreachableError(call: WebHdfsCall, cause: unknown): WebHdfsUnavailableError {
  const reason = networkErrorCode(cause) ?? (cause instanceof Error ? cause.message : String(cause));
  return new WebHdfsUnavailableError(
    `${call.op} ${call.location}: cannot reach the WebHDFS server at ${call.server} (${reason}); check that the namenode's HTTP server listens there (dfs.namenode.http-address), or set namenodeHttp to its address`,
    { location: call.location, op: call.op, server: call.server },
    { cause },
  );
}

/** ECONNREFUSED, ECONNRESET...: undici puts the socket error in `cause`. */
export function networkErrorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
