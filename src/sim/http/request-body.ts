import type { IncomingMessage } from 'node:http';
import { ApiError } from '../world/api-error.js';
import { BATCH_BYTES_MAX, tooLarge } from '../world/validate-create.js';

/** "Messages 32 MB, Token Counting 32 MB, Batch API 256 MB" (DOCS-ERR's request-size table). */
export const OTHER_BYTES_MAX = 32_000_000;

/** The most bytes a request body may hold, by route; any real server's limit (see sim-server). */
export interface BodyLimits {
  /** A batch create's body, bytes (the API's 256 MB). */
  createBytesMax: number;
  /** Any other route's body, bytes (the API's 32 MB for Messages and Token Counting). */
  otherBytesMax: number;
}

export const API_BODY_LIMITS: BodyLimits = {
  createBytesMax: BATCH_BYTES_MAX,
  otherBytesMax: OTHER_BYTES_MAX,
};

/** What reading a body came to: its bytes, or the API error to answer instead. */
export type BodyRead = { ok: true; bytes: Uint8Array<ArrayBuffer> } | { ok: false; error: ApiError };

/** The limit for a request's route, and the API it belongs to, for the 413's message. */
export function limitFor(method: string, pathname: string, limits: BodyLimits): [number, string] {
  if (method === 'POST' && /\/v1\/messages\/batches\/?$/.test(pathname))
    return [limits.createBytesMax, 'Message Batches API'];
  if (/\/v1\/messages\/count_tokens\/?$/.test(pathname)) return [limits.otherBytesMax, 'Token Counting API'];
  return [limits.otherBytesMax, 'Messages API'];
}

/**
 * Read a request's body, holding at most `bytesMax` bytes: a body declared larger in its
 * `Content-Length` is refused before a byte is read, and a chunked one as soon as its count
 * passes the limit; what follows is discarded as it arrives, never kept. `stalled` settles
 * when the client has sent nothing for too long: the body is then refused as incomplete.
 */
export function readBody(
  req: IncomingMessage,
  bytesMax: number,
  api: string,
  stalled: Promise<void>,
): Promise<BodyRead> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > bytesMax) return Promise.resolve({ ok: false, error: tooLarge(bytesMax, api) });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let settled = false;
    const settle = (outcome: BodyRead | Error) => {
      if (settled) return;
      settled = true;
      chunks.length = 0;
      req.off('data', onData).off('end', onEnd).off('error', onGone).off('close', onClose);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > bytesMax) settle({ ok: false, error: tooLarge(bytesMax, api) });
      else chunks.push(chunk);
    };
    const onEnd = () => settle({ ok: true, bytes: Buffer.concat(chunks, bytes) });
    const onGone = (error: Error) => settle(error);
    const onClose = () => settle(new Error('the client closed the connection before its body ended'));
    req.on('data', onData).on('end', onEnd).on('error', onGone).on('close', onClose);
    stalled.then(() => settle({ ok: false, error: incompleteBody(bytes, declared) }));
  });
}

/** The answer to a body that stopped coming: a 400, as a proxy in front of the API gives one. */
function incompleteBody(received: number, declared: number): ApiError {
  const of = Number.isFinite(declared) ? ` of the ${declared} its Content-Length declared` : '';
  return new ApiError(
    'invalid_request_error',
    `The request body stopped arriving: ${received} bytes${of} came, then nothing. Send the whole body, or no Content-Length larger than it.`,
  );
}
