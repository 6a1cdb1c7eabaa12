import type { ApiError } from '../world/api-error.js';

/** A JSON response with the API's headers. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** The API's error envelope, with the same id in the body and the `request-id` header. */
export function errorResponse(error: ApiError, requestId: string): Response {
  return jsonResponse(error.status, error.envelope(requestId), { ...error.headers, 'request-id': requestId });
}

/** A byte stream that pulls one chunk at a time, so a large results file is never held whole. */
export function byteStream(chunks: Iterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = chunks[Symbol.iterator]();
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel() {
      iterator.return?.();
    },
  });
}
