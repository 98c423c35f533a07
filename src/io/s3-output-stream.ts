import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, PutObjectCommand, UploadPartCommand, type CompletedPart, type S3Client } from '@aws-sdk/client-s3';
import { IcetideError } from '../errors.js';
import type { OutputStream } from './file-io.js';

/** S3's smallest part (all but the last); AWS, MinIO and Ceph refuse smaller ones. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;

export interface S3OutputStreamOptions {
  readonly bucket: string;
  readonly key: string;
  readonly partSize: number;
  /** Parts uploading at once; memory is at most (partsInFlight + 1) x partSize. */
  readonly partsInFlight: number;
  /** Turns an SDK error into the typed, redacted error of this FileIO. */
  readonly fail: (err: unknown, op: string) => IcetideError;
}

/**
 * A streamed upload: bytes are cut into parts of `partSize`; a file smaller than one part is
 * one PutObject at close(), a bigger one a multipart upload completed at close(). Either way
 * nothing is visible at the key before close(). abort() waits for the parts in flight and
 * aborts the multipart upload, so the store frees them. Each part is a buffer, so the SDK's
 * retries can resend it.
 */
export class S3OutputStream implements OutputStream {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private written = 0;
  private uploadId: string | undefined;
  private readonly parts: CompletedPart[] = [];
  private partCount = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private failure: IcetideError | undefined;
  private state: 'open' | 'closed' | 'aborted' = 'open';

  constructor(private readonly client: S3Client, private readonly o: S3OutputStreamOptions) {}

  get bytesWritten(): number {
    return this.written;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.state !== 'open') throw new IcetideError(`write to s3://${this.o.bucket}/${this.o.key} after close/abort`, { bucket: this.o.bucket, key: this.o.key });
    if (this.failure) throw this.failure;
    // copy: the caller may reuse its buffer once write() resolves
    this.chunks.push(chunk.slice());
    this.buffered += chunk.length;
    this.written += chunk.length;
    while (this.buffered >= this.o.partSize) await this.sendPart(this.takePart(this.o.partSize));
  }

  async close(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closed';
    try {
      if (this.uploadId === undefined) {
        const body = this.takePart(this.buffered);
        await this.client.send(new PutObjectCommand({ Bucket: this.o.bucket, Key: this.o.key, Body: body, ContentLength: body.length }));
        return;
      }
      if (this.buffered > 0) await this.sendPart(this.takePart(this.buffered));
      await this.settle();
      if (this.failure) throw this.failure;
      this.parts.sort((a, b) => a.PartNumber! - b.PartNumber!);
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.o.bucket, Key: this.o.key, UploadId: this.uploadId, MultipartUpload: { Parts: this.parts } }));
    } catch (err) {
      await this.abortUpload();
      throw err instanceof IcetideError ? err : this.o.fail(err, 'upload');
    }
  }

  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    this.chunks = [];
    this.buffered = 0;
    await this.abortUpload();
  }

  /** Frees the parts. Best effort: abort() runs on error paths, where the first error is the one to report. */
  private async abortUpload(): Promise<void> {
    await this.settle();
    if (this.uploadId === undefined) return;
    const uploadId = this.uploadId;
    this.uploadId = undefined;
    await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.o.bucket, Key: this.o.key, UploadId: uploadId })).catch(() => undefined);
  }

  private takePart(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0]!;
      const take = Math.min(c.length, n - off);
      out.set(c.subarray(0, take), off);
      off += take;
      if (take === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(take);
    }
    this.buffered -= n;
    return out;
  }

  private async sendPart(body: Uint8Array): Promise<void> {
    if (this.uploadId === undefined) {
      try {
        const r = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.o.bucket, Key: this.o.key }));
        this.uploadId = r.UploadId;
      } catch (err) {
        throw (this.failure = this.o.fail(err, 'start multipart upload of'));
      }
    }
    // backpressure: at most partsInFlight parts on the wire
    while (this.inFlight.size >= this.o.partsInFlight) await Promise.race(this.inFlight);
    if (this.failure) throw this.failure;
    const partNumber = ++this.partCount;
    const p: Promise<void> = this.client
      .send(new UploadPartCommand({ Bucket: this.o.bucket, Key: this.o.key, UploadId: this.uploadId, PartNumber: partNumber, Body: body, ContentLength: body.length }))
      .then((r) => void this.parts.push({ PartNumber: partNumber, ETag: r.ETag }))
      .catch((err: unknown) => void (this.failure ??= this.o.fail(err, `upload part ${partNumber} of`)))
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private async settle(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }
}
