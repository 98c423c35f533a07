import { ValidationError } from '../errors.js';

/** `s3://bucket/key` or `s3a://bucket/key` (Hadoop's spelling of the same object). */
export interface S3Location {
  readonly scheme: 's3' | 's3a';
  readonly bucket: string;
  /** The object key (no leading slash); empty for the bucket itself. */
  readonly key: string;
}

const S3_URI = /^(s3a?):\/\/([^/]+)(?:\/(.*))?$/i;

export function isS3Location(location: string): boolean {
  return /^s3a?:\/\//i.test(location);
}

export function parseS3Location(location: string): S3Location {
  const m = S3_URI.exec(location);
  if (!m) throw new ValidationError(`${location} is not an S3 location (expected s3://bucket/key or s3a://bucket/key)`, { location });
  return { scheme: m[1]!.toLowerCase() as 's3' | 's3a', bucket: m[2]!, key: (m[3] ?? '').replace(/^\/+/, '') };
}

export function formatS3Location(l: S3Location): string {
  return `${l.scheme}://${l.bucket}/${l.key}`;
}
