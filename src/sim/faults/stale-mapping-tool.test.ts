import { describe, expect, it } from 'vitest';
import { faultWorld } from '../../../test/support/fault-worlds.js';
import { reviewRequests } from '../../../test/support/requests.js';
import { REVIEW_SCHEMA } from '../../../test/support/review-schema.js';
import { staleMapping, staleMappingParams } from './stale-mapping.js';

/* A conflicting line under a forced tool: the second line's tool call holds a different answer. */

const FORCED = {
  tools: [{ name: 'record_answer', input_schema: REVIEW_SCHEMA }],
  tool_choice: { type: 'tool', name: 'record_answer' },
};

describe('stale_mapping conflicting lines in tool mode', () => {
  it('writes the true call first, then the same call with a different input', () => {
    const sim = faultWorld(3, [staleMapping(staleMappingParams.parse({ conflicting_rate: 1 }))]);
    const { id } = sim.create(reviewRequests(20, FORCED));
    sim.endAll();
    const byId = new Map<
      string,
      { content: { type: string; name: string; input: Record<string, unknown> }[] }[]
    >();
    for (const line of sim.world.resultLinesOf(id)) {
      const parsed = JSON.parse(line);
      byId.set(parsed.custom_id, [...(byId.get(parsed.custom_id) ?? []), parsed.result.message]);
    }
    expect(byId.size).toBe(20);
    for (const [customId, [first, second]] of byId) {
      expect(second!.content[0]!.type, customId).toBe('tool_use');
      expect(second!.content[0]!.name).toBe('record_answer');
      expect(second!.content[0]!.input).not.toEqual(first!.content[0]!.input);
      expect(second!.content[0]!.input.label).not.toBe(first!.content[0]!.input.label);
    }
  });

  it('gives a call cut to no block at all a text answer as the other line, instead of throwing', () => {
    const cut = { ...FORCED, max_tokens: 2 };
    const sim = faultWorld(3, [staleMapping(staleMappingParams.parse({ conflicting_rate: 1 }))]);
    const { id } = sim.create(reviewRequests(3, cut));
    sim.endAll();
    const lines = [...sim.world.resultLinesOf(id)].map((line) => JSON.parse(line).result.message);
    expect(lines).toHaveLength(6);
    expect(lines.filter((m) => m.content.length === 0)).toHaveLength(3);
    expect(lines.filter((m) => m.content[0]?.text === '(revised)')).toHaveLength(3);
    for (const message of lines) expect(message.stop_reason).toBe('max_tokens');
  });
});
