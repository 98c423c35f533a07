import { ConfigError } from '../errors.js';
import { fileIOFor } from '../io/file-io-registry.js';
import { S3FileIO } from '../io/s3-file-io.js';
import { isS3Location } from '../io/s3-location.js';
import type { StorageConfig } from '../io/storage-config.js';
import { FilesystemCatalog } from './filesystem-catalog.js';

/**
 * Why the filesystem catalog cannot run on this warehouse, or undefined when it can. Its
 * commit is "create v(N+1).metadata.json only if absent": on S3 (no atomic rename, no
 * exclusive create) that is safe only with conditional PUTs, which the user must vouch for
 * with `conditional-writes: true` (and which a probe then checks).
 */
export function filesystemCatalogStorageProblem(warehouse: string, storage: StorageConfig): string | undefined {
  if (!isS3Location(warehouse) || storage.s3?.conditionalWrites === true) return undefined;
  return (
    `the filesystem catalog cannot commit safely on ${warehouse}: S3 has no atomic rename or exclusive create, so two writers could both ` +
    `commit the same version. Use the SQL catalog (target.catalog: sql) for tables on S3, or, if the store honours conditional PUTs ` +
    `(If-None-Match: *, as AWS S3 and MinIO do), set target.storage.s3.conditional-writes: true`
  );
}

/**
 * A FilesystemCatalog over the warehouse's storage. On S3 it needs `conditional-writes: true`
 * and a store that passes the conditional-write probe; otherwise a ConfigError says why and
 * what to use instead.
 */
export async function openFilesystemCatalog(warehouse: string, storage: StorageConfig = {}, keyPath = 'target.warehouse'): Promise<FilesystemCatalog> {
  const problem = filesystemCatalogStorageProblem(warehouse, storage);
  if (problem) throw new ConfigError(`${keyPath}: ${problem}`, { path: keyPath, warehouse });
  const io = fileIOFor(warehouse, storage);
  if (io instanceof S3FileIO && !(await io.probeConditionalWrites(warehouse))) {
    throw new ConfigError(
      `${keyPath}: conditional-writes is set, but ${io.config.endpoint ?? 'the S3 endpoint'} ignored If-None-Match on a probe write under ${warehouse}: ` +
        `the filesystem catalog's commits would not be atomic there. Use the SQL catalog (target.catalog: sql)`,
      { path: keyPath, warehouse },
    );
  }
  return new FilesystemCatalog(warehouse, io);
}
