import { z } from 'zod';
import { EXPIRY_MS } from '../world/sim-batch.js';
import { batchIndexes, share } from './fault-params.js';
import type { WorldFault } from './world-fault.js';

/** Parameters of `expiry`. */
export const expiryParams = z.strictObject({
  /**
   * - `slow_queue`: the queue works so slowly on the chosen batches that `tail_share` of their
   *   rows are still unfinished at the 24 h expiry;
   * - `cancel`: the chosen batches are canceled (by someone else) `cancel_after_minutes` after create;
   * - `archive`: the pipeline's process is down for `downtime_days` right after it submits, so
   *   its batches' results are archived (29 days) before it fetches them.
   */
  variant: z.enum(['slow_queue', 'cancel', 'archive']),
  /** Creation-order indexes of the batches hit (slow_queue, cancel); 0 is the first batch. */
  batches: batchIndexes.default([1]),
  tail_share: share.default(0.1),
  cancel_after_minutes: z.number().positive().default(1),
  downtime_days: z.number().min(29).default(30),
});
export type ExpiryParams = z.infer<typeof expiryParams>;

const MINUTE_MS = 60_000;

/**
 * Expiry and timeouts: a tail that misses the 24 h window, a canceled batch, results archived
 * before the fetch. Evidence: `expired` and `canceled` by custom_id, `downtime` for the archive.
 */
export function expiry(params: ExpiryParams): WorldFault {
  const hit = new Set(params.batches);
  const name = 'expiry';
  if (params.variant === 'archive') {
    return {
      name,
      crash: { point: 'main:after-submit-wave', downtimeMs: params.downtime_days * 86_400_000 },
    };
  }
  return {
    name,
    processing(batch) {
      if (params.variant !== 'slow_queue' || !hit.has(batch.sequence)) return undefined;
      // The whole batch: the queue starts only when the window has closed.
      if ((1 - params.tail_share) * batch.requests.length < 1)
        return { queueDelayMs: [EXPIRY_MS, EXPIRY_MS] };
      // Requests start one slot apart: (1 - tail) of them fit in the window, the rest expire.
      const slotMs = EXPIRY_MS / ((1 - params.tail_share) * batch.requests.length);
      return { throughputPerMinute: MINUTE_MS / slotMs, queueDelayMs: [0, 0], requestLatencyMs: [0, 1_000] };
    },
    afterCreate(batch) {
      if (params.variant !== 'cancel' || !hit.has(batch.sequence)) return undefined;
      return { cancelAfterMs: params.cancel_after_minutes * MINUTE_MS };
    },
    lines(view, line, ctx) {
      if ((view.type === 'expired' || view.type === 'canceled') && hit.has(view.sequence))
        ctx.record(view.type, view.customId, view.batchId);
      return [line];
    },
  };
}
