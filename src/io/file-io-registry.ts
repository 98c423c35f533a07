import { UnsupportedError } from '../errors.js';
import type { FileIO } from './file-io.js';
import { LocalFileIO } from './local-file-io.js';
import { isLocalLocation } from './location.js';
import { S3FileIO } from './s3-file-io.js';
import { isS3Location } from './s3-location.js';
import type { StorageConfig } from './storage-config.js';
import { WebHdfsFileIO } from './webhdfs-file-io.js';
import { isWebHdfsLocation } from './webhdfs-location.js';

/**
 * The FileIO for a warehouse or table location, chosen by its scheme: `s3://`/`s3a://` ->
 * S3FileIO (configured by `storage.s3`, else the AWS default chain), `hdfs://`/`webhdfs://`/
 * `swebhdfs://` -> WebHdfsFileIO (`storage.hdfs`), a path or `file:` -> LocalFileIO. Other
 * schemes are refused by name.
 */
export function fileIOFor(location: string, storage: StorageConfig = {}): FileIO {
  if (isS3Location(location)) return new S3FileIO(storage.s3 ?? {});
  if (isWebHdfsLocation(location)) return new WebHdfsFileIO(storage.hdfs ?? {});
  if (isLocalLocation(location)) return new LocalFileIO();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(location)?.[1] ?? location;
  throw new UnsupportedError(`${location}: no storage for the ${scheme}:// scheme (supported: local paths, file:, s3://, s3a://, hdfs://, webhdfs://, swebhdfs://)`, { location });
}
