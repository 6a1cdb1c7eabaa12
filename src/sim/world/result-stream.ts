import { type ModelReply, simulateModel } from '../model/simulated-model.js';
import { keyedRng, type Rng } from '../seed.js';
import { messageId } from './ids.js';
import { canceledLine, erroredLine, expiredLine, succeededLine } from './result-lines.js';
import type { SimBatch } from './sim-batch.js';

/** Characters per yielded chunk: large enough to amortise encoding, small enough to stay flat. */
export const RESULT_CHUNK_CHARS = 64 * 1024;

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

/**
 * The results file of an ended batch as JSONL chunks, one object per line, each ending in `\n`,
 * in a seeded order that is not the submission order. Rows are built as they are read, so memory
 * stays flat however large the batch; every download of a batch gives the same bytes.
 */
export function* resultChunks(seed: number, batch: SimBatch): Generator<string> {
  const order = resultOrder(batch.requests.length, keyedRng(seed, 'results-order', batch.id));
  let chunk = '';
  for (let k = 0; k < order.length; k++) {
    chunk += `${resultLine(seed, batch, order[k]!)}\n`;
    if (chunk.length >= RESULT_CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}

function resultLine(seed: number, batch: SimBatch, index: number): string {
  const request = batch.requests[index]!;
  switch (batch.resultType(index)) {
    case 'succeeded': {
      const id = messageId(keyedRng(seed, 'message-id', batch.id, request.custom_id));
      return succeededLine(request.custom_id, id, request.params.model as string, simulatedReply(seed, batch, index));
    }
    case 'errored': {
      const error = batch.plan.errors.get(index)!;
      return erroredLine(request.custom_id, error.errorType, error.message);
    }
    case 'canceled':
      return canceledLine(request.custom_id);
    case 'expired':
      return expiredLine(request.custom_id);
  }
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
