import { randomUUID } from 'node:crypto';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { ConfigError, IcetideError, UnsupportedError } from '../errors.js';
import type { DeleteFailure, FileInfo, FileIO, OutputStream } from './file-io.js';
import { isRetriableS3Error, errorNameOf, httpStatusOf, Redactor, s3ErrorOf } from './s3-errors.js';
import { formatS3Location, parseS3Location, type S3Location } from './s3-location.js';
import { MIN_PART_SIZE, S3OutputStream } from './s3-output-stream.js';
import type { S3StorageConfig } from './storage-config.js';

const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const DEFAULT_MAX_ATTEMPTS = 5;
/** S3's DeleteObjects limit. */
const DELETE_BATCH = 1000;
const PARTS_IN_FLIGHT = 4;

/**
 * FileIO over S3 and S3-compatible stores (MinIO, Ceph RGW) for `s3://` and `s3a://`
 * locations. Ranged GETs serve the Parquet reader's footer and column-chunk reads, HEAD
 * serves length/exists, ListObjectsV2 (paginated) serves list, DeleteObjects serves
 * deleteMany. `writeIfAbsent` is a conditional PUT (`If-None-Match: *`): atomic on stores
 * that honour it (AWS S3, MinIO); a store that ignores the header overwrites, so the
 * filesystem catalog refuses S3 unless `conditionalWrites` says the store honours it.
 * Credentials come from the config or the AWS SDK's default chain and never appear in an
 * error message.
 */
export class S3FileIO implements FileIO {
  readonly client: S3Client;
  private readonly redactor: Redactor;
  private readonly endpointName: string;
  private readonly maxAttempts: number;
  private readonly partSize: number;
  /** Buckets seen to exist: a 404 on HEAD then means "no such key", not "no such bucket". */
  private readonly knownBuckets = new Set<string>();

