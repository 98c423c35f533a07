import { setTimeout as sleep } from 'node:timers/promises';
import { IcetideError } from '../errors.js';
import { networkErrorCode, unreachableError, webHdfsErrorOf, WebHdfsUnavailableError, type WebHdfsCall } from './webhdfs-errors.js';
import { hostPortOf, restUrl } from './webhdfs-location.js';

/*
 * A small typed WebHDFS client over Node's fetch (undici). The `webhdfs` npm package was
 * evaluated and not used: it is built on the deprecated `request` library, has a callback
 * API, and follows the CREATE redirect itself, so we could neither keep the body off the
 * namenode nor stream an upload with backpressure. Nothing else on npm is maintained.
 */

export interface WebHdfsAuth {
  /** `user.name`: the HDFS user when security is off (WebHDFS doc "Authentication"). */
  readonly user?: string;
  /** A delegation token (`delegation=`), the way in when security is on. */
  readonly delegationToken?: string;
}

export interface WebHdfsRetryOptions {
  /** Attempts in all, the first included (default 4). */
  readonly attempts?: number;
  /** First backoff; doubled per attempt, with jitter (default 200 ms). */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
}

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface WebHdfsRequest {
  readonly method: HttpMethod;
  readonly op: string;
  readonly path: string;
  readonly params?: Record<string, string | number | boolean | undefined>;
  /** Safe to repeat after a reset or a 5xx (reads, DELETE, CREATE of a private temp name). */
  readonly idempotent: boolean;
  /** The FileIO location, for error messages. */
  readonly location: string;
}

type Body = Uint8Array | ReadableStream<Uint8Array>;

/** Connection errors after which the request certainly never reached the server. */
const NOT_SENT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

export class WebHdfsClient {
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(
    readonly endpoint: string,
    private readonly auth: WebHdfsAuth = {},
    retry: WebHdfsRetryOptions = {},
  ) {
    this.attempts = Math.max(1, retry.attempts ?? 4);
    this.baseDelayMs = retry.baseDelayMs ?? 200;
    this.maxDelayMs = retry.maxDelayMs ?? 5_000;
  }

  get server(): string {
    return hostPortOf(this.endpoint);
  }

  /** The namenode URL of an operation, with the auth parameters. */
  url(r: Pick<WebHdfsRequest, 'op' | 'path' | 'params'>): string {
    const q = new URLSearchParams({ op: r.op });
    if (this.auth.user) q.set('user.name', this.auth.user);
    if (this.auth.delegationToken) q.set('delegation', this.auth.delegationToken);
    for (const [k, v] of Object.entries(r.params ?? {})) if (v !== undefined) q.set(k, String(v));
    return `${restUrl(this.endpoint, r.path)}?${q.toString()}`;
  }

  /** A namenode call answering JSON (GETFILESTATUS, LISTSTATUS, RENAME, DELETE, MKDIRS...). */
  async json<T>(r: WebHdfsRequest): Promise<T> {
    const res = await this.send(r, this.url(r));
    const text = await res.text();
    try {
      return (text ? JSON.parse(text) : {}) as T;
    } catch (err) {
      throw IcetideError.wrap(err, `${r.op} ${r.location} on ${this.server}: the answer is not JSON`, { location: r.location });
    }
  }

  /**
   * Step 1 of CREATE / OPEN: asks the namenode where the bytes go (WebHDFS doc "Create and
   * Write to a File", "Open and Read a File"). `noredirect=true` makes Hadoop >= 2.8 answer
   * `{"Location": ...}`; an older namenode ignores it and answers 307 with a Location header,
   * which is read, not followed, so no body ever goes to the namenode. A gateway that serves
   * the bytes itself (HttpFS OPEN) answers 200 with them: that response is returned as is.
   */
  async locate(r: WebHdfsRequest): Promise<{ datanodeUrl: string } | { response: Response }> {
    const url = this.url({ ...r, params: { ...r.params, noredirect: true } });
    const res = await this.send(r, url);
    if (res.status === 307 || res.status === 302) {
      await res.body?.cancel();
      const loc = res.headers.get('location');
      if (!loc) throw new WebHdfsUnavailableError(`${r.op} ${r.location}: ${this.server} redirected without a Location header`, { location: r.location, status: res.status });
      return { datanodeUrl: new URL(loc, url).href };
    }
    if ((res.headers.get('content-type') ?? '').includes('application/json')) {
      const j = (await res.json()) as { Location?: string };
      if (typeof j.Location === 'string') return { datanodeUrl: j.Location };
      throw new WebHdfsUnavailableError(`${r.op} ${r.location}: ${this.server} answered JSON without a Location`, { location: r.location, status: res.status });
    }
    return { response: res };
  }

  /** Step 2: the request to the datanode URL the namenode handed out, used verbatim. */
  datanode(r: WebHdfsRequest, datanodeUrl: string, body?: Body): Promise<Response> {
    // a stream cannot be replayed: an upload from one is tried once
    return this.send(r, datanodeUrl, body, hostPortOf(datanodeUrl), body instanceof ReadableStream);
  }

  /**
   * One request with retries: a request that never reached the server (refused) is repeated
   * for any operation; a reset or a 5xx only for idempotent ones; a standby namenode or a
   * RetriableException (the request was refused, not applied) for any.
   */
  private async send(r: WebHdfsRequest, url: string, body?: Body, server = this.server, once = false): Promise<Response> {
    const call: WebHdfsCall = { op: r.op, location: r.location, server, user: this.auth.user };
    for (let attempt = 1; ; attempt++) {
      let failure: Error;
      let mayRetry: boolean;
      try {
        const res = await fetch(url, {
          method: r.method,
          redirect: 'manual',
          body,
          headers: body ? { 'content-type': 'application/octet-stream' } : undefined,
          ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
        } as RequestInit);
        if (res.ok || res.status === 307 || res.status === 302) return res;
        const text = await res.text();
        failure = webHdfsErrorOf(call, res.status, text);
        mayRetry = failure instanceof WebHdfsUnavailableError && (r.idempotent || res.status < 500);
      } catch (err) {
        failure = unreachableError(call, err);
        mayRetry = r.idempotent || NOT_SENT.has(networkErrorCode(err) ?? '');
      }
      if (once || !mayRetry || attempt >= this.attempts) throw failure;
      const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
      await sleep(delay / 2 + Math.random() * (delay / 2));
    }
  }
}
