import { describe, expect, it } from 'vitest';
import { faultWorld } from '../../../test/support/fault-worlds.js';
import { reviewRequests } from '../../../test/support/requests.js';
import { REVIEW_SCHEMA } from '../../../test/support/review-schema.js';
import { makeOutputGate, type QuarantineReason } from '../../pipeline/gate/output-gate.js';
import { readResultLine } from '../../pipeline/run/result-line.js';
import { type Drift, SCHEMA_BREAKS, schemaDrift, schemaDriftParams } from './schema-drift.js';

/*
 * schema_drift when the answer comes as a forced tool call: the call's input drifts (a wrong enum,
 * a number out of range, a field missing); an answer that is no JSON at all (malformed, fenced)
 * comes as a text block instead of a tool call; a cut one stops at max_tokens with at most the
 * fields written whole. Each drifted line, read and gated as the pipeline does, is quarantined.
 */

const SEED = 12;
const TOOLS = [{ name: 'record_answer', input_schema: REVIEW_SCHEMA }];
const FORCED = { tools: TOOLS, tool_choice: { type: 'tool', name: 'record_answer' } };
/** Each row's own text, as the gate gets it (the row's values, not the whole prompt). */
const ROW_TEXTS = reviewRequests(30).map(
  (r) => /<review>(.*)<\/review>/s.exec(r.params.messages[0]!.content)![1]!,
);

interface Block {
  type: string;
  text?: string;
  name?: string;
  input?: Record<string, unknown>;
}
interface Line {
  custom_id: string;
  result: { message: { content: Block[]; stop_reason: string } };
}

function run(variant: Drift | null) {
  const faults = variant ? [schemaDrift(schemaDriftParams.parse({ rate: 1, variants: [variant] }))] : [];
  const sim = faultWorld(SEED, faults);
  const { id } = sim.create(reviewRequests(30, FORCED));
  sim.endAll();
  const raw = [...sim.world.resultLinesOf(id)].map((line) => JSON.parse(line) as Line);
  return { sim, lines: new Map(raw.map((l) => [l.custom_id, l])) };
}

const clean = run(null).lines;
const cleanInput = (id: string) => clean.get(id)!.result.message.content[0]!.input!;

const EXPECT: Record<
  (typeof SCHEMA_BREAKS)[number],
  { check: (line: Line, id: string) => void; reason: QuarantineReason }
> = {
  malformed: {
    check: (line, id) => {
      expect(line.result.message.content).toEqual([
        { type: 'text', text: JSON.stringify(cleanInput(id)).slice(0, -1) },
      ]);
      expect(line.result.message.stop_reason).toBe('end_turn');
    },
    reason: 'unparseable',
  },
  fenced: {
    check: (line, id) => {
      expect(line.result.message.content).toEqual([
        { type: 'text', text: '```json\n' + JSON.stringify(cleanInput(id)) + '\n```' },
      ]);
      expect(line.result.message.stop_reason).toBe('end_turn');
    },
    reason: 'unparseable',
  },
  wrong_enum: {
    check: (line, id) => expect(toolInput(line)).toEqual({ ...cleanInput(id), label: 'mixed' }),
    reason: 'schema',
  },
  out_of_range: {
    check: (line, id) => expect(toolInput(line)).toEqual({ ...cleanInput(id), score: 1.5 }),
    reason: 'range',
  },
  missing_field: {
    check: (line, id) => {
      const { evidence: _, ...rest } = cleanInput(id);
      expect(toolInput(line)).toEqual(rest);
    },
    reason: 'schema',
  },
  cut: {
    check: (line, id) => {
      expect(line.result.message.stop_reason).toBe('max_tokens');
      const [block] = line.result.message.content;
      if (block === undefined) return; // cut before any field was whole: no call at all
      expect(block.type).toBe('tool_use');
      const whole = cleanInput(id);
      const keys = Object.keys(block.input!);
      expect(keys.length).toBeLessThan(Object.keys(whole).length);
      for (const key of keys) expect(block.input![key]).toEqual(whole[key]);
    },
    reason: 'truncated',
  },
};

function toolInput(line: Line): Record<string, unknown> {
  expect(line.result.message.stop_reason).toBe('tool_use');
  const [block] = line.result.message.content;
  expect(block).toMatchObject({ type: 'tool_use', name: 'record_answer' });
  return block!.input!;
}

describe('schema_drift in tool mode', () => {
  it('leaves clean answers as whole tool calls (the baseline)', () => {
    for (const line of clean.values()) {
      expect(line.result.message.stop_reason).toBe('tool_use');
      expect(Object.keys(line.result.message.content[0]!.input!).sort()).toEqual([
        'evidence',
        'label',
        'score',
      ]);
    }
  });

  it.each(SCHEMA_BREAKS)(
    'variant %s breaks the call as documented, and the gate quarantines it with its reason',
    (variant) => {
      const { sim, lines } = run(variant);
      const gate = makeOutputGate(REVIEW_SCHEMA, { quoteFields: ['evidence'] });
      for (const [id, line] of lines) {
        EXPECT[variant].check(line, id);
        const row = readResultLine(
          {
            ...line,
            result: {
              type: 'succeeded',
              ...line.result,
              message: { ...line.result.message, usage: { input_tokens: 1, output_tokens: 1 } },
            },
          },
          1,
          true,
        );
        const rowText = ROW_TEXTS[Number(id.slice(2))]!;
        const verdict = gate.check({
          text: row.text!,
          stopReason: row.stopReason,
          rowText,
          tool: 'record_answer',
        });
        expect(verdict).toMatchObject({ valid: false, reason: EXPECT[variant].reason });
      }
      expect(sim.evidence().map((e) => e.kind)).toEqual(Array(30).fill(`drifted:${variant}`));
    },
  );
});
