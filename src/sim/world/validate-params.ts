import { findModel, type ModelInfo } from '../../core/price-table.js';
import { countInputTokens } from '../model/tokens.js';
import type { ErrorType } from './api-types.js';
import { toolInputTokens } from './tool-reply.js';
import { isObject } from './validate-create.js';
import { toolsProblem } from './validate-tools.js';

/** Parameters the Messages API accepts but a batch refuses (DOCS-BATCH 2026 table). */
const UNSUPPORTED_IN_BATCH = [
  'speed',
  'store',
  'previous_thread_event_id',
  'cache_hint',
  'context_hint',
  'research_preview_2026_02',
];

export type ParamsCheck =
  | { ok: true; model: ModelInfo; maxTokens: number }
  | { ok: false; errorType: ErrorType; message: string };

/**
 * Deferred validation of one request's `params`: the API accepts the batch and reports these
 * as errored result rows once the batch has ended, with the messages seen live.
 */
export function validateParams(params: Record<string, unknown>): ParamsCheck {
  const fail = (message: string, errorType: ErrorType = 'invalid_request_error'): ParamsCheck => ({
    ok: false,
    errorType,
    message,
  });
  if (params.stream === true) return fail('"stream=True" is not supported in the Message Batches API');
  for (const key of UNSUPPORTED_IN_BATCH) {
    if (key in params) return fail(`${key}: is not supported in the Message Batches API`);
  }
  if (params.model === undefined) return fail('model: Field required');
  if (typeof params.model !== 'string') return fail('model: Input should be a valid string');
  if (params.messages === undefined) return fail('messages: Field required');
  if (!Array.isArray(params.messages)) return fail('messages: Input should be a valid list');
  if (params.messages.length === 0) return fail('messages: at least one message is required');
  for (let i = 0; i < params.messages.length; i++) {
    const message: unknown = params.messages[i];
    if (!isObject(message) || (message.role !== 'user' && message.role !== 'assistant')) {
      return fail(`messages.${i}.role: Input should be 'user' or 'assistant'`);
    }
    if (typeof message.content !== 'string' && !Array.isArray(message.content)) {
      return fail(`messages.${i}.content: Input should be a valid string or list`);
    }
  }
  const maxTokens = params.max_tokens;
  if (maxTokens === undefined) return fail('max_tokens: Field required');
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens)) {
    return fail('max_tokens: Input should be a valid integer');
  }
  if (maxTokens < 1) return fail('max_tokens: must be greater than or equal to 1');
  const tools = toolsProblem(params);
  if (tools) return fail(tools);
  const model = findModel(params.model);
  if (!model) return fail(`model: ${params.model}`, 'not_found_error');
  if (maxTokens > model.maxOutputTokens) {
    return fail(
      `max_tokens: ${maxTokens} > ${model.maxOutputTokens}, which is the maximum allowed number of output tokens for ${model.id}`,
    );
  }
  const overWindow = contextWindowProblem(params, model, maxTokens);
  if (overWindow) return fail(overWindow);
  return { ok: true, model, maxTokens };
}

/**
 * Why a request does not fit its model's context window, in the API's words, or null. Tokens
 * (its tools' included) are the world's own estimate, the one usage and billing report, so a prompt is refused exactly
 * when the tokens it would have been billed for do not fit.
 */
function contextWindowProblem(
  params: Record<string, unknown>,
  model: ModelInfo,
  maxTokens: number,
): string | null {
  const window = model.contextWindowTokens;
  const input = countInputTokens(params.system, params.messages) + toolInputTokens(params.tools);
  if (input > window) return `prompt is too long: ${input} tokens > ${window} maximum`;
  if (input + maxTokens > window) {
    return (
      `input length and \`max_tokens\` exceed context limit: ${input} + ${maxTokens} > ${window}, ` +
      'decrease input length or `max_tokens` and try again'
    );
  }
  return null;
}
