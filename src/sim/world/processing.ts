import type { Rng } from '../seed.js';
import { ARCHIVE_MS } from './sim-batch.js';

/**
 * How fast the simulated queue works. Every figure is virtual time. With the defaults a batch of
 * up to a hundred requests ends within about five minutes (live, 1–10-line batches took 3–11 min)
 * and a 100,000-request batch in about an hour ("most batches completing within 1 hour").
 */
export interface ProcessingOptions {
  /** Wait before the queue starts on a batch, uniform in [min, max] ms. */
  queueDelayMs: readonly [number, number];
  /** Requests the queue starts per minute; a slow queue pushes the tail past the 24 h expiry. */
  throughputPerMinute: number;
  /** Time one request takes once started, uniform in [min, max] ms. */
  requestLatencyMs: readonly [number, number];
  /** From cancel to `ended`, uniform in [min, max] ms (about 25 s was seen live). */
  cancelDelayMs: readonly [number, number];
  /** How long after create a batch's results stay available, ms ("29 days after creation"). */
  resultsKeptMs: number;
}

export const DEFAULT_PROCESSING: ProcessingOptions = {
  queueDelayMs: [30_000, 180_000],
  throughputPerMinute: 2_000,
  requestLatencyMs: [5_000, 60_000],
  cancelDelayMs: [15_000, 35_000],
  resultsKeptMs: ARCHIVE_MS,
};

/**
 * Finish time of each request of a batch created at `createdAtMs`: the queue starts after a
 * delay, starts requests in submission order at the configured rate (with jitter), and each
 * takes its own latency. Draws come from the batch's own stream, in request order.
 */
export function planFinishTimes(
  count: number,
  createdAtMs: number,
  options: ProcessingOptions,
  rng: Rng,
): Float64Array {
  const start = createdAtMs + rng.between(...options.queueDelayMs);
  const slotMs = 60_000 / options.throughputPerMinute;
  const finish = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    finish[i] = Math.round(start + (i + rng.next()) * slotMs + rng.between(...options.requestLatencyMs));
  }
  return finish;
}
