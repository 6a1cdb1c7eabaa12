import { type ModelReply, simulateModel } from '../model/simulated-model.js';
import type { Rng } from '../seed.js';
import type { SimBatch } from './sim-batch.js';

/** The simulated model's answer to request `index` of `batch`: a pure function of seed and prompt. */
export function simulatedReply(seed: number, batch: SimBatch, index: number): ModelReply {
  const params = batch.requests[index]!.params;
  return simulateModel(seed, {
    model: batch.plan.models[index]!,
    system: params.system,
    messages: params.messages,
    maxTokens: params.max_tokens as number,
  });
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
