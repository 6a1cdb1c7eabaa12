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

/**
 * The response with its body ended in the middle of a line, after about `keepShare` of its
 * `content-length` bytes: never just after a line break, and never past the last line's start.
 */
export function cutBody(response: Response, keepShare: number): Response {
  const total = Number(response.headers.get('content-length') ?? 0);
  if (!response.body || total < 3) return response;
  const target = Math.min(Math.max(1, Math.floor(total * keepShare)), total - 2);
  const reader = response.body.getReader();
  let sent = 0;
  let last = -1;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await reader.read();
      if (next.done) return controller.close();
      const chunk = next.value;
      const cut = sent + chunk.length >= target ? cutPoint(chunk, target - sent, last) : -1;
      if (cut < 0) {
        sent += chunk.length;
        last = chunk[chunk.length - 1]!;
        return controller.enqueue(chunk);
      }
      if (cut > 0) controller.enqueue(chunk.subarray(0, cut));
      controller.close();
      await reader.cancel();
    },
    cancel: () => reader.cancel(),
  });
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  return new Response(body, { status: response.status, headers });
}

const NEWLINE = 10;

/** Where in `chunk` to cut at or after `at` so that the byte before the cut is not a line break. */
function cutPoint(chunk: Uint8Array, at: number, lastBefore: number): number {
  for (let k = Math.max(0, at); k < chunk.length; k++) {
    const before = k === 0 ? lastBefore : chunk[k - 1]!;
    if (before !== NEWLINE && chunk[k] !== NEWLINE) return k;
  }
  return chunk.length - 1;
}
