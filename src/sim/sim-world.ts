import type { HttpHandler } from 'msw';
import { apiHandlers } from './http/api-handlers.js';
import { simFetch } from './http/sim-fetch.js';
import { SimClock } from './sim-clock.js';
import { BatchWorld, SIM_ORIGIN, type WorldOptions } from './world/batch-world.js';

export interface InProcessWorld {
  world: BatchWorld;
  clock: SimClock;
  handlers: HttpHandler[];
  /** Hand this to the SDK as `fetch`. */
  fetch: typeof fetch;
  /** Hand this to the SDK as `baseURL`. */
  baseURL: string;
}

/**
 * A simulated world served in-process: a virtual clock, the world, its msw handlers, and a fetch
 * for the SDK. `new Anthropic({ apiKey, baseURL, fetch, maxRetries: 0 })` then talks to it.
 */
export function inProcessWorld(options: Omit<WorldOptions, 'clock'> & { clock?: SimClock }): InProcessWorld {
  const clock = options.clock ?? new SimClock();
  const world = new BatchWorld({ ...options, clock, origin: options.origin ?? SIM_ORIGIN });
  const handlers = apiHandlers(world);
  return { world, clock, handlers, fetch: simFetch(world, handlers), baseURL: world.origin };
}
