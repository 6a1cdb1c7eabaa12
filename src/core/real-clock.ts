import { randomBytes } from 'node:crypto';
import type { Clock } from './clock.js';

/**
 * The only module in src/ allowed to read the wall clock or real timers (the tidy test enforces
 * it). Everything else receives a Clock.
 */
export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** A monotonic real-time reading in milliseconds, for benchmarks and serve's time scaling. */
export function realMonotonicMs(): number {
  return performance.now();
}

/**
 * Six random hex digits: a live run's tag (its custom_ids and fence carry it), so two live runs
 * of one job never share ids in a workspace. Simulated runs derive theirs from the seed instead.
 */
export function realRandomTag(): string {
  return randomBytes(3).toString('hex');
}
