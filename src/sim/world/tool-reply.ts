import type { ModelReply } from '../model/simulated-model.js';
import { estimateTokens } from '../model/tokens.js';
import { keyedRng } from '../seed.js';
import { makeId } from './ids.js';

/*
 * Replies to a request that forces a tool (`tool_choice: {type: 'tool', name}`), the way teams get
 * JSON from Claude: the model's answer object becomes the `input` of a `tool_use` content block,
 * `stop_reason` is `tool_use`, and the input tokens billed include the tool's definition and the
 * tool-use system prompt. The reply keeps the model's JSON text beside the call it stands for, so
 * a fault can rewrite the answer the way it rewrites a text answer; the results line is rendered
 * from both at the end (replyContent, replyStopReason).
 */

/** The forced tool call a reply stands for (the API's `toolu_…` id and the tool's name). */
export interface ToolCall {
  id: string;
  name: string;
}

/** A model reply that may stand for a tool call; faults spread it, so the call survives them. */
export type WorldReply = ModelReply & { tool?: ToolCall };

/**
 * The tool-use system prompt the API adds to a request with tools. The stored copy of the docs'
 * table (docs.anthropic.com/en/docs/tool-use-pricing-and-tokens) lists for tool_choice any/tool
 * 281, 235 and 340 tokens (Claude 3 Opus, Sonnet, Haiku); the world bills the largest, 340, the
 * same figure the pipeline's preflight counts (answer-tool.ts), so its estimate meets the bill.
 * (tool_choice auto differs by model in the docs; the world bills every request with tools alike.)
 */
export const TOOL_USE_SYSTEM_PROMPT_TOKENS = 340;

/** The forced tool's name, when `tool_choice` forces one (validateParams checked it is defined). */
export function forcedToolName(params: Record<string, unknown>): string | null {
  const choice = params.tool_choice as { type?: unknown; name?: unknown } | undefined;
  return choice?.type === 'tool' && typeof choice.name === 'string' ? choice.name : null;
}

/** Input tokens a request's tools add: their definitions as sent, four characters a token, and the system prompt. */
export function toolInputTokens(tools: unknown): number {
  if (!Array.isArray(tools) || tools.length === 0) return 0;
  return estimateTokens(JSON.stringify(tools)) + TOOL_USE_SYSTEM_PROMPT_TOKENS;
}

/**
 * The model's reply as a call of the forced tool `name`; `key` (batch id and custom_id) seeds the
 * call's id. The output tokens stay the answer's: the input JSON is what the model writes.
 */
export function asToolCall(reply: ModelReply, name: string, seed: number, ...key: string[]): WorldReply {
  return { ...reply, tool: { id: makeId('toolu_01', 22, keyedRng(seed, 'tool-use-id', ...key)), name } };
}

/**
 * What a results line says of a reply: its content blocks (JSON) and stop_reason. A text reply
 * is one text block with the model's stop reason, as always; a tool call is a `tool_use` block
 * and `tool_use`, or, cut at max_tokens, the fields whole before the cut (no block if none was).
 */
export function replyWire(reply: ModelReply): { content: string; stopReason: string } {
  const call = toolCallOf(reply);
  const input = call === undefined ? undefined : toolInput(reply);
  if (call === undefined || input === undefined)
    return {
      content: `[{"type":"text","text":${JSON.stringify(reply.text)}}]`,
      stopReason: reply.stopReason,
    };
  if (input === null) return { content: '[]', stopReason: reply.stopReason };
  const block = `{"type":"tool_use","id":"${call.id}","name":${JSON.stringify(call.name)},"input":${JSON.stringify(input)}}`;
  return {
    content: `[${block}]`,
    stopReason: reply.stopReason === 'end_turn' ? 'tool_use' : reply.stopReason,
  };
}

export function toolCallOf(reply: ModelReply): ToolCall | undefined {
  return (reply as WorldReply).tool;
}

/** Longest run of fields tried when a cut answer is read back: answers are a few fields long. */
const CUT_FIELDS_TRIED_MAX = 32;

/**
 * The call's input: the answer's JSON object; for an answer cut at max_tokens, the fields that were
 * whole before the cut (null when none was); undefined when the text is no JSON object at all (an
 * answer the model gave in text: an obeyed injection, or a fault that broke the call).
 */
function toolInput(reply: ModelReply): Record<string, unknown> | null | undefined {
  const whole = objectOf(reply.text);
  if (whole !== undefined) return whole;
  if (reply.stopReason !== 'max_tokens' || !reply.text.startsWith('{')) return undefined;
  let end = reply.text.length;
  for (let tried = 0; tried < CUT_FIELDS_TRIED_MAX; tried++) {
    end = reply.text.lastIndexOf(',', end - 1);
    if (end <= 0) return null;
    const partial = objectOf(`${reply.text.slice(0, end)}}`);
    if (partial !== undefined) return partial;
  }
  return null;
}

function objectOf(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
