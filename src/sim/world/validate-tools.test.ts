import { describe, expect, it } from 'vitest';
import { validateParams } from './validate-params.js';
import { toolsProblem } from './validate-tools.js';

const TOOL = { name: 'record_answer', description: 'd', input_schema: { type: 'object' } };
const FORCE = { type: 'tool', name: 'record_answer' };

describe('toolsProblem', () => {
  it('accepts a custom tool forced by name, tool_choice auto/any/none, and server tools it does not model', () => {
    expect(toolsProblem({ tools: [TOOL], tool_choice: FORCE })).toBeNull();
    for (const type of ['auto', 'any', 'none'])
      expect(toolsProblem({ tools: [TOOL], tool_choice: { type } })).toBeNull();
    expect(toolsProblem({ tools: [{ type: 'bash_20250124', name: 'bash' }] })).toBeNull();
    expect(toolsProblem({})).toBeNull();
  });

  it.each([
    [{ tools: {} }, 'tools: Input should be a valid list'],
    [{ tools: [1] }, 'tools.0: Input should be a valid dictionary or object'],
    [{ tools: [{ input_schema: { type: 'object' } }] }, 'tools.0.custom.name: Field required'],
    [{ tools: [{ ...TOOL, name: 7 }] }, 'tools.0.custom.name: Input should be a valid string'],
    [
      { tools: [{ ...TOOL, name: 'a'.repeat(65) }] },
      "tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'",
    ],
    [
      { tools: [{ ...TOOL, name: 'a.b' }] },
      "tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'",
    ],
    [{ tools: [{ name: 'x' }] }, 'tools.0.custom.input_schema: Field required'],
    [
      { tools: [{ name: 'x', input_schema: [] }] },
      'tools.0.custom.input_schema: Input should be a valid dictionary or object',
    ],
    [
      { tools: [{ name: 'x', input_schema: {} }] },
      "tools.0.custom.input_schema.type: Input should be 'object'",
    ],
    [{ tools: [{ ...TOOL, description: 3 }] }, 'tools.0.custom.description: Input should be a valid string'],
    [{ tools: [TOOL, TOOL] }, 'tools: Tool names must be unique.'],
    [{ tools: [TOOL], tool_choice: 'tool' }, 'tool_choice: Input should be a valid dictionary or object'],
    [
      { tools: [TOOL], tool_choice: { type: 'forced' } },
      "tool_choice: Input tag 'forced' found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'",
    ],
    [{ tool_choice: FORCE }, 'tool_choice: tool_choice may only be specified while providing tools'],
    [{ tools: [TOOL], tool_choice: { type: 'tool' } }, 'tool_choice.tool.name: Field required'],
    [
      { tools: [TOOL], tool_choice: { type: 'tool', name: 'other' } },
      "tool_choice.tool.name: Tool 'other' not found in tools",
    ],
  ])('refuses %j: %s', (params, message) => {
    expect(toolsProblem(params as Record<string, unknown>)).toBe(message);
  });

  it('is part of validateParams, as an invalid_request_error', () => {
    const params = { model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
    expect(validateParams({ ...params, tools: [TOOL], tool_choice: FORCE }).ok).toBe(true);
    expect(validateParams({ ...params, tool_choice: FORCE })).toEqual({
      ok: false,
      errorType: 'invalid_request_error',
      message: 'tool_choice: tool_choice may only be specified while providing tools',
    });
  });
});
