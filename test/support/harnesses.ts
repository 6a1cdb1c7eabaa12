import type Anthropic from '@anthropic-ai/sdk';
import { makeClient } from '../../src/pipeline/client.js';
import { apiHandlers } from '../../src/sim/http/api-handlers.js';
import { startSimServer } from '../../src/sim/http/sim-server.js';
import { SimClock } from '../../src/sim/sim-clock.js';
import { inProcessWorld } from '../../src/sim/sim-world.js';
import { BatchWorld, type WorldOptions } from '../../src/sim/world/batch-world.js';

export interface Harness {
  client: Anthropic;
  world: BatchWorld;
  clock: SimClock;
  /** A raw fetch that reaches the world, for requests the SDK would not send. */
  fetch: typeof fetch;
  baseURL: string;
  close(): Promise<void>;
}

export type HarnessOptions = Omit<WorldOptions, 'clock'>;

/** The two adapters over one world: msw handlers in-process, and a real node:http server. */
export const ADAPTERS: { name: string; start(options: HarnessOptions): Promise<Harness> }[] = [
  {
    name: 'in-process fetch',
    start: async (options) => {
      const sim = inProcessWorld(options);
      return {
        client: makeClient({ apiKey: 'sim-key', baseURL: sim.baseURL, fetch: sim.fetch }),
        world: sim.world,
        clock: sim.clock,
        fetch: sim.fetch,
        baseURL: sim.baseURL,
        close: async () => sim.world.dispose(),
      };
    },
  },
  {
    name: 'real HTTP server',
    start: async (options) => {
      const clock = new SimClock();
      const world = new BatchWorld({ ...options, clock });
      const server = await startSimServer(world, apiHandlers(world), 0);
      return {
        client: makeClient({ apiKey: 'sim-key', baseURL: server.url, fetch: globalThis.fetch }),
        world,
        clock,
        fetch: globalThis.fetch,
        baseURL: server.url,
        close: async () => {
          await server.close();
          world.dispose();
        },
      };
    },
  },
];

/** Read a whole results download into an array (fine for the small batches tests use). */
export async function allResults(client: Anthropic, batchId: string) {
  const rows = [];
  for await (const row of await client.messages.batches.results(batchId)) rows.push(row);
  return rows;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
