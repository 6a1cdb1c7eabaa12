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

/** A byte stream that pulls one text chunk at a time, so a large results file is never held whole. */
export function textStream(chunks: Iterable<string>): ReadableStream<Uint8Array> {
  const iterator = chunks[Symbol.iterator]();
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    cancel() {
      iterator.return?.();
    },
  });
}
