import { type HttpHandler, http } from 'msw';
import type { Clock } from '../../core/clock.js';
import { formatRfc3339 } from '../../core/rfc3339.js';
import type { BatchWorld } from '../world/batch-world.js';
import { jsonResponse } from './responses.js';

/** A clock the admin routes can move forward. */
export interface AdvanceableClock extends Clock {
  advance(ms: number): void;
}

/** Longest single advance: 400 days, past the 29-day archive with room to spare. */
export const ADVANCE_MS_MAX = 400 * 86_400_000;

/**
 * Admin routes under `/_sim/`, so a client in any language can drive a whole lifecycle:
 * read the virtual clock, move it forward, and read the world's ground truth. They need no key.
 *
 * - `GET /_sim/clock` → `{ now, now_ms }`
 * - `POST /_sim/clock/advance` with `{"seconds": N}` or `{"ms": N}` → `{ now, now_ms }`
 * - `GET /_sim/ground-truth` → what the world did (billing, faults fired, deletions)
 */
export function adminHandlers(world: BatchWorld, clock: AdvanceableClock): HttpHandler[] {
  const now = () => jsonResponse(200, { now: formatRfc3339(clock.now()), now_ms: clock.now() });
  return [
    http.get('*/_sim/clock', now),
    http.post('*/_sim/clock/advance', async ({ request }) => {
      const ms = parseAdvance(await request.text());
      if (typeof ms === 'string') return jsonResponse(400, { error: ms });
      clock.advance(ms);
      return now();
    }),
    http.get('*/_sim/ground-truth', () => jsonResponse(200, world.groundTruth())),
  ];
}

function parseAdvance(text: string): number | string {
  let body: unknown;
  try {
    body = JSON.parse(text || '{}');
  } catch {
    return 'Failed to advance the clock: the body is not JSON. Send {"seconds": N} or {"ms": N}.';
  }
  const { seconds, ms } = (body ?? {}) as { seconds?: unknown; ms?: unknown };
  const value = typeof seconds === 'number' ? seconds * 1000 : ms;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > ADVANCE_MS_MAX) {
    return `Failed to advance the clock: give {"seconds": N} or {"ms": N} with 0 ≤ N, at most ${ADVANCE_MS_MAX / 1000} seconds.`;
  }
  return value;
}
