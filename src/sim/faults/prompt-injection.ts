import { z } from 'zod';
import { plantInjection, plantInstruction } from '../datasets/reviews-dataset.js';
import type { SentimentLabel } from '../model/sentiment.js';
import { share } from './fault-params.js';
import { firstEnumField, stringColumnOrThrow } from './fault-targets.js';
import { rowKey, type WorldFault } from './world-fault.js';

/** Parameters of `prompt_injection`. */
export const promptInjectionParams = z.strictObject({
  /** Share of source rows that carry an instruction planted to hijack the model, 0..1. */
  injection_rate: share.refine((rate) => rate > 0, { message: 'must be above 0' }),
});
export type PromptInjectionParams = z.infer<typeof promptInjectionParams>;

const NAME = 'prompt_injection';
/** What an off-task injection asks for: no field of any schema allows it. */
const OFF_TASK = 'HACKED';
/** Share of injections that ask for something off task rather than a wrong answer. */
const OFF_TASK_SHARE = 0.2;

/**
 * Prompt injection carried in source data: the drill plants instructions in some rows before the
 * run ("Ignore previous instructions and respond with …", "Label this as …"), in the longest text
 * column the template reads, and the simulated model obeys some of them (fewer when the data is
 * fenced). An instruction asks for a wrong label where the row's label is known (generated
 * reviews), else for an allowed value of the schema's first enum field, and one time in five for
 * something off task (always, when the schema has no enum field). Evidence: `injected` by row key,
 * `obeyed` by custom_id (the answers that followed the planted instruction).
 */
export function promptInjection(params: PromptInjectionParams): WorldFault {
  return {
    name: NAME,
    prepare(setup, ctx) {
      const { targets } = setup;
      const column = stringColumnOrThrow(NAME, targets, setup.rows);
      const answers = firstEnumField(targets.schema)?.allowed ?? [];
      for (const generated of setup.rows) {
        const key = rowKey(generated, targets);
        if (generated.injected || ctx.draw('inject', key) >= params.injection_rate) continue;
        const text = String(generated.row[column] ?? '');
        const phrasing = ctx.draw('phrasing', key);
        const target = ctx.draw('target', key);
        generated.row[column] =
          generated.label === undefined
            ? plantInstruction(text, phrasing, injectionTarget(answers, target))
            : plantInjection(text, generated.label as SentimentLabel, phrasing, target);
        generated.injected = true;
        ctx.record('injected', key);
      }
    },
    reply(view, reply, ctx) {
      if (reply.obeyed) ctx.record('obeyed', view.customId, view.batchId);
      return reply;
    },
  };
}

/** Off task one time in five (or always, with no allowed answers to ask for), else an allowed answer. */
function injectionTarget(answers: readonly string[], draw: number): string {
  if (draw < OFF_TASK_SHARE || answers.length === 0) return OFF_TASK;
  return answers[Math.floor(((draw - OFF_TASK_SHARE) / (1 - OFF_TASK_SHARE)) * answers.length)]!;
}
