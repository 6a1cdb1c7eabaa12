import { z } from 'zod';
import { share } from './fault-params.js';
import { stringColumnOrThrow } from './fault-targets.js';
import { lostCreateResponse } from './http-fault.js';
import { type DrillRow, rowKey, type WorldFault } from './world-fault.js';

/** Parameters of `cost_runaway`. */
export const costRunawayParams = z.strictObject({
  /**
   * - `oversized_row`: `rows` source rows grow to `chars` characters each, in the longest text
   *   column the template reads (a pasted log, a whole document);
   * - `unbounded_max_tokens`: the job's max_tokens is raised to `max_tokens`, as if the cap were lifted;
   * - `lost_create_response`: the world accepts creates but their responses are lost (`rate` of them,
   *   the first `creates` creates at most), so a blind retry would bill a batch twice;
   * - `crash_after_create`: the pipeline's process dies between the create and recording the
   *   batch id, and is resumed.
   */
  variant: z.enum(['oversized_row', 'unbounded_max_tokens', 'lost_create_response', 'crash_after_create']),
  /** Length of an oversized row's text, characters. */
  chars: z.int().min(1).default(2_000_000),
  /** How many distinct rows grow (oversized_row); all of them when the source has fewer. */
  rows: z.int().min(1).default(1),
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
          const column = stringColumnOrThrow(name, setup.targets, setup.rows);
          for (const victim of victims(setup.rows, params.rows, ctx.draw)) {
            const text = String(victim.row[column] ?? '');
            const filler = ` ${text === '' ? rowKey(victim, setup.targets) : text}`;
            victim.row[column] = (text + filler.repeat(Math.ceil(params.chars / filler.length))).slice(
              0,
              params.chars,
            );
            ctx.record('oversized_row', rowKey(victim, setup.targets));
          }
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

/**
 * `count` distinct rows drawn from the seed (every row when there are fewer): the first at draw
 * ('row'), as one victim always was, the k-th at draw ('row', k), moving on past rows taken.
 */
function victims(
  rows: readonly DrillRow[],
  count: number,
  draw: (...parts: (string | number)[]) => number,
): DrillRow[] {
  const taken = new Set<number>();
  for (let k = 0; k < Math.min(count, rows.length); k++) {
    let at = Math.floor((k === 0 ? draw('row') : draw('row', k)) * rows.length);
    while (taken.has(at)) at = (at + 1) % rows.length;
    taken.add(at);
  }
  return [...taken].map((at) => rows[at]!);
}
