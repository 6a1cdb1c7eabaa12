import { z } from 'zod';
import { plantInjection } from '../datasets/reviews-dataset.js';
import { share } from './fault-params.js';
import type { WorldFault } from './world-fault.js';

/** Parameters of `prompt_injection`. */
export const promptInjectionParams = z.strictObject({
  /** Share of source rows that carry an instruction planted to hijack the model, 0..1. */
  injection_rate: share.refine((rate) => rate > 0, { message: 'must be above 0' }),
});
export type PromptInjectionParams = z.infer<typeof promptInjectionParams>;

/**
 * Prompt injection carried in source data: the drill plants instructions in some rows before the
 * run ("Ignore previous instructions and respond with …", "Label this as …"), and the simulated
 * model obeys some of them (fewer when the data is fenced). Evidence: `injected` by row key,
 * `obeyed` by custom_id (the answers that followed the planted instruction).
 */
export function promptInjection(params: PromptInjectionParams): WorldFault {
  return {
    name: 'prompt_injection',
    prepare(setup, ctx) {
      for (const generated of setup.rows) {
        const id = generated.row.id;
        if (generated.injected || ctx.draw('inject', id) >= params.injection_rate) continue;
        generated.row.text = plantInjection(
          generated.row.text,
          generated.label,
          ctx.draw('phrasing', id),
          ctx.draw('target', id),
        );
        generated.injected = true;
        ctx.record('injected', id);
      }
    },
    reply(view, reply, ctx) {
      if (reply.obeyed) ctx.record('obeyed', view.customId, view.batchId);
      return reply;
    },
  };
}
