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
