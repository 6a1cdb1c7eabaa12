import type { Scenario } from '../drills/scenario.js';
import { AlertOutbox } from '../pipeline/alerts/alert-outbox.js';
import type { Env } from '../pipeline/env.js';
import type { Job } from '../pipeline/job/job.js';
import type { BatchWorld } from '../sim/world/batch-world.js';
import type { Io } from './io.js';

/** The environment of a simulated `batchguard run`, and the world behind it. */
export interface SimulatedEnv {
  env: Env;
  world: BatchWorld;
}

/**
 * The in-process simulated API a `run` without `--live` talks to: seeded, answering the job's own
 * task, with a scenario's faults if one is given. Its modules load only here, so a live run never
 * pays for them.
 */
export async function simulatedEnv(
  job: Job,
  seed: number,
  scenario: Scenario | null,
  io: Pick<Io, 'err' | 'clock'>,
): Promise<SimulatedEnv> {
  const { inProcessWorld } = await import('../sim/sim-world.js');
  const { jobTask } = await import('../drills/job-task.js');
  const { FAULT_FAMILIES } = await import('../sim/faults/fault-catalog.js');
  const { backgroundHttpFaults } = await import('../sim/faults/background-http.js');
  const sim = inProcessWorld({
    seed,
    // The simulated model learns the job's task (its schema, golden answers, quote fields), as a
    // real model would be asked it: any job, not only the example, gets answers it can judge.
    task: jobTask(job),
    faults: scenario?.faults.map(({ name, params }) => FAULT_FAMILIES[name].build(params)),
    httpFaults: scenario ? backgroundHttpFaults(scenario.http.rate, scenario.http.rates) : [],
    // Nothing reads a batch's requests once its results are written (a drill's checkers do, and
    // a drill builds its own world): dropped then, a run of millions of rows keeps only the
    // batches in flight in memory, not every request it ever sent (1.8 GB at 1,000,000 rows).
    releaseSettledRequests: true,
  });
  return {
    world: sim.world,
    env: {
      clock: sim.clock,
      fetch: sim.fetch,
      baseURL: sim.baseURL,
      apiKey: 'sim-key',
      log: io.err,
      // Alarms page over the real network (not sim.fetch, the simulated API): the hook is real.
      alerts: new AlertOutbox({ log: io.err }),
      wallClock: io.clock,
    },
  };
}
