/**
 * Every error the API returns has one shape: `{ "error": { "code", "message" } }`, with the
 * HTTP status carrying the class (400 bad input, 401 no/wrong token, 404 no such table or
 * route, 409 the table has no watermark yet, 500 a bug or storage failure, 503 the run-history
 * store cannot be reached: retry later).
 */
export type ApiErrorCode = 'bad_request' | 'unauthorized' | 'not_found' | 'no_watermark' | 'internal' | 'unavailable';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: ApiErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiErrorBody {
  readonly error: { readonly code: ApiErrorCode; readonly message: string };
}

export function errorBody(code: ApiErrorCode, message: string): ApiErrorBody {
  return { error: { code, message } };
}
