import { type ModelReply, type ModelTask, simulateModel } from '../model/simulated-model.js';
import type { Rng } from '../seed.js';
import type { SimBatch } from './sim-batch.js';
import { asToolCall, forcedToolName, toolInputTokens } from './tool-reply.js';

/**
 * The simulated model's answer to request `index` of `batch`: a pure function of seed and prompt.
 * With a task (WorldOptions.task) the model answers that task. A request with tools is billed for them; one forcing a tool gets the answer as its call (tool-reply.ts).
 */
export function simulatedReply(seed: number, batch: SimBatch, index: number, task?: ModelTask): ModelReply {
  const request = batch.requests[index]!;
  const params = request.params;
  const reply = simulateModel(seed, {
    model: batch.plan.models[index]!,
    system: params.system,
    messages: params.messages,
    maxTokens: params.max_tokens as number,
    task,
  });
  if (params.tools === undefined) return reply;
  // Tools are billed as input whether or not the model calls one.
  const billed = { ...reply, inputTokens: reply.inputTokens + toolInputTokens(params.tools) };
  const tool = forcedToolName(params);
  return tool === null ? billed : asToolCall(billed, tool, seed, batch.id, request.custom_id);
}

/** A seeded shuffle (Fisher–Yates); never the identity for two or more rows, as the docs warn. */
export function resultOrder(count: number, rng: Rng): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  for (let i = count - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  if (count >= 2 && order.every((value, i) => value === i)) order.reverse();
  return order;
}
