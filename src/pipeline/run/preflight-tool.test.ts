import { describe, expect, it } from 'vitest';
import { memoryDuckDb } from '../../../test/support/memory-duckdb.js';
import type { Job } from '../job/job.js';
import { answerTool, answerToolTokens, TOOL_USE_SYSTEM_PROMPT_TOKENS } from '../prompt/answer-tool.js';
import { inputTokensSql } from './preflight.js';
import type { RunContext } from './run-context.js';

const duckdb = memoryDuckDb();

const SCHEMA = { type: 'object', properties: { label: { enum: ['positive', 'negative'] } } };

async function estimate(output: Job['output']): Promise<number> {
  const ctx = {
    job: { template: 'Classify: {{text}}', schema: SCHEMA, output },
    fence: null,
  } as unknown as RunContext;
  const reader = await duckdb().runAndReadAll(
    `SELECT ${inputTokensSql(ctx)}::INTEGER AS n FROM (SELECT ? AS row_json)`,
    [JSON.stringify({ text: 'a fine kettle' })],
  );
  return Number(reader.getRowObjectsJS()[0]!.n);
}

describe('the preflight estimate in tool mode', () => {
  it('adds the forced tool: its definition as sent and the tool-use system prompt, to every row', async () => {
    const text = await estimate({ mode: 'text', toolName: 'record_answer' });
    const tool = await estimate({ mode: 'tool', toolName: 'record_answer' });
    const added = answerToolTokens(
      answerTool({ schema: SCHEMA, output: { mode: 'tool', toolName: 'record_answer' } }),
    );
    expect(tool - text).toBe(added);
    expect(added).toBeGreaterThan(TOOL_USE_SYSTEM_PROMPT_TOKENS);
    expect(await estimate(undefined)).toBe(text);
  });
});
