import { z } from 'zod';
import { share } from './fault-params.js';
import type { WorldFault } from './world-fault.js';

/** Parameters of `stale_mapping` (results always come back shuffled; these add the rest). */
export const staleMappingParams = z
  .strictObject({
    /** Result lines written twice, identically. */
    duplicate_rate: share.default(0),
    /** Result lines written twice, the second with a different answer. */
    conflicting_rate: share.default(0),
    /** Lines for ids the batch never had, as a share of its rows (at least one per batch when above 0). */
    unknown_rate: share.default(0),
    /** Source rows edited in the source file after a batch is created, before its results are fetched. */
    edit_rate: share.default(0),
    /** Reverse the source file's row order at the same moment. */
    reorder_source: z.boolean().default(false),
    /** Creation-order index of the batch after whose create the source is edited (0: the first). */
    edit_after_batch: z.int().min(0).default(0),
  })
  .refine(
    (p) => p.duplicate_rate + p.conflicting_rate + p.unknown_rate + p.edit_rate > 0 || p.reorder_source,
    { message: 'set at least one rate above 0, or reorder_source: true' },
  );
export type StaleMappingParams = z.infer<typeof staleMappingParams>;

/** Appended to an edited row: a real change of content, so its input hash changes. */
export const EDIT_SUFFIX = ' Update: the seller replaced it since.';

/**
 * A stale or wrong mapping between results and rows: duplicated and conflicting lines, lines for
 * unknown ids, source rows edited or reordered between submit and fetch. Evidence by custom_id
 * (`duplicated`, `conflicting`, `unknown_id`) or row key (`edited`), and `reordered`.
 */
export function staleMapping(params: StaleMappingParams): WorldFault {
  return {
    name: 'stale_mapping',
    afterCreate(batch, ctx) {
      if (batch.sequence !== params.edit_after_batch || !ctx.source) return undefined;
      ctx.source.rewrite((rows) => {
        for (const generated of rows) {
          if (ctx.draw('edit', generated.row.id) >= params.edit_rate) continue;
          generated.row.text += EDIT_SUFFIX;
          ctx.record('edited', generated.row.id, batch.id);
        }
        if (!params.reorder_source) return rows;
        ctx.record('reordered', 'source', batch.id);
        return [...rows].reverse();
      });
      return undefined;
    },
    lines(view, line, ctx) {
      const draw = ctx.draw('line', view.customId);
      if (draw < params.duplicate_rate) {
        ctx.record('duplicated', view.customId, view.batchId);
        return [line, line];
      }
      if (view.type === 'succeeded' && draw < params.duplicate_rate + params.conflicting_rate) {
        ctx.record('conflicting', view.customId, view.batchId);
        return [line, otherAnswer(line)];
      }
      return [line];
    },
    extraLines(batch, ctx) {
      if (params.unknown_rate === 0) return [];
      const count = Math.max(1, Math.round(params.unknown_rate * batch.requests.length));
      return Array.from({ length: count }, (_, k) => {
        const id = `r_ghost-${batch.sequence}-${k + 1}_1`;
        ctx.record('unknown_id', id, batch.id);
        const text = JSON.stringify({ label: 'positive', score: 0.9, evidence: 'from another job' });
        return JSON.stringify({
          custom_id: id,
          result: {
            type: 'succeeded',
            message: {
              id: `msg_ghost${batch.sequence}x${k + 1}`,
              type: 'message',
              role: 'assistant',
              model: 'claude-haiku-4-5',
              content: [{ type: 'text', text }],
              stop_reason: 'end_turn',
              stop_sequence: null,
              usage: { input_tokens: 50, output_tokens: 20 },
            },
          },
        });
      });
    },
  };
}

/** The same line with a different answer: a label flipped, else text appended (a tool call's input likewise). */
function otherAnswer(line: string): string {
  const parsed = JSON.parse(line);
  const block = parsed.result.message.content[0];
  if (block === undefined) {
    // A tool call cut before any field was whole has no block: the other answer is some text.
    parsed.result.message.content = [{ type: 'text', text: '(revised)' }];
    return JSON.stringify(parsed);
  }
  if (block.type === 'tool_use') {
    const label = block.input?.label;
    block.input =
      typeof label === 'string'
        ? { ...block.input, label: label === 'negative' ? 'positive' : 'negative' }
        : { ...block.input, revised: true };
    return JSON.stringify(parsed);
  }
  const flipped = String(block.text).replace(/"label":"(\w+)"/, (_, label: string) =>
    label === 'negative' ? '"label":"positive"' : '"label":"negative"',
  );
  block.text = flipped === block.text ? `${block.text} (revised)` : flipped;
  return JSON.stringify(parsed);
}
