import type { Clock } from '../core/clock.js';
import type { AlertOutbox } from './alerts/alert-outbox.js';

/**
 * Everything the pipeline touches the world through. Live mode fills it with the real clock,
 * global fetch and the API's base URL; simulation with a SimClock and the simulated API's fetch.
 * The pipeline never imports the simulation; only the Env it is handed differs.
 */
export interface Env {
  clock: Clock;
  fetch: typeof fetch;
  baseURL: string;
  /** Never written to a file, a table, a report or a log. */
  apiKey: string;
  log: (line: string) => void;
  /**
   * Called at each named crash point of the run (tests and drills throw from it to simulate a
   * crash there). Never set in live mode.
   */
  crashPoint?: (name: string) => void;
  /**
   * Six random hex digits for a run with no seed (live mode): the run's tag, which its
   * custom_ids and fence carry. A seeded run derives its tag from the seed and never calls it.
   */
  randomTag?: () => string;
  /**
   * Has the operator asked, from another process (`batchguard halt`), that this run stop? Read at
   * each poll and between the run's steps; the CLI sets it for live runs.
   */
  haltRequested?: (runId: string) => boolean;
  /**
   * Where alarms that page are POSTed from (alerts/alert-outbox.ts): the real network and real
   * time even in simulation, since a webhook is in the real world; tests hand in their own fetch
   * and sleep. Unset (tests, drills): no alarm pages, every one is only logged.
   */
  alerts?: AlertOutbox;
  /**
   * The wall clock, for the one time a run records beside its virtual ones: when it was made
   * (`runs.made_at`). The CLI sets it; without it (tests) the run's own clock stands in.
   */
  wallClock?: Clock;
}
