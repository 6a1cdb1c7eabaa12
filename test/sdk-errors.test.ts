import Anthropic, {
  AuthenticationError,
  BadRequestError,
  ContentTooLargeError,
  InternalServerError,
  OverloadedError,
  RateLimitError,
} from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { withRetries } from '../src/pipeline/retry.js';
import { overloaded, rateLimited, serverError } from '../src/sim/faults/http-fault.js';
import { ADAPTERS, type Harness } from './support/harnesses.js';
import { reviewRequest, reviewRequests } from './support/requests.js';

const HEADERS = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' };

describe.each(ADAPTERS)('API errors as the official SDK sees them ($name)', (adapter) => {
  let h: Harness;
  const start = async (options: Parameters<typeof adapter.start>[0] = { seed: 11 }) => {
    h = await adapter.start(options);
    return h;
  };
  afterEach(async () => h?.close());

  const createError = async (body: unknown) =>
    (await start()).client.messages.batches.create(body as never).then(
      () => {
        throw new Error('create was accepted');
      },
      (e: unknown) => e as BadRequestError,
    );

  it.each([
    [
      'a duplicate custom_id',
      { requests: [reviewRequest('dup', 'a'), reviewRequest('dup', 'b')] },
      "requests: custom_id's must be unique within a batch. Duplicate custom_id found: dup",
    ],
    [
      'a custom_id over 64 characters',
      { requests: [reviewRequest('x'.repeat(65), 'a')] },
      'requests.0.custom_id: String should have at most 64 characters',
    ],
    [
      'a custom_id with characters outside the pattern',
      { requests: [reviewRequest('has space', 'a')] },
      "requests.0.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'",
    ],
    [
      'a missing custom_id',
      { requests: [{ params: reviewRequest('a', 'a').params }] },
      'requests.0.custom_id: Field required',
    ],
    [
      'an empty request list',
      { requests: [] },
      'requests: List should have at least 1 item after validation, not 0',
    ],
    ['missing params', { requests: [{ custom_id: 'a' }] }, 'requests.0.params: Field required'],
  ])('refuses %s at create with a 400 and the real message', async (_, body, message) => {
    const error = await createError(body);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.status).toBe(400);
    expect(error.type).toBe('invalid_request_error');
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message } });
  });

  it('refuses more than 100,000 requests', async () => {
    const error = await createError({ requests: reviewRequests(100_001) });
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toContain(
      'requests: List should have at most 100000 items after validation, not 100001',
    );
  });

  it('refuses a body over the size limit with 413 request_too_large', async () => {
    const { client } = await start({ seed: 1, batchBytesMax: 10_000 });
    const error = await client.messages.batches
      .create({ requests: reviewRequests(100) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContentTooLargeError);
    expect((error as ContentTooLargeError).type).toBe('request_too_large');
  });

  it('refuses a body that is not JSON', async () => {
    const { fetch, baseURL } = await start();
    const response = await fetch(`${baseURL}/v1/messages/batches`, {
      method: 'POST',
      headers: { ...HEADERS, 'x-api-key': 'k' },
      body: '{"requests": [',
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error.message).toMatch(/^The request body is not valid JSON: /);
  });

  it('answers 401 authentication_error without a key, and accepts x-api-key or a bearer token', async () => {
    const { fetch, baseURL } = await start();
    const list = (headers: Record<string, string>) =>
      fetch(`${baseURL}/v1/messages/batches`, { headers: { ...HEADERS, ...headers } });
    const denied = await list({});
    expect(denied.status).toBe(401);
    const body = await denied.json();
    expect(body).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    expect(body.request_id).toBe(denied.headers.get('request-id'));
    expect((await list({ 'x-api-key': 'k' })).status).toBe(200);
    expect((await list({ authorization: 'Bearer k' })).status).toBe(200);
  });

  it('maps a wrong key to the SDK AuthenticationError when the world has one key', async () => {
    const { baseURL, fetch } = await start({ seed: 1, apiKey: 'right' });
    const client = new Anthropic({ apiKey: 'wrong', baseURL, fetch, maxRetries: 0 });
    const error = await client.messages.batches.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).requestID).toMatch(/^req_011C/);
  });

  it('answers list limits outside 1..1000 with a 400', async () => {
    const { client } = await start();
    await expect(client.messages.batches.list({ limit: 1001 })).rejects.toThrow(
      'limit: Input should be less than or equal to 1000',
    );
    await expect(client.messages.batches.list({ limit: 0 })).rejects.toBeInstanceOf(BadRequestError);
  });

  it('raises RateLimitError, OverloadedError and InternalServerError for 429, 529 and 500', async () => {
    const { client, clock } = await start({
      seed: 3,
      httpFaults: [
        rateLimited({ rate: 1, retryAfterSeconds: 1, routes: ['list'] }),
        overloaded({ rate: 1, routes: ['create'] }),
        serverError({ rate: 1, routes: ['count_tokens'] }),
      ],
    });
    await expect(client.messages.batches.list()).rejects.toBeInstanceOf(RateLimitError);
    clock.advance(1_000); // the 429's window covers every route until retry-after passes
    await expect(client.messages.batches.create({ requests: reviewRequests(1) })).rejects.toBeInstanceOf(
      OverloadedError,
    );
    const { params } = reviewRequest('a', 'b');
    await expect(
      client.messages.countTokens({ model: params.model, messages: params.messages }),
    ).rejects.toBeInstanceOf(InternalServerError);
  });

  it('retries a 429 after its retry-after on the virtual clock, and refuses a retry that comes early', async () => {
    const { client, clock, world } = await start({
      seed: 5,
      httpFaults: [rateLimited({ rate: 1, retryAfterSeconds: 30, routes: ['list'] })],
    });
    await expect(client.messages.batches.list()).rejects.toBeInstanceOf(RateLimitError);
    const early = (await client.messages.batches.list().catch((e: unknown) => e)) as RateLimitError;
    expect(early).toBeInstanceOf(RateLimitError);
    expect(early.headers?.get('retry-after')).toBe('30');

    const before = clock.now();
    const delays: number[] = [];
    const page = await withRetries(
      () => client.messages.batches.list(),
      clock,
      undefined,
      (_, ms) => delays.push(ms),
    );
    expect(page.data).toEqual([]);
    expect(delays).toEqual([30_000]);
    expect(clock.now() - before).toBe(30_000);
    expect(world.groundTruth().httpFaults.map((f) => f.name)).toEqual([
      'rate_limited',
      'rate_limit_window',
      'rate_limit_window',
    ]);
  });

  it('retries a 529 with backoff on the virtual clock until it succeeds', async () => {
    const { client, clock } = await start({
      seed: 5,
      httpFaults: [overloaded({ rate: 1, attemptsMax: 2, routes: ['list'] })],
    });
    const before = clock.now();
    const page = await withRetries(() => client.messages.batches.list(), clock);
    expect(page.data).toEqual([]);
    expect(clock.now() - before).toBe(500 + 1_000);
  });

  it("lets the SDK's own retries finish through the adapter (no hang on a mocked error body)", async () => {
    await start({ seed: 5, httpFaults: [overloaded({ rate: 1, routes: ['list'] })] });
    const client = new Anthropic({ apiKey: 'k', baseURL: h.baseURL, fetch: h.fetch, maxRetries: 2 });
    const page = await client.messages.batches.list();
    expect(page.data).toEqual([]);
    expect(h.world.groundTruth().httpFaults).toHaveLength(1);
  });
});
