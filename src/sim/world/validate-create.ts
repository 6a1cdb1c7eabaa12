import { ApiError } from './api-error.js';
import type { BatchRequest } from './api-types.js';

/** "A Message Batch is limited to either 100,000 Message requests or 256 MB in size." */
export const BATCH_REQUESTS_MAX = 100_000;
/** 256 MB, read as 256 × 10^6 bytes: the stricter reading, since the docs do not say MiB. */
export const BATCH_BYTES_MAX = 256_000_000;
export const CUSTOM_ID_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

/** The 413 a body over `bytesMax` gets, naming the API whose limit it passed. */
export const tooLarge = (bytesMax: number, api: string): ApiError =>
  new ApiError(
    'request_too_large',
    `Request exceeds the maximum allowed number of bytes. The maximum request size is ${bytesMax / 1_000_000} MB for the ${api}.`,
  );

const invalid = (message: string): ApiError => new ApiError('invalid_request_error', message);

/**
 * Create-time (synchronous) validation with the real API's messages. It stops at the first
 * problem, as the API does; per-request `params` are checked later, as errored result rows.
 */
export function validateCreate(
  bodyText: string,
  bodyBytes: number,
  bytesMax = BATCH_BYTES_MAX,
): BatchRequest[] {
  if (bodyBytes > bytesMax) throw tooLarge(bytesMax, 'Message Batches API');
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch (error) {
    throw invalid(`The request body is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(body)) throw invalid('Input should be a valid dictionary or object to extract fields from');
  for (const key of Object.keys(body)) {
    if (key !== 'requests') throw invalid(`${key}: Extra inputs are not permitted`);
  }
  const requests = body.requests;
  if (requests === undefined) throw invalid('requests: Field required');
  if (!Array.isArray(requests)) throw invalid('requests: Input should be a valid list');
  if (requests.length === 0)
    throw invalid('requests: List should have at least 1 item after validation, not 0');
  if (requests.length > BATCH_REQUESTS_MAX) {
    throw invalid(
      `requests: List should have at most ${BATCH_REQUESTS_MAX} items after validation, not ${requests.length}`,
    );
  }
  const seen = new Set<string>();
  for (let i = 0; i < requests.length; i++) {
    const request = checkRequest(requests[i], i);
    if (seen.has(request.custom_id)) {
      throw invalid(
        `requests: custom_id's must be unique within a batch. Duplicate custom_id found: ${request.custom_id}`,
      );
    }
    seen.add(request.custom_id);
  }
  return requests as BatchRequest[];
}

function checkRequest(item: unknown, i: number): BatchRequest {
  const at = `requests.${i}`;
  if (!isObject(item))
    throw invalid(`${at}: Input should be a valid dictionary or object to extract fields from`);
  for (const key of Object.keys(item)) {
    if (key !== 'custom_id' && key !== 'params')
      throw invalid(`${at}.${key}: Extra inputs are not permitted`);
  }
  const id = item.custom_id;
  if (id === undefined) throw invalid(`${at}.custom_id: Field required`);
  if (typeof id !== 'string') throw invalid(`${at}.custom_id: Input should be a valid string`);
  if (id.length === 0) throw invalid(`${at}.custom_id: String should have at least 1 character`);
  if (id.length > 64) throw invalid(`${at}.custom_id: String should have at most 64 characters`);
  if (!CUSTOM_ID_PATTERN.test(id)) {
    throw invalid(`${at}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`);
  }
  if (item.params === undefined) throw invalid(`${at}.params: Field required`);
  if (!isObject(item.params)) throw invalid(`${at}.params: Input should be a valid dictionary`);
  return item as unknown as BatchRequest;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