  constructor(readonly config: S3StorageConfig = {}) {
    if ((config.accessKeyId === undefined) !== (config.secretAccessKey === undefined)) {
      throw new ConfigError('storage.s3: set both access-key-id and secret-access-key, or neither (the AWS credential chain is used then)', { path: 'storage.s3' });
    }
    if (config.partSize !== undefined && config.partSize < MIN_PART_SIZE) {
      throw new ConfigError(`storage.s3.part-size must be at least ${MIN_PART_SIZE} bytes (S3's minimum part size), got ${config.partSize}`, { path: 'storage.s3.part-size' });
    }
    this.redactor = new Redactor([config.secretAccessKey, config.sessionToken, config.accessKeyId]);
    this.maxAttempts = config.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.partSize = config.partSize ?? DEFAULT_PART_SIZE;
    const region = config.region ?? process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? 'us-east-1';
    this.endpointName = config.endpoint ?? `AWS S3 (${region})`;
    const c: S3ClientConfig = {
      region,
      maxAttempts: this.maxAttempts,
      retryMode: 'standard',
      forcePathStyle: config.pathStyle ?? false,
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
      ...(config.endpoint !== undefined
        ? {
            endpoint: config.endpoint,
            // S3-compatible servers often reject the SDK's default CRC32 trailers on every PUT
            requestChecksumCalculation: 'WHEN_REQUIRED',
            responseChecksumValidation: 'WHEN_REQUIRED',
          }
        : {}),
      ...(config.accessKeyId !== undefined
        ? { credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey!, ...(config.sessionToken !== undefined ? { sessionToken: config.sessionToken } : {}) } }
        : {}),
    };
    this.client = new S3Client(c);
  }

  private fail(err: unknown, op: string, l: S3Location): IcetideError {
    return s3ErrorOf(err, { op, location: formatS3Location(l), bucket: l.bucket, endpoint: this.endpointName }, this.redactor);
  }

  /** One GET, its body read whole; a body cut off mid-way (reset, timeout) is fetched again. */
  private async getBytes(l: S3Location, range: string | undefined, op: string): Promise<Uint8Array> {
    for (let attempt = 1; ; attempt++) {
      let body: { transformToByteArray(): Promise<Uint8Array> } | undefined;
      try {
        const r = await this.client.send(new GetObjectCommand({ Bucket: l.bucket, Key: l.key, ...(range ? { Range: range } : {}) }));
        body = r.Body;
        this.knownBuckets.add(l.bucket);
      } catch (err) {
        // past the end: what a file read returns there (no bytes)
        if (range && (httpStatusOf(err) === 416 || errorNameOf(err) === 'InvalidRange')) return new Uint8Array(0);
        throw this.fail(err, op, l); // the SDK has retried already
      }
      if (!body) return new Uint8Array(0);
      try {
        return await body.transformToByteArray();
      } catch (err) {
        if (attempt >= this.maxAttempts || !isRetriableS3Error(err)) throw this.fail(err, op, l);
        await backoff(attempt);
      }
    }
  }

  read(location: string): Promise<Uint8Array> {
    return this.getBytes(parseS3Location(location), undefined, 'read');
  }

  async readRange(location: string, offset: number, length: number): Promise<Uint8Array> {
    if (length <= 0) return new Uint8Array(0);
    return this.getBytes(parseS3Location(location), `bytes=${offset}-${offset + length - 1}`, 'read');
  }

  /** HEAD; undefined for a missing key (after making sure the bucket itself exists). */
  private async head(l: S3Location, op: string): Promise<number | undefined> {
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: l.bucket, Key: l.key }));
      this.knownBuckets.add(l.bucket);
      return r.ContentLength ?? 0;
    } catch (err) {
      if (httpStatusOf(err) !== 404) throw this.fail(err, op, l);
    }
    // a HEAD answer has no body, so a missing bucket looks like a missing key: ask once
    if (!this.knownBuckets.has(l.bucket)) {
      try {
        await this.client.send(new HeadBucketCommand({ Bucket: l.bucket }));
        this.knownBuckets.add(l.bucket);
      } catch (err) {
        throw this.fail(httpStatusOf(err) === 404 ? Object.assign(new Error('no such bucket'), { name: 'NoSuchBucket' }) : err, op, l);
      }
    }
    return undefined;
  }

  async length(location: string): Promise<number> {
    const l = parseS3Location(location);
    const n = await this.head(l, 'stat');
    if (n === undefined) throw this.fail(Object.assign(new Error('no such key'), { name: 'NoSuchKey' }), 'stat', l);
    return n;
  }

  async exists(location: string): Promise<boolean> {
    return (await this.head(parseS3Location(location), 'stat')) !== undefined;
  }

  async write(location: string, data: Uint8Array): Promise<void> {
    const l = parseS3Location(location);
    try {
      await this.client.send(new PutObjectCommand({ Bucket: l.bucket, Key: l.key, Body: data, ContentLength: data.length }));
    } catch (err) {
      throw this.fail(err, 'write', l);
    }
  }

  /**
   * A conditional PUT (`If-None-Match: *`): 412 means the key exists. AWS answers 409 while
   * another conditional write to the key is in progress: asked again, it settles to 200 or 412.
   * A store without conditional writes either refuses (501: UnsupportedError) or ignores the
   * header and overwrites; see `probeConditionalWrites`.
   */
  async writeIfAbsent(location: string, data: Uint8Array): Promise<boolean> {
    const l = parseS3Location(location);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(new PutObjectCommand({ Bucket: l.bucket, Key: l.key, Body: data, ContentLength: data.length, IfNoneMatch: '*' }));
        return true;
      } catch (err) {
        const status = httpStatusOf(err);
        if (status === 412 || errorNameOf(err) === 'PreconditionFailed') return false;
        if (status === 409 && attempt < this.maxAttempts) {
          await backoff(attempt);
          continue;
        }
        if (status === 501 || errorNameOf(err) === 'NotImplemented') {
          throw new UnsupportedError(`write ${location} if absent: ${this.endpointName} does not support conditional writes (If-None-Match); use the SQL catalog on this store`, { location });
        }
        throw this.fail(err, 'write', l);
      }
    }
  }

  async create(location: string): Promise<OutputStream> {
    const l = parseS3Location(location);
    return new S3OutputStream(this.client, { bucket: l.bucket, key: l.key, partSize: this.partSize, partsInFlight: PARTS_IN_FLIGHT, fail: (err, op) => this.fail(err, op, l) });
  }

  /**
   * Like a directory listing: `prefix` names a directory (everything below `prefix/`); when
   * nothing is there, the keys that start with it (a file, or a name prefix).
   */
  async *list(prefix: string): AsyncIterable<FileInfo> {
    const l = parseS3Location(prefix);
    if (l.key !== '' && !l.key.endsWith('/')) {
      let any = false;
      for await (const f of this.listKeys({ ...l, key: `${l.key}/` })) {
        any = true;
        yield f;
      }
      if (any) return;
    }
    yield* this.listKeys(l);
  }

  private async *listKeys(l: S3Location): AsyncIterable<FileInfo> {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListObjectsV2Command({ Bucket: l.bucket, Prefix: l.key, ...(token ? { ContinuationToken: token } : {}) }));
      } catch (err) {
        throw this.fail(err, 'list', l);
      }
      this.knownBuckets.add(l.bucket);
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined || o.Key.endsWith('/')) continue; // "folder" placeholder objects
        yield { location: formatS3Location({ ...l, key: o.Key }), size: o.Size ?? 0, modifiedMs: o.LastModified?.getTime() ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(location: string): Promise<void> {
    const l = parseS3Location(location);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: l.bucket, Key: l.key }));
    } catch (err) {
      if (httpStatusOf(err) === 404 && errorNameOf(err) !== 'NoSuchBucket') return;
      throw this.fail(err, 'delete', l);
    }
  }

  /** DeleteObjects, 1000 keys a request per bucket; per-key errors are returned. */
  async deleteMany(locations: readonly string[]): Promise<DeleteFailure[]> {
    const byBucket = new Map<string, { l: S3Location; location: string }[]>();
    for (const location of locations) {
      const l = parseS3Location(location);
      const list = byBucket.get(l.bucket) ?? [];
      list.push({ l, location });
      byBucket.set(l.bucket, list);
    }
    const failures: DeleteFailure[] = [];
    for (const [bucket, items] of byBucket) {
      for (let i = 0; i < items.length; i += DELETE_BATCH) {
        const batch = items.slice(i, i + DELETE_BATCH);
        const byKey = new Map(batch.map((b) => [b.l.key, b.location]));
        try {
          const r = await this.client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Quiet: true, Objects: batch.map((b) => ({ Key: b.l.key })) } }));
          for (const e of r.Errors ?? []) {
            if (e.Code === 'NoSuchKey') continue;
            failures.push({ location: byKey.get(e.Key ?? '') ?? `s3://${bucket}/${e.Key}`, error: this.redactor.redact(`${e.Code}: ${e.Message ?? ''}`) });
          }
        } catch (err) {
          const e = this.fail(err, 'delete', batch[0]!.l);
          failures.push(...batch.map((b) => ({ location: b.location, error: e.message })));
        }
      }
    }
    return failures;
  }

  /**
   * Whether the store honours `If-None-Match: *`: writes a probe object under `prefix`
   * twice; the second write must be refused. The probe is deleted afterwards.
   */
  async probeConditionalWrites(prefix: string): Promise<boolean> {
    const probe = `${prefix.replace(/\/+$/, '')}/.icetide-conditional-write-probe-${randomUUID()}`;
    try {
      if (!(await this.writeIfAbsent(probe, new TextEncoder().encode('1')))) return false;
      return !(await this.writeIfAbsent(probe, new TextEncoder().encode('2')));
    } catch (err) {
      if (err instanceof UnsupportedError) return false;
      throw err;
    } finally {
      await this.delete(probe).catch(() => undefined);
    }
  }

  /** Closes the client's sockets. */
  destroy(): void {
    this.client.destroy();
  }
}

/** Full-jitter exponential backoff: 100 ms, 200 ms, ... capped at 5 s. */
function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(5_000, 100 * 2 ** (attempt - 1));
  return new Promise((resolve) => setTimeout(resolve, ms));
}
