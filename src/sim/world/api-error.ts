import type { ErrorType } from './api-types.js';

/** HTTP status for each error type (DOCS-ERR). */
export const STATUS_OF: Record<ErrorType, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/**
 * An error the world answers with: the real API's status, `error.type` and message. Adapters
 * turn it into `{type:"error", error:{type, message}, request_id}` plus a `request-id` header.
 */
export class ApiError extends Error {
  readonly status: number;

  constructor(
    readonly type: ErrorType,
    message: string,
    /** Extra response headers, e.g. `retry-after` on a 429. */
    readonly headers: Record<string, string> = {},
    status?: number,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status ?? STATUS_OF[type];
  }

  /** The JSON error envelope the API sends. */
  envelope(requestId: string | null): {
    type: 'error';
    error: { type: ErrorType; message: string };
    request_id: string | null;
  } {
    return { type: 'error', error: { type: this.type, message: this.message }, request_id: requestId };
  }
}

export const notFoundBatch = (id: string): ApiError =>
  new ApiError('not_found_error', `Message Batch ${id} not found.`);
