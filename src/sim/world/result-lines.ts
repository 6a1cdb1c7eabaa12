import type { ModelReply } from '../model/simulated-model.js';
import type { ErrorType } from './api-types.js';
import { replyWire } from './tool-reply.js';

/**
 * One JSONL line per result, built by string concatenation: this runs once per row of every
 * download and is the hot path of the results stream. The shapes follow the rows seen live.
 */
export function succeededLine(customId: string, messageId: string, model: string, reply: ModelReply): string {
  const wire = replyWire(reply); // a text block, or a forced tool's call (tool-reply.ts)
  return (
    `{"custom_id":${JSON.stringify(customId)},"result":{"type":"succeeded","message":{"id":"${messageId}",` +
    `"type":"message","role":"assistant","model":${JSON.stringify(model)},` +
    `"content":${wire.content},` +
    `"stop_reason":"${wire.stopReason}","stop_sequence":null,"usage":{"input_tokens":${reply.inputTokens},` +
    `"cache_creation_input_tokens":0,"cache_read_input_tokens":0,` +
    `"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},` +
    `"output_tokens":${reply.outputTokens},"service_tier":"batch","inference_geo":"not_available"}}}}`
  );
}

/** An errored row carries the full error envelope, with the `details` and null `request_id` seen live. */
export function erroredLine(customId: string, errorType: ErrorType, message: string): string {
  return (
    `{"custom_id":${JSON.stringify(customId)},"result":{"type":"errored","error":{"type":"error",` +
    `"error":{"details":{"error_visibility":"user_facing"},"type":"${errorType}","message":${JSON.stringify(message)}},` +
    `"request_id":null}}}`
  );
}

export function canceledLine(customId: string): string {
  return `{"custom_id":${JSON.stringify(customId)},"result":{"type":"canceled"}}`;
}

export function expiredLine(customId: string): string {
  return `{"custom_id":${JSON.stringify(customId)},"result":{"type":"expired"}}`;
}
