import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.js';
import { BATCH_BYTES_MAX, BATCH_REQUESTS_MAX, validateCreate } from './validate-create.js';

const PARAMS = { model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
const request = (custom_id: unknown, extra: Record<string, unknown> = {}) => ({
  custom_id,
  params: PARAMS,
  ...extra,
});

/** Run validateCreate on `body` as JSON, measuring its bytes as an adapter would. */
function validate(body: unknown) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return validateCreate(text, Buffer.byteLength(text));
}

/** The ApiError `run` throws; fails the test if it returns. */
function thrown(run: () => unknown): ApiError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error('validateCreate accepted the body');
}

const refusal = (body: unknown): ApiError => thrown(() => validate(body));

function expectInvalid(body: unknown, message: string): void {
  const error = refusal(body);
  expect([error.type, error.status, error.message]).toEqual(['invalid_request_error', 400, message]);
}

describe('validateCreate', () => {
  it('returns the requests of a valid body, in order', () => {
    const requests = [request('b'), request('a')];
    expect(validate({ requests })).toEqual(requests);
  });

  it.each([
    [
      'a body that is not an object',
      [1],
      'Input should be a valid dictionary or object to extract fields from',
    ],
    ['a body with no requests', {}, 'requests: Field required'],
    ['requests that are not a list', { requests: 'x' }, 'requests: Input should be a valid list'],
    ['an extra top-level key', { requests: [request('a')], foo: 1 }, 'foo: Extra inputs are not permitted'],
    [
      'a request that is not an object',
      { requests: ['a'] },
      'requests.0: Input should be a valid dictionary or object to extract fields from',
    ],
    [
      'an extra per-request key',
      { requests: [request('a', { method: 'POST' })] },
      'requests.0.method: Extra inputs are not permitted',
    ],
    [
      'a custom_id that is not a string',
      { requests: [request(7)] },
      'requests.0.custom_id: Input should be a valid string',
    ],
    [
      'an empty custom_id',
      { requests: [request('')] },
      'requests.0.custom_id: String should have at least 1 character',
    ],
    [
      'params that are not an object',
      { requests: [{ custom_id: 'a', params: [] }] },
      'requests.0.params: Input should be a valid dictionary',
    ],
  ])('refuses %s with the API message', (_, body, message) => {
    expectInvalid(body, message);
  });

  it('refuses a body that is not JSON, quoting the parser', () => {
    expect(refusal('{"requests": [').message).toMatch(/^The request body is not valid JSON: \S/);
  });

  it('reports only the first problem: top-level keys, then the list, then each request in order', () => {
    expectInvalid({ foo: 1, requests: [] }, 'foo: Extra inputs are not permitted');
    expectInvalid(
      { requests: [request('ok'), request('x'.repeat(65)), { params: PARAMS }] },
      'requests.1.custom_id: String should have at most 64 characters',
    );
    expectInvalid(
      { requests: [request('bad id', { extra: 1 })] },
      'requests.0.extra: Extra inputs are not permitted',
    );
    expectInvalid(
      { requests: [{ custom_id: 'bad id' }] },
      "requests.0.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'",
    );
    expectInvalid(
      { requests: [request('dup'), request('dup'), request('')] },
      "requests: custom_id's must be unique within a batch. Duplicate custom_id found: dup",
    );
  });

  it('accepts a custom_id of 64 characters and refuses one of 65', () => {
    expect(validate({ requests: [request('a'.repeat(64))] })).toHaveLength(1);
    expectInvalid(
      { requests: [request('a'.repeat(65))] },
      'requests.0.custom_id: String should have at most 64 characters',
    );
  });

  it('accepts hyphens, underscores, digits and both cases in a custom_id, and nothing else', () => {
    expect(validate({ requests: [request('A-z_09'), request('-'), request('_')] })).toHaveLength(3);
    for (const id of ['a.b', 'a b', 'é', 'a/b', 'a|b']) {
      expectInvalid(
        { requests: [request(id)] },
        "requests.0.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'",
      );
    }
  });

  it(`accepts ${BATCH_REQUESTS_MAX} requests and refuses one more`, () => {
    const cheap = (n: number) => Array.from({ length: n }, (_, i) => ({ custom_id: `r${i}`, params: {} }));
    expect(validate({ requests: cheap(BATCH_REQUESTS_MAX) })).toHaveLength(BATCH_REQUESTS_MAX);
    expectInvalid(
      { requests: cheap(BATCH_REQUESTS_MAX + 1) },
      `requests: List should have at most ${BATCH_REQUESTS_MAX} items after validation, not ${BATCH_REQUESTS_MAX + 1}`,
    );
  });

  it('accepts a body of exactly bytesMax bytes and refuses one byte more with 413 request_too_large', () => {
    const text = JSON.stringify({ requests: [request('a'), request('b')] });
    const bytes = Buffer.byteLength(text);
    expect(validateCreate(text, bytes, bytes)).toHaveLength(2);
    for (const [bodyBytes, bytesMax] of [
      [bytes + 1, bytes],
      [bytes, bytes - 1],
    ] as const) {
      const error = thrown(() => validateCreate(text, bodyBytes, bytesMax));
      expect([error.type, error.status]).toEqual(['request_too_large', 413]);
      expect(error.message).toBe(
        `Request exceeds the maximum allowed number of bytes. The maximum request size is ${bytesMax / 1e6} MB for the Message Batches API.`,
      );
    }
  });

  it('checks size before anything else, against 256 MB by default', () => {
    expect(BATCH_BYTES_MAX).toBe(256_000_000);
    const error = thrown(() => validateCreate('not even JSON', BATCH_BYTES_MAX + 1));
    expect(error.status).toBe(413);
    expect(error.message).toContain('The maximum request size is 256 MB');
    expect(validateCreate(JSON.stringify({ requests: [request('a')] }), BATCH_BYTES_MAX)).toHaveLength(1);
  });
});
