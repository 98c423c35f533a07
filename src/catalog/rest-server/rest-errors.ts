import {
  AlreadyExistsError,
  CatalogUnavailableError,
  CommitConflictError,
  CommitRaceError,
  IcetideError,
  NoSuchNamespaceError,
  NoSuchTableError,
  UnsupportedError,
  ValidationError,
  type ErrorContext,
} from '../../errors.js';
import type { IcebergErrorResponse } from './rest-wire.js';

/**
 * An answer the REST server gives on purpose: the HTTP status and the exception type name the
 * spec's clients map to their own exceptions (Iceberg Java's ErrorHandlers read `type`).
 */
export class RestError extends IcetideError {
  constructor(readonly status: number, readonly type: string, message: string, context: ErrorContext = {}) {
    super(message, context);
  }
}

export const badRequest = (message: string, context: ErrorContext = {}) => new RestError(400, 'BadRequestException', message, context);

/** A requirement of a commit that the table's current metadata does not meet (409, as Java's CommitFailedException). */
export function requirementFailed(table: string, requirement: string, problem: string): RestError {
  return new RestError(409, 'CommitFailedException', `Requirement failed: ${requirement} on ${table}: ${problem}; reload the table and retry`, { table, requirement });
}

/** Maps a catalog or core error to the status and type a REST client expects. */
export function restErrorOf(err: unknown): RestError {
  if (err instanceof RestError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof NoSuchTableError) return new RestError(404, 'NoSuchTableException', message);
  if (err instanceof NoSuchNamespaceError) return new RestError(404, 'NoSuchNamespaceException', message);
  if (err instanceof AlreadyExistsError) return new RestError(409, 'AlreadyExistsException', message);
  if (err instanceof CommitRaceError || err instanceof CommitConflictError) return new RestError(409, 'CommitFailedException', message);
  if (err instanceof ValidationError) return new RestError(400, 'BadRequestException', message);
  if (err instanceof UnsupportedError) return new RestError(406, 'UnsupportedOperationException', message);
  if (err instanceof CatalogUnavailableError) return new RestError(503, 'ServiceUnavailableException', message);
  return new RestError(500, 'ServiceFailureException', message);
}

export function errorResponse(e: RestError): IcebergErrorResponse {
  return { error: { message: e.message, type: e.type, code: e.status } };
}
