import { UsageError } from '../core/errors.js';
import { realClock } from '../core/real-clock.js';
import { parseRfc3339 } from '../core/rfc3339.js';
import { jobTask } from '../drills/job-task.js';
import { loadScenario, type Scenario } from '../drills/scenario.js';
import { loadJob } from '../pipeline/job/load-job.js';
import { backgroundHttpFaults } from '../sim/faults/background-http.js';
import { FAULT_FAMILIES } from '../sim/faults/fault-catalog.js';
import { adminHandlers } from '../sim/http/admin-handlers.js';
import { apiHandlers } from '../sim/http/api-handlers.js';
import { startSimServer } from '../sim/http/sim-server.js';
import { ScaledClock, SIM_EPOCH_MS } from '../sim/sim-clock.js';
import { BatchWorld } from '../sim/world/batch-world.js';
import { withArgs } from './parse-command.js';

/** `batchguard serve`: the simulated API over real HTTP until interrupted. */
export const serveCommand = withArgs('serve', async ({ values }, io) => {
  const { port, 'time-scale': scale, 'queue-limit': queueLimit } = values;
  const scenario = values.scenario === undefined ? null : await loadScenario(values.scenario);
  const seed = values.seed ?? scenario?.seed ?? 1;
  const host = values.host ?? '127.0.0.1';
  const apiKey = values['api-key'];
  if (apiKey === '')
    throw new UsageError(
      'usage',
      'Invalid --api-key "": a key the server would match no request against.',
      'Pass --api-key KEY, or leave it out to accept any key.',
    );
  const clock = new ScaledClock(realClock, scale, startFlag(values.start));
  // With --job, the simulated model learns that job's task, as `run` in simulation teaches it, so
  // a live-mode rehearsal of the job against this server gets answers it can judge.
  const task = values.job === undefined ? undefined : jobTask(await loadJob(values.job));
  const world = new BatchWorld({
    task,
    seed,
    clock,
    apiKey,
    queueRequestsMax: queueLimit,
    releaseSettledRequests: true,
    faults: scenario?.faults.map(({ name, params }) => FAULT_FAMILIES[name].build(params)),
    httpFaults: scenario ? backgroundHttpFaults(scenario.http.rate, scenario.http.rates) : [],
  });
  const handlers = [...adminHandlers(world, clock), ...apiHandlers(world)];
  const server = await startSimServer(world, handlers, port, host).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE' || error.code === 'EACCES') {
      throw new UsageError(
        'port_unavailable',
        `Failed to listen on ${host}:${port}: ${error.code}.`,
        'Choose another --port (or --port 0 for any free one).',
      );
    }
    if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') {
      throw new UsageError(
        'host_unavailable',
        `Failed to listen on ${host}:${port}: ${error.code} (not an address of this machine).`,
        'Pass --host an address of this machine: 127.0.0.1 (the default) or 0.0.0.0 for every interface.',
      );
    }
    throw error;
  });
  io.out(`seed: ${seed}`);
  if (scenario) for (const line of scenarioLines(scenario, world)) io.out(line);
  io.out(
    `[sim] Message Batches API on ${server.url} (virtual time ×${scale}; advance: POST ${server.url}/_sim/clock/advance)`,
  );
  io.out(
    `[sim] point a client at it: ANTHROPIC_BASE_URL=${server.url} ANTHROPIC_API_KEY=${apiKey ?? 'sim-key'}` +
      (apiKey === undefined ? ' (any key is accepted)' : ''),
  );
  await io.untilInterrupted();
  await server.close();
  world.dispose();
  io.out('[sim] stopped');
  return 0;
});

/**
 * What of a scenario a server can act out: the faults' hooks on the API (errors, drops, drift,
 * duplicates, expiry, lost responses) and the HTTP background. What a drill does to its own job,
 * rows or process (a poisoned template, planted injections, a crash) needs a drill, not a server.
 */
function scenarioLines(scenario: Scenario, world: BatchWorld): string[] {
  const lines = [`[sim] scenario ${scenario.name}: ${scenario.title}`];
  for (const fault of world.faultList()) {
    const onApi = ['httpFaults', 'processing', 'plan', 'afterCreate', 'reply', 'lines', 'extraLines'].some(
      (hook) => hook in fault && (hook !== 'httpFaults' || (fault.httpFaults ?? []).length > 0),
    );
    const drillOnly = fault.prepare !== undefined || fault.crash !== undefined;
    lines.push(
      `[sim]   ${fault.name}: ${onApi ? 'acts on the API' : 'nothing on the API'}` +
        (drillOnly
          ? '; its changes to a job, its rows or its process happen only in `batchguard drill`'
          : ''),
    );
  }
  if (scenario.http.rate > 0 || Object.keys(scenario.http.rates).length > 0)
    lines.push(`[sim]   background HTTP faults at ${(100 * scenario.http.rate).toFixed(1)} % of calls`);
  return lines;
}

/**
 * `--start TIME`: the world's clock starts there (RFC 3339) instead of 2026-01-01, so a client
 * can be tried against an API whose clock is hours ahead of, or behind, its own.
 */
function startFlag(value: string | undefined): number {
  if (value === undefined) return SIM_EPOCH_MS;
  try {
    return parseRfc3339(value);
  } catch {
    throw new UsageError(
      'usage',
      `Invalid --start "${value}": not an RFC 3339 time.`,
      'Pass a time such as 2026-12-06T09:00:00Z.',
    );
  }
}
