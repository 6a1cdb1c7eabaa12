import { z } from 'zod';
import type { ModelReply } from '../model/simulated-model.js';
import { estimateTokens } from '../model/tokens.js';
import { share } from './fault-params.js';
import type { WorldFault } from './world-fault.js';

/** The ways an answer drifts from the job's schema. */
export const DRIFTS = ['malformed', 'fenced', 'wrong_enum', 'out_of_range', 'missing_field', 'cut'] as const;
export type Drift = (typeof DRIFTS)[number];

/** Parameters of `schema_drift`. */
export const schemaDriftParams = z.strictObject({
  /** Share of succeeded answers that drift, 0..1. */
  rate: share,
  /**
   * Which drifts to draw from, evenly: `malformed` (a brace missing), `fenced` (JSON in a ```json
   * block), `wrong_enum` (a label outside the enum), `out_of_range` (score above 1),
   * `missing_field` (no evidence), `cut` (stopped at max_tokens midway).
   */
  variants: z
    .array(z.enum(DRIFTS))
    .min(1)
    .default([...DRIFTS]),
  /** The numeric field pushed out of range, the enum field, and the field left out. */
  number_field: z.string().min(1).default('score'),
  enum_field: z.string().min(1).default('label'),
  missing_field: z.string().min(1).default('evidence'),
});
export type SchemaDriftParams = z.infer<typeof schemaDriftParams>;

/**
 * Schema drift in outputs: a share of succeeded answers is rewritten one of six ways before the
 * world writes and bills it. Evidence: `drifted:<variant>` by custom_id. When the request forced
 * a tool, the rewritten answer is still written as the call (world/tool-reply.ts): a wrong enum,
 * a number out of range or a missing field drift the call's input; malformed and fenced text is
 * no JSON, so it comes as a text block instead of a tool_use; a cut answer stops at max_tokens
 * with only the fields written whole before the cut (no tool_use block when none was).
 */
export function schemaDrift(params: SchemaDriftParams): WorldFault {
  return {
    name: 'schema_drift',
    reply(view, reply, ctx) {
      if (ctx.draw('drift', view.customId) >= params.rate) return reply;
      const variant =
        params.variants[Math.floor(ctx.draw('variant', view.customId) * params.variants.length)]!;
      const drifted = drift(reply, variant, params, view.maxTokens);
      if (drifted === reply) return reply;
      ctx.record(`drifted:${variant}`, view.customId, view.batchId);
      return drifted;
    },
  };
}

function drift(reply: ModelReply, variant: Drift, params: SchemaDriftParams, maxTokens: number): ModelReply {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(reply.text) as Record<string, unknown>;
  } catch {
    return reply; // not JSON to begin with (a generic task, or an obeyed injection): nothing to drift
  }
  const text = (t: string): ModelReply => ({ ...reply, text: t, outputTokens: estimateTokens(t) });
  switch (variant) {
    case 'malformed':
      return text(reply.text.slice(0, -1));
    case 'fenced':
      return text('```json\n' + reply.text + '\n```');
    case 'wrong_enum':
      return text(JSON.stringify({ ...value, [params.enum_field]: 'mixed' }));
    case 'out_of_range':
      return text(JSON.stringify({ ...value, [params.number_field]: 1.5 }));
    case 'missing_field': {
      const { [params.missing_field]: _, ...rest } = value;
      return text(JSON.stringify(rest));
    }
    case 'cut':
      return {
        ...reply,
        text: reply.text.slice(0, Math.ceil(reply.text.length / 2)),
        stopReason: 'max_tokens',
        outputTokens: maxTokens, // a reply stopped by max_tokens used all of them
      };
  }
}
