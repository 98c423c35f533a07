import { IcetideError, NotFoundError, StorageError, type ErrorContext } from '../errors.js';

/** What an SDK error looks like, without importing the SDK's types into messages. */
interface SdkErrorShape {
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number; readonly attempts?: number };
  readonly $retryable?: unknown;
  readonly errors?: readonly unknown[];
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'TimeoutError', 'RequestTimeout']);
const THROTTLING = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'ServiceUnavailable', 'InternalError']);
const AUTH = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'InvalidToken', 'ExpiredToken', 'TokenRefreshRequired', 'InvalidSecurity', 'AuthorizationHeaderMalformed']);

function shape(err: unknown): SdkErrorShape {
  return typeof err === 'object' && err !== null ? (err as SdkErrorShape) : { message: String(err) };
}

/** The status code of an SDK error, when the server answered. */
export function httpStatusOf(err: unknown): number | undefined {
  return shape(err).$metadata?.httpStatusCode;
}

export function errorNameOf(err: unknown): string {
  return shape(err).name ?? 'Error';
}

/** The socket-level code of a failed connection (Node puts it on the error or, for several addresses, on each of `errors`). */
function networkCode(err: unknown): string | undefined {
  const e = shape(err);
  if (e.code && NETWORK_CODES.has(e.code)) return e.code;
  if (e.name && NETWORK_CODES.has(e.name)) return e.name;
  for (const inner of e.errors ?? []) {
    const c = networkCode(inner);
    if (c) return c;
  }
  const cause = (err as { cause?: unknown } | null)?.cause;
  return cause && cause !== err ? networkCode(cause) : undefined;
}

/** Worth another attempt: throttling, a 5xx, or the connection failing. */
export function isRetriableS3Error(err: unknown): boolean {
  const status = httpStatusOf(err);
  return (status !== undefined && status >= 500) || status === 429 || THROTTLING.has(errorNameOf(err)) || networkCode(err) !== undefined;
}

/** Replaces every configured secret (and the access key id) wherever it appears in a text. */
export class Redactor {
  private readonly secrets: string[];
  constructor(secrets: readonly (string | undefined)[]) {
    // longest first: a token containing a key id is hidden whole
    this.secrets = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4).sort((a, b) => b.length - a.length);
  }
  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('***');
    return out;
  }
}

export interface S3ErrorTarget {
  /** What was being done: `read`, `list`, `write`, ... */
  readonly op: string;
  /** The s3:// location. */
  readonly location: string;
  readonly bucket: string;
  /** `http://127.0.0.1:9000`, or `AWS S3 (us-east-1)`. */
  readonly endpoint: string;
}

/**
 * A typed error for a failed S3 request: NotFoundError for a missing object, StorageError
 * naming the bucket/key and what to do otherwise. The SDK error is not kept as the cause (its
 * request, with the signed headers, would reach logs that print causes); its name, status
 * and redacted message are.
 */
export function s3ErrorOf(err: unknown, t: S3ErrorTarget, redactor: Redactor): IcetideError {
  if (err instanceof IcetideError) return err;
  const status = httpStatusOf(err);
  // a HEAD answer has no body: the SDK can only say "Unknown"
  const name = errorNameOf(err) === 'Unknown' && status !== undefined ? `HTTP ${status}` : errorNameOf(err);
  const raw = shape(err).message ?? String(err);
  const detail = redactor.redact(raw === 'UnknownError' ? 'no error body' : raw);
  const ctx: ErrorContext = { location: t.location, bucket: t.bucket, endpoint: t.endpoint, errorName: name, status };
  const what = `${t.op} ${t.location}`;
  if (name === 'NoSuchKey' || (status === 404 && name !== 'NoSuchBucket' && name !== 'NoSuchUpload')) {
    return new NotFoundError(`${what}: no such object`, ctx);
  }
  if (name === 'NoSuchBucket') {
    return new StorageError(`${what}: bucket ${t.bucket} does not exist at ${t.endpoint}: create it, or fix the warehouse location`, ctx);
  }
  if (AUTH.has(name) || status === 403) {
    return new StorageError(
      `${what}: access denied by ${t.endpoint} (${name}: ${detail}): check the credentials (target.storage.s3.access-key-id, secret-access-key, session-token, or the AWS credential chain), the region, and the bucket policy`,
      ctx,
    );
  }
  if (name === 'CredentialsProviderError') {
    return new StorageError(`${what}: no AWS credentials found: set target.storage.s3.access-key-id and secret-access-key, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or a profile (AWS_PROFILE)`, ctx);
  }
  const net = networkCode(err);
  if (net) {
    return new StorageError(`${what}: cannot reach the S3 endpoint ${t.endpoint} (${net}): check target.storage.s3.endpoint and that the server is up`, { ...ctx, retriable: true });
  }
  if (isRetriableS3Error(err)) {
    const attempts = shape(err).$metadata?.attempts;
    return new StorageError(`${what}: ${t.endpoint} failed (${name}${status ? ` HTTP ${status}` : ''}${attempts ? ` after ${attempts} attempts` : ''}): ${detail}; retry later`, { ...ctx, retriable: true });
  }
  return new StorageError(`${what}: ${t.endpoint} answered ${name}${status ? ` (HTTP ${status})` : ''}: ${detail}`, ctx);
}
