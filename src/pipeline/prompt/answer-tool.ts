import type { Tool, ToolChoiceTool } from '@anthropic-ai/sdk/resources/messages';
import type { Job } from '../job/job.js';

/*
 * Structured output through a forced tool call: the job's output schema becomes the input_schema
 * of one tool, and tool_choice forces the model to call it, so the answer arrives as the call's
 * `input` (an object the API has parsed) instead of as JSON text the gate must parse.
 */

/** What a request carries in tool mode: the one tool and the choice that forces it. */
export interface AnswerTool {
  tools: [Tool];
  tool_choice: ToolChoiceTool;
}

/** Said to the model beside the schema; part of every request, so part of its input tokens. */
export const ANSWER_TOOL_DESCRIPTION =
  'Record the answer for the one item in the message. The input is the answer itself, in the form its schema gives.';

/**
 * Input tokens the API adds to a request that forces a tool, beyond the tool's own definition:
 * its tool-use system prompt. The stored copy of the docs' "Tool use system prompt token count"
 * table (docs.anthropic.com/en/docs/tool-use-pricing-and-tokens, found with the search tool)
 * lists, for tool_choice `any` or `tool`: Claude 3 Opus 281, Claude 3 Sonnet 235, Claude 3 Haiku
 * 340 tokens; the newer models' rows are not in that copy. The preflight is a worst case, so it
 * takes the largest documented figure, 340.
 */
export const TOOL_USE_SYSTEM_PROMPT_TOKENS = 340;

/** The tool and tool_choice a job's requests carry, or null for a job answering in text. */
export function answerTool(job: Pick<Job, 'output' | 'schema'>): AnswerTool | null {
  if (job.output?.mode !== 'tool') return null;
  const name = job.output.toolName;
  return {
    tools: [
      {
        name,
        description: ANSWER_TOOL_DESCRIPTION,
        input_schema: job.schema as Tool.InputSchema,
      },
    ],
    tool_choice: { type: 'tool', name },
  };
}

/**
 * Input tokens the tool adds to every request, by the same four-characters-a-token rule as the
 * prompt's estimate: its definition as sent (JSON) plus the tool-use system prompt.
 */
export function answerToolTokens(tool: AnswerTool | null): number {
  if (tool === null) return 0;
  return Math.ceil(JSON.stringify(tool.tools).length / 4) + TOOL_USE_SYSTEM_PROMPT_TOKENS;
}
