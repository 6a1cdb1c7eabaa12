import { parseArgs } from 'node:util';
import { UsageError } from '../core/errors.js';
import { realClock } from '../core/real-clock.js';
import { adminHandlers } from '../sim/http/admin-handlers.js';
import { apiHandlers } from '../sim/http/api-handlers.js';
import { startSimServer } from '../sim/http/sim-server.js';
import { SEED_MAX } from '../sim/seed.js';
import { ScaledClock } from '../sim/sim-clock.js';
import { BatchWorld } from '../sim/world/batch-world.js';
import { intFlag, positiveFlag } from './args.js';
import type { Io } from './io.js';
import { USAGE } from './usage.js';

const _SERVE_USAGE = USAGE.serve;

/** `batchguard serve`: the simulated API over real HTTP until interrupted. */
export async function serveCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      seed: { type: 'string' },
      'time-scale': { type: 'string' },
      'api-key': { type: 'string' },
    },
    strict: true,
  });
  const port = intFlag('port', values.port, 4010, 0, 65_535);
  const seed = intFlag('seed', values.seed, 1, 0, SEED_MAX);
  const scale = positiveFlag('time-scale', values['time-scale'], 60, 1_000_000);
  const host = values.host ?? '127.0.0.1';
  const clock = new ScaledClock(realClock, scale);
  const world = new BatchWorld({ seed, clock, apiKey: values['api-key'] });
  const handlers = [...adminHandlers(world, clock), ...apiHandlers(world)];
  const server = await startSimServer(world, handlers, port, host).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE' || error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL') {
      throw new UsageError(
        'port_unavailable',
        `Failed to listen on ${host}:${port}: ${error.code}.`,
        'Choose another --port (or --port 0 for any free one).',
      );
    }
    throw error;
  });
  io.out(`seed: ${seed}`);
  io.out(
    `[sim] Message Batches API on ${server.url} (virtual time ×${scale}; advance: POST ${server.url}/_sim/clock/advance)`,
  );
  io.out(`[sim] point a client at it: ANTHROPIC_BASE_URL=${server.url} ANTHROPIC_API_KEY=sim-key`);
  await io.untilInterrupted();
  await server.close();
  world.dispose();
  io.out('[sim] stopped');
  return 0;
}
