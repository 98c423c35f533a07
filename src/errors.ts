/**
 * Typed errors. Every error says what it was doing and on which thing (file, table, field),
 * and carries a `retriable` flag that retry policies read instead of parsing messages.
 */
export type ErrorContext = Record<string, string | number | bigint | boolean | undefined>;

export class IcetideError extends Error {
  readonly retriable: boolean = false;
  readonly context: ErrorContext;

  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.context = context;
  }

  /** Returns a copy of this error's message prefixed with where it happened. */
  static wrap(err: unknown, what: string, context: ErrorContext = {}): IcetideError {
    if (err instanceof IcetideError) {
      const merged = { ...context, ...err.context };
      const e = new (err.constructor as new (m: string, c: ErrorContext, o?: { cause?: unknown }) => IcetideError)(
        `${what}: ${err.message}`, merged, { cause: err },
      );
      return e;
    }
    const msg = err instanceof Error ? err.message : String(err);
    return new IcetideError(`${what}: ${msg}`, context, { cause: err });
  }
}

/** Table metadata JSON that does not follow the spec; names the field at fault. */
export class InvalidMetadataError extends IcetideError {}

/**
 * Metadata of a format version icetide does not read: written by a newer engine, not damaged
 * (a corrupt-metadata restore must never discard it).
 */
export class UnsupportedFormatVersionError extends InvalidMetadataError {}

/** A manifest, manifest list or other Avro file that cannot be decoded. */
export class InvalidAvroError extends IcetideError {}

/** A data or delete file that cannot be read (truncated, foreign, missing field ids...). */
export class InvalidDataFileError extends IcetideError {}

/** A referenced file that does not exist. */
export class NotFoundError extends IcetideError {}

/**
 * Object storage refused or could not be reached (wrong credentials, missing bucket,
 * unreachable endpoint, throttling past the retries). The message names the bucket/key and
 * what to do; credentials never appear in it. `retriable` is true for throttling, 5xx and
 * network failures (carried in the context, so IcetideError.wrap keeps it).
 */
export class StorageError extends IcetideError {
  override readonly retriable: boolean;
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, context, options);
    this.retriable = context['retriable'] === true;
  }
}

/** The catalog has no such table / namespace. */
export class NoSuchTableError extends IcetideError {}
export class NoSuchNamespaceError extends IcetideError {}
export class AlreadyExistsError extends IcetideError {}

/** A bad argument or an operation the table's state does not allow. */
export class ValidationError extends IcetideError {}

/** Bad configuration: names the key path and what is expected. */
export class ConfigError extends IcetideError {}

/** A feature of the format that icetide does not implement (yet). */
export class UnsupportedError extends IcetideError {}

/**
 * The table moved on between load and commit and the change cannot be re-applied to the new
 * state (a validation rule failed), or the retry budget is exhausted.
 */
export class CommitConflictError extends IcetideError {
  constructor(
    message: string,
    readonly table: string,
    readonly expectedSnapshotId: bigint | undefined,
    readonly foundSnapshotId: bigint | undefined,
    context: ErrorContext = {},
  ) {
    super(message, { table, expected: expectedSnapshotId, found: foundSnapshotId, ...context });
  }
}

/**
 * The catalog's compare-and-swap failed because another writer committed first. The commit
 * loop retries these after re-reading the table.
 */
export class CommitRaceError extends IcetideError {
  override readonly retriable = true;
  constructor(readonly table: string, readonly expectedVersion: string, context: ErrorContext = {}) {
    super(`commit to ${table} lost a race: the metadata pointer is no longer ${expectedVersion}`, { table, expectedVersion, ...context });
  }
}

/** The catalog's database cannot be reached (down, refused, timed out). Names the server, never a password. */
export class CatalogUnavailableError extends IcetideError {
  override readonly retriable = true;
}

/** The catalog's database refused us (login, rights, missing database). Names the server and user. */
export class CatalogAccessError extends IcetideError {}

/** A catalog entry points at a metadata file that does not exist. */
export class MissingMetadataFileError extends NotFoundError {
  constructor(readonly table: string, readonly location: string, context: ErrorContext = {}) {
    super(
      `table ${table}: the catalog points at the metadata file ${location}, which does not exist; restore the file, or point the catalog row at an existing *.metadata.json of this table`,
      { table, location, ...context },
    );
  }
}

/**
 * A commit was sent but its outcome could not be learnt (the catalog answered 5xx, or the
 * connection broke after the request left): the catalog may have applied it. Nothing the
 * commit references may be deleted, and the commit must not be blindly retried (it could land
 * twice). The message names the snapshot to look for and what to do; the context carries
 * `table` and `snapshots` (the ids the commit adds). (Constructor of IcetideError, so wrap keeps it.)
 */
export class CommitStateUnknownError extends IcetideError {}
