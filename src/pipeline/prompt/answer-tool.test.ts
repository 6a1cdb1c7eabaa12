import { describe, expect, it } from 'vitest';
import {
  ANSWER_TOOL_DESCRIPTION,
  answerTool,
  answerToolTokens,
  TOOL_USE_SYSTEM_PROMPT_TOKENS,
} from './answer-tool.js';
import { renderRequest } from './render-request.js';

const SCHEMA = { type: 'object', properties: { label: { enum: ['a', 'b'] } }, required: ['label'] };
const TOOL_JOB = { schema: SCHEMA, output: { mode: 'tool' as const, toolName: 'record_answer' } };

describe('answerTool', () => {
  it('is null for a text job, and for a job recorded before the output key existed', () => {
    expect(answerTool({ schema: SCHEMA, output: { mode: 'text', toolName: 'record_answer' } })).toBeNull();
    expect(answerTool({ schema: SCHEMA })).toBeNull();
  });

  it('makes the output schema the input_schema of one tool, and forces that tool', () => {
    expect(answerTool(TOOL_JOB)).toEqual({
      tools: [{ name: 'record_answer', description: ANSWER_TOOL_DESCRIPTION, input_schema: SCHEMA }],
      tool_choice: { type: 'tool', name: 'record_answer' },
    });
  });

  it('counts the definition as sent (four characters a token) plus the tool-use system prompt', () => {
    const tool = answerTool(TOOL_JOB)!;
    expect(answerToolTokens(tool)).toBe(
      Math.ceil(JSON.stringify(tool.tools).length / 4) + TOOL_USE_SYSTEM_PROMPT_TOKENS,
    );
    expect(answerToolTokens(null)).toBe(0);
  });
});

describe('renderRequest with an answer tool', () => {
  const options = { model: 'claude-haiku-4-5', maxTokens: 200, fence: null };

  it('adds tools and tool_choice to the request in tool mode', () => {
    const rendered = renderRequest(
      'Classify: {{text}}',
      { text: 'fine' },
      { ...options, tool: answerTool(TOOL_JOB) },
    );
    expect(rendered).toEqual({
      params: {
        model: 'claude-haiku-4-5',
        max_tokens: 200,
        messages: [{ role: 'user', content: 'Classify: fine' }],
        tools: [{ name: 'record_answer', description: ANSWER_TOOL_DESCRIPTION, input_schema: SCHEMA }],
        tool_choice: { type: 'tool', name: 'record_answer' },
      },
    });
  });

  it('sends a text job exactly as before: no tools key at all, byte for byte', () => {
    const plain = renderRequest('Classify: {{text}}', { text: 'fine' }, options);
    const withNull = renderRequest('Classify: {{text}}', { text: 'fine' }, { ...options, tool: null });
    expect(JSON.stringify(withNull)).toBe(JSON.stringify(plain));
    expect(JSON.stringify(plain)).toBe(
      '{"params":{"model":"claude-haiku-4-5","max_tokens":200,"messages":[{"role":"user","content":"Classify: fine"}]}}',
    );
  });
});
