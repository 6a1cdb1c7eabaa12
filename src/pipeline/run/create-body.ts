import type Anthropic from '@anthropic-ai/sdk';
import type { BatchCreateParams } from '@anthropic-ai/sdk/resources/messages/batches';

/** The SDK's per-request options, as `batches.create` takes them. */
type RequestOptions = NonNullable<Parameters<Anthropic['messages']['batches']['create']>[1]>;

/** Bytes of JSON text gathered before a chunk of a create body goes out. */
export const CREATE_BODY_CHUNK_BYTES = 1 << 20;

/**
 * Batches of at least this many requests have their create body streamed; a smaller body is
 * sent as the SDK sends it, one string, which costs little and which a fetch wrapper (the tests'
 * taps) can read twice, as it cannot a stream.
 */
export const STREAMED_CREATE_REQUESTS_MIN = 10_000;

/**
 * The arguments of `batches.create` for these requests. A large batch's body goes out as a
 * stream, one request serialized at a time: the SDK's own encoder makes the whole body one
 * string (over 200 MB of heap for a full batch of two-byte text), and fetch then copies it into
 * bytes; streamed, a create holds about one chunk. The bytes are the ones
 * `JSON.stringify({ requests })` makes, sent chunked (no Content-Length: counting them would
 * serialize the batch twice). `options.body` replaces the body the SDK would make of the params.
 * A stream is read once: each attempt at a create asks for new arguments.
 */
export function createArgs(
  requests: Iterable<BatchCreateParams.Request>,
  count: number,
): [BatchCreateParams, RequestOptions | undefined] {
  if (count < STREAMED_CREATE_REQUESTS_MIN) return [{ requests: [...requests] }, undefined];
  return [{ requests: [] }, { body: createBody(requests), headers: { 'content-type': 'application/json' } }];
}

/** `{"requests":[…]}` as UTF-8 chunks of about CREATE_BODY_CHUNK_BYTES, made as they are read. */
export async function* createBody(requests: Iterable<BatchCreateParams.Request>): AsyncGenerator<Uint8Array> {
  let text = '{"requests":[';
  let first = true;
  for (const request of requests) {
    text += first ? JSON.stringify(request) : `,${JSON.stringify(request)}`;
    first = false;
    // Characters, not bytes: a chunk of CJK text is up to three times this in UTF-8; still small.
    if (text.length >= CREATE_BODY_CHUNK_BYTES) {
      yield Buffer.from(text, 'utf8');
      text = '';
    }
  }
  yield Buffer.from(`${text}]}`, 'utf8');
}

/**
 * A batch's requests made from its rows each time they are read, skipping the rows `make` turns
 * down (null): what a create sends, without the batch's rendered requests held at once.
 */
export function lazyRequests<T>(
  rows: Iterable<T>,
  make: (row: T) => BatchCreateParams.Request | null,
): Iterable<BatchCreateParams.Request> {
  return {
    *[Symbol.iterator]() {
      for (const row of rows) {
        const request = make(row);
        if (request !== null) yield request;
      }
    },
  };
}
