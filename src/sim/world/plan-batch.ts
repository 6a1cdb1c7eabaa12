import type { BoundFault } from '../faults/bound-fault.js';
import type { CreatedBatch } from '../faults/world-fault.js';
import { keyedRng } from '../seed.js';
import type { ErrorType } from './api-types.js';
import { type ProcessingOptions, planFinishTimes } from './processing.js';
import { type BatchPlan, Planned } from './sim-batch.js';
import { validateParams } from './validate-params.js';

/**
 * Decide a new batch's future at create time: when each request finishes (from the batch's own
 * seeded stream) and whether it will succeed or error (deferred `params` validation, then any
 * fault that plans an error or a request that never finishes).
 */
export function planBatch(
  seed: number,
  batch: CreatedBatch,
  processing: ProcessingOptions,
  faults: readonly BoundFault[] = [],
): BatchPlan {
  const { requests } = batch;
  const finishAtMs = planFinishTimes(
    requests.length,
    batch.createdAtMs,
    processing,
    keyedRng(seed, 'processing', batch.id),
  );
  const planned = new Uint8Array(requests.length);
  const models: BatchPlan['models'][number][] = new Array(requests.length);
  const errors = new Map<number, { errorType: ErrorType; message: string }>();
  const planners = faults.filter((f) => f.fault.plan);
  for (let i = 0; i < requests.length; i++) {
    const check = validateParams(requests[i]!.params);
    if (!check.ok) {
      planned[i] = Planned.Errored;
      errors.set(i, { errorType: check.errorType, message: check.message });
      continue;
    }
    planned[i] = Planned.Succeeded;
    models[i] = check.model;
    for (const { fault, ctx } of planners) {
      const change = fault.plan!(batch, i, ctx);
      if (change === undefined) continue;
      if ('error' in change) {
        planned[i] = Planned.Errored;
        errors.set(i, change.error);
      } else finishAtMs[i] = Number.POSITIVE_INFINITY;
      break;
    }
  }
  return { finishAtMs, planned, models, errors, resultsKeptMs: processing.resultsKeptMs };
}
