import { describe, expect, it } from 'vitest';
import { faultWorld } from '../../../test/support/fault-worlds.js';
import { reviewRequests } from '../../../test/support/requests.js';
import { REVIEW_SCHEMA } from '../../../test/support/review-schema.js';
import { TOOL_USE_SYSTEM_PROMPT_TOKENS } from './tool-reply.js';

/*
 * A request that forces a tool, answered in the real API's shapes and read through the real SDK:
 * a tool_use content block holding the model's answer as its input, stop_reason tool_use, and
 * input tokens that bill the tool's definition and the tool-use system prompt.
 */

const TOOLS = [{ name: 'record_answer', description: 'Record the answer.', input_schema: REVIEW_SCHEMA }];
const FORCED = { tools: TOOLS, tool_choice: { type: 'tool', name: 'record_answer' } };
const TOOL_TOKENS = Math.ceil(JSON.stringify(TOOLS).length / 4) + TOOL_USE_SYSTEM_PROMPT_TOKENS;

/** A result as the SDK hands it out, read loosely: the test checks its shape itself. */
interface WireResult {
  type: string;
  message: {
    content: Record<string, unknown>[];
    stop_reason: string;
    usage: { input_tokens: number; output_tokens: number };
  };
  error: { error: { type: string; message: string } };
}

/** Every result of one batch of `requests`, as the SDK hands them out, by custom_id. */
async function results(requests: ReturnType<typeof reviewRequests>) {
  const sim = faultWorld(5, []);
  const batch = sim.create(requests);
  sim.endAll();
  const out = new Map<string, WireResult>();
  for await (const line of await sim.client.messages.batches.results(batch.id))
    out.set(line.custom_id, line.result as unknown as WireResult);
  return out;
}

describe('a request forcing a tool', () => {
  it('is answered with a tool_use block of the model answer, stop_reason tool_use, the tool billed', async () => {
    const text = await results(reviewRequests(10));
    const tool = await results(reviewRequests(10, FORCED));
    expect(tool.size).toBe(10);
    for (const [id, result] of tool) {
      const plain = text.get(id)!.message;
      const { message } = result;
      expect(result.type).toBe('succeeded');
      expect(message.content).toEqual([
        {
          type: 'tool_use',
          id: expect.stringMatching(/^toolu_01[1-9A-HJ-NP-Za-km-z]{22}$/),
          name: 'record_answer',
          input: JSON.parse(String(plain.content[0]!.text)),
        },
      ]);
      expect(message.stop_reason).toBe('tool_use');
      expect(message.usage.input_tokens).toBe(plain.usage.input_tokens + TOOL_TOKENS);
      expect(message.usage.output_tokens).toBe(plain.usage.output_tokens);
    }
    const ids = [...tool.values()].map((r) => r.message.content[0]!.id);
    expect(new Set(ids).size).toBe(10);
  });

  it('gives the same call ids for the same seed, and bills tools offered but not forced', async () => {
    const again = await results(reviewRequests(3, FORCED));
    const first = await results(reviewRequests(3, FORCED));
    expect([...again.values()].map((r) => r.message.content[0]!.id)).toEqual(
      [...first.values()].map((r) => r.message.content[0]!.id),
    );
    const offered = await results(reviewRequests(3, { tools: TOOLS }));
    const text = await results(reviewRequests(3));
    for (const [id, result] of offered) {
      expect(result.message.content[0]!.type).toBe('text');
      expect(result.message.stop_reason).toBe('end_turn');
      expect(result.message.usage.input_tokens).toBe(text.get(id)!.message.usage.input_tokens + TOOL_TOKENS);
    }
  });

  it('is errored, unbilled, with the API message when the tool definition is one the API refuses', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [
        { ...FORCED, tools: [{ ...TOOLS[0], name: 'record answer' }] },
        "tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'",
      ],
      [
        { ...FORCED, tools: [{ ...TOOLS[0], input_schema: { type: 'array' } }] },
        "tools.0.custom.input_schema.type: Input should be 'object'",
      ],
      [
        { ...FORCED, tool_choice: { type: 'tool', name: 'other' } },
        "tool_choice.tool.name: Tool 'other' not found in tools",
      ],
      [
        { tool_choice: { type: 'tool', name: 'record_answer' } },
        'tool_choice: tool_choice may only be specified while providing tools',
      ],
    ];
    for (const [params, message] of cases) {
      const [result] = (await results(reviewRequests(1, params))).values();
      expect(result!.type).toBe('errored');
      expect(result!.error.error).toMatchObject({ type: 'invalid_request_error', message });
    }
  });
});

describe('count_tokens with tools', () => {
  it('counts what a request with the tool is billed, the tool included', async () => {
    const sim = faultWorld(5, []);
    const [request] = reviewRequests(1, FORCED);
    const counted = await sim.client.messages.countTokens({
      model: request!.params.model,
      messages: request!.params.messages,
      tools: TOOLS as never,
      tool_choice: FORCED.tool_choice as never,
    });
    const [result] = (await results(reviewRequests(1, FORCED))).values();
    expect(counted.input_tokens).toBe(result!.message.usage.input_tokens);
  });
});
