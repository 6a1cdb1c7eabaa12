import { getResponse, type HttpHandler } from 'msw';
import type { BatchWorld } from '../world/batch-world.js';
import { notFoundResponse } from './api-handlers.js';

/**
 * A `fetch` that serves requests from msw handlers in-process, to hand to the SDK as its
 * `fetch` option. It uses `getResponse` rather than a global `setupServer`: with msw 2.15,
 * cancelling a mocked error body under `setupServer` never settles and hangs the SDK's retries.
 */
export function simFetch(world: BatchWorld, handlers: readonly HttpHandler[]): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const response = (await getResponse([...handlers], request)) ?? notFoundResponse(world);
    // A dropped connection, as undici reports one.
    if (response.type === 'error')
      throw new TypeError('fetch failed', { cause: new Error('socket hang up') });
    return response;
  };
}
