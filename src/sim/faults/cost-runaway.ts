import { z } from 'zod';
import { share } from './fault-params.js';
import { lostCreateResponse } from './http-fault.js';
import type { WorldFault } from './world-fault.js';

/** Parameters of `cost_runaway`. */
export const costRunawayParams = z.strictObject({
  /**
   * - `oversized_row`: one source row grows to `chars` characters (a pasted log, a whole document);
   * - `unbounded_max_tokens`: the job's max_tokens is raised to `max_tokens`, as if the cap were lifted;
   * - `lost_create_response`: the world accepts creates but their responses are lost (`rate` of them,
   *   the first `creates` creates at most), so a blind retry would bill a batch twice;
   * - `crash_after_create`: the pipeline's process dies between the create and recording the
   *   batch id, and is resumed.
   */
  variant: z.enum(['oversized_row', 'unbounded_max_tokens', 'lost_create_response', 'crash_after_create']),
  chars: z.int().min(1).default(2_000_000),
  max_tokens: z.int().min(1).default(64_000),
  rate: share.default(1),
  creates: z.int().min(1).default(1),
});
export type CostRunawayParams = z.infer<typeof costRunawayParams>;

/**
 * Cost runaway: an oversized row or an unbounded max_tokens (the preflight must refuse to
 * launch), or an accidental re-submission (the ledger must adopt the orphan, not create again).
 * Evidence: `oversized_row` (row key), `max_tokens_raised`, `lost_create_response` (by call),
 * `crash` (crash point).
 */
export function costRunaway(params: CostRunawayParams): WorldFault {
  const name = 'cost_runaway';
  const fault: WorldFault = { name };
  switch (params.variant) {
    case 'oversized_row':
      return {
        ...fault,
        prepare(setup, ctx) {
          const victim = setup.rows[Math.floor(ctx.draw('row') * setup.rows.length)]!;
          const filler = ` ${victim.row.text}`;
          victim.row.text = (victim.row.text + filler.repeat(Math.ceil(params.chars / filler.length))).slice(
            0,
            params.chars,
          );
          ctx.record('oversized_row', victim.row.id);
        },
      };
    case 'unbounded_max_tokens':
      return {
        ...fault,
        prepare(setup, ctx) {
          setup.job.max_tokens = params.max_tokens;
          ctx.record('max_tokens_raised', String(params.max_tokens));
        },
      };
    case 'lost_create_response':
      return {
        ...fault,
        httpFaults: [lostCreateResponse({ rate: params.rate, attemptsMax: params.creates, family: name })],
      };
    case 'crash_after_create':
      return { ...fault, crash: { point: 'submit:after-create', downtimeMs: 60_000 } };
  }
}
