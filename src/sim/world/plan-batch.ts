import { keyedRng } from '../seed.js';
import type { BatchRequest, ErrorType } from './api-types.js';
import { type ProcessingOptions, planFinishTimes } from './processing.js';
import { type BatchPlan, Planned } from './sim-batch.js';
import { validateParams } from './validate-params.js';

/**
 * Decide a new batch's future at create time: when each request finishes (from the batch's own
 * seeded stream) and whether it will succeed or error (deferred `params` validation).
 */
export function planBatch(
  seed: number,
  id: string,
  createdAtMs: number,
  requests: readonly BatchRequest[],
  processing: ProcessingOptions,
): BatchPlan {
  const finishAtMs = planFinishTimes(
    requests.length,
    createdAtMs,
    processing,
    keyedRng(seed, 'processing', id),
  );
  const planned = new Uint8Array(requests.length);
  const models: BatchPlan['models'][number][] = new Array(requests.length);
  const errors = new Map<number, { errorType: ErrorType; message: string }>();
  for (let i = 0; i < requests.length; i++) {
    const check = validateParams(requests[i]!.params);
    if (check.ok) {
      planned[i] = Planned.Succeeded;
      models[i] = check.model;
    } else {
      planned[i] = Planned.Errored;
      errors.set(i, { errorType: check.errorType, message: check.message });
    }
  }
  return { finishAtMs, planned, models, errors };
}
