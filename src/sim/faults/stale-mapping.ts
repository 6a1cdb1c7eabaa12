import { z } from 'zod';
import { share } from './fault-params.js';
import { firstEnumField, stringColumn, valueAsText } from './fault-targets.js';
import { type DrillRow, type DrillTargets, rowKey, type WorldFault } from './world-fault.js';

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

/** Appended to an edited row's text: a real change of content, so its input hash changes. */
export const EDIT_SUFFIX = ' Update: the seller replaced it since.';

/**
 * A stale or wrong mapping between results and rows: duplicated and conflicting lines, lines for
 * unknown ids, source rows edited or reordered between submit and fetch. An edit appends to the
 * longest text column the template reads; a conflicting line changes the answer's first enum
 * field to another allowed value (else its label, else its first string). Evidence by custom_id
 * (`duplicated`, `conflicting`, `unknown_id`) or row key (`edited`), and `reordered`.
 */
export function staleMapping(params: StaleMappingParams): WorldFault {
  let schema: Record<string, unknown> | undefined;
  return {
    name: 'stale_mapping',
    prepare(setup) {
      schema = setup.targets.schema;
    },
    afterCreate(batch, ctx) {
      if (batch.sequence !== params.edit_after_batch || !ctx.source) return undefined;
      const { targets } = ctx.source;
      ctx.source.rewrite((rows) => {
        const column = editedColumn(targets, rows);
        for (const generated of rows) {
          const key = rowKey(generated, targets);
          if (column === undefined || ctx.draw('edit', key) >= params.edit_rate) continue;
          generated.row[column] = edited(generated.row[column]);
          ctx.record('edited', key, batch.id);
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
        return [line, otherAnswer(line, otherValue(schema ?? ctx.source?.targets.schema))];
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

/** The column an edit appends to: the first template column of text, else the first it reads. */
function editedColumn(targets: DrillTargets, rows: readonly DrillRow[]): string | undefined {
  return stringColumn(targets, rows) ?? targets.textColumns[0];
}

/** A value edited upstream: text gains the suffix; any other value becomes its JSON text and the suffix. */
function edited(value: unknown): string {
  return valueAsText(value) + EDIT_SUFFIX;
}

/** A different answer to the same request, as an object, or undefined when there is none to make. */
type OtherValue = (answer: Record<string, unknown>) => Record<string, unknown> | undefined;

/**
 * The schema's first enum field set to another allowed value (the second, or the first when it
 * already holds the second: a review's label flips as it always did); without a schema, or an
 * answer without that field, a label flipped; else its first string revised.
 */
function otherValue(schema: Record<string, unknown> | undefined): OtherValue {
  const choice = schema === undefined ? undefined : firstEnumField(schema);
  return (answer) => {
    if (choice !== undefined && choice.allowed.length > 1 && typeof answer[choice.field] === 'string') {
      const [first, second] = choice.allowed as [string, string];
      return { ...answer, [choice.field]: answer[choice.field] === second ? first : second };
    }
    const label = answer.label;
    if (typeof label === 'string')
      return { ...answer, label: label === 'negative' ? 'positive' : 'negative' };
    const field = Object.keys(answer).find((k) => typeof answer[k] === 'string');
    return field === undefined ? undefined : { ...answer, [field]: `${answer[field]} (revised)` };
  };
}

/** The same line with a different answer (a tool call's input likewise); text that is no JSON object gains "(revised)". */
function otherAnswer(line: string, other: OtherValue): string {
  const parsed = JSON.parse(line);
  const block = parsed.result.message.content[0];
  if (block === undefined) {
    // A tool call cut before any field was whole has no block: the other answer is some text.
    parsed.result.message.content = [{ type: 'text', text: '(revised)' }];
    return JSON.stringify(parsed);
  }
  if (block.type === 'tool_use') {
    const input = isObject(block.input) ? block.input : {};
    block.input = other(input) ?? { ...input, revised: true };
    return JSON.stringify(parsed);
  }
  const answer = objectOf(String(block.text));
  const changed = answer === undefined ? undefined : other(answer);
  block.text = changed === undefined ? `${block.text} (revised)` : JSON.stringify(changed);
  return JSON.stringify(parsed);
}

function objectOf(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
