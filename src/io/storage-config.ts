/**
 * How icetide reaches object storage for a warehouse (`target.storage` in a pipeline,
 * `storage` in the manager config). Every key is optional: without them the AWS SDK's
 * standard chain supplies region and credentials (env, shared config/credentials files,
 * SSO, web identity, container/instance metadata).
 */
export interface S3StorageConfig {
  /** Endpoint override for MinIO/Ceph/other S3-compatible servers, e.g. `http://127.0.0.1:9000`. */
  readonly endpoint?: string;
  readonly region?: string;
  /** `http://endpoint/bucket/key` instead of `http://bucket.endpoint/key` (MinIO, Ceph need it). */
  readonly pathStyle?: boolean;
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly sessionToken?: string;
  /**
   * The store honours `If-None-Match: *` on PUT (AWS S3 since 2024-08, MinIO, recent Ceph):
   * the filesystem catalog may then commit on it. Checked by a probe before use.
   */
  readonly conditionalWrites?: boolean;
  /** Attempts per request, first included (SDK retries and icetide's own for streamed reads; default 5). */
  readonly maxAttempts?: number;
  /** Multipart part size in bytes for streamed uploads (default 8 MiB; S3's minimum is 5 MiB). */
  readonly partSize?: number;
}

/** How icetide reaches HDFS over WebHDFS (`hdfs://`, `webhdfs://`, `swebhdfs://` warehouses). */
export interface HdfsStorageConfig {
  /** The namenode's HTTP(S) address for `hdfs://` locations (default: the location's host, port 9870). */
  readonly namenodeHttp?: string;
  /** `user.name` when security is off. */
  readonly user?: string;
  /** A delegation token when security is on (never logged). */
  readonly delegationToken?: string;
}

export interface StorageConfig {
  readonly s3?: S3StorageConfig;
  readonly hdfs?: HdfsStorageConfig;
}
