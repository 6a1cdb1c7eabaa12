import { z } from 'zod';
import { share } from './fault-params.js';
import { resultsCut } from './http-fault.js';
import type { WorldFault } from './world-fault.js';

/** Parameters of `silent_partial_drop` (each a share of rows, or of downloads, 0..1). */
export const silentPartialDropParams = z
  .strictObject({
    /** Result lines left out of the results file; the rows were processed and billed all the same. */
    missing_rate: share.default(0),
    /** Rows that end `errored`. */
    errored_rate: share.default(0),
    /** Of the errored rows, the share that are not worth retrying (`invalid_request_error`); the rest are 529 or 500. */
    fatal_share: share.default(0.25),
    /** Rows that never finish, so the batch runs to its 24 h expiry and they end `expired`. */
    expired_rate: share.default(0),
    /** Results downloads whose stream is cut in the middle of a line. */
    cut_rate: share.default(0),
  })
  .refine((p) => p.missing_rate + p.errored_rate + p.expired_rate + p.cut_rate > 0, {
    message: 'set at least one of missing_rate, errored_rate, expired_rate, cut_rate above 0',
  });
export type SilentPartialDropParams = z.infer<typeof silentPartialDropParams>;

const RETRYABLE = [
  { errorType: 'overloaded_error', message: 'Overloaded' },
  { errorType: 'api_error', message: 'Internal server error' },
] as const;

/**
 * Silent partial drops: rows that error (retryable or not) or expire, lines missing from the
 * results file (so the counts disagree with the rows), and downloads cut mid-line. Evidence:
 * `missing`, `errored_retryable`, `errored_fatal`, `expired` by custom_id; `results_cut` by call.
 */
export function silentPartialDrop(params: SilentPartialDropParams): WorldFault {
  const name = 'silent_partial_drop';
  return {
    name,
    httpFaults:
      params.cut_rate > 0 ? [resultsCut({ rate: params.cut_rate, keepShare: 0.5, family: name })] : [],
    plan(batch, index, ctx) {
      const id = batch.requests[index]!.custom_id;
      const draw = ctx.draw('outcome', id);
      if (draw < params.errored_rate) {
        const fatal = ctx.draw('fatal', id) < params.fatal_share;
        ctx.record(fatal ? 'errored_fatal' : 'errored_retryable', id, batch.id);
        return {
          error: fatal
            ? { errorType: 'invalid_request_error', message: 'messages.0.content: invalid content block' }
            : RETRYABLE[Math.floor(ctx.draw('kind', id) * RETRYABLE.length)]!,
        };
      }
      if (draw < params.errored_rate + params.expired_rate) {
        ctx.record('expired', id, batch.id);
        return { neverFinishes: true };
      }
      return undefined;
    },
    lines(view, line, ctx) {
      if (ctx.draw('missing', view.customId) >= params.missing_rate) return [line];
      ctx.record('missing', view.customId, view.batchId);
      return [];
    },
  };
}
