import { statSync } from 'node:fs';
import type { Clock } from '../../core/clock.js';
import { findModel } from '../../core/price-table.js';
import type { BoundFault } from '../faults/bound-fault.js';
import type { FaultAnswer, HttpCall, HttpFault, RouteName } from '../faults/http-fault.js';
import { type DrillSetup, faultContext, type SourceHandle, type WorldFault } from '../faults/world-fault.js';
import type { ModelTask } from '../model/simulated-model.js';
import { countInputTokens } from '../model/tokens.js';
import { keyedUnit, type Rng, streamFor } from '../seed.js';
import { ApiError, notFoundBatch } from './api-error.js';
import type { BatchListJson, BatchRequest, MessageBatchJson } from './api-types.js';
import type { GroundTruth, HttpFaultEvidence } from './ground-truth.js';
import { batchId, requestId } from './ids.js';
import { type ListQuery, listPage } from './list-page.js';
import { planBatch } from './plan-batch.js';
import { DEFAULT_PROCESSING, type ProcessingOptions } from './processing.js';
import { ResultsFolder, readResultsFile, writeResultsFile } from './results-file.js';
import { SimBatch } from './sim-batch.js';
import { toolInputTokens } from './tool-reply.js';
import { BATCH_BYTES_MAX, isObject, validateCreate } from './validate-create.js';

export interface WorldOptions {
  /** Root seed: the same seed and the same calls give byte-identical responses. */
  seed: number;
  clock: Clock;
  /** Origin of `results_url`; the adapter serving the world must answer there. */
  origin?: string;
  processing?: Partial<ProcessingOptions>;
  /** When set, the only key accepted; otherwise any non-empty key is. */
  apiKey?: string;
  /** Create bodies above this many bytes get 413 (default 256 MB). */
  batchBytesMax?: number;
  /**
   * Requests that may wait in the processing queue at once, every batch together (the API's
   * per-tier limit: 100,000 on Tier 1). A create that would pass it gets 429 until requests
   * finish. Unset: no limit.
   */
  queueRequestsMax?: number;
  /** HTTP faults at their own rates (the background faults every drill may carry). */
  httpFaults?: readonly HttpFault[];
  /** Failure-mode faults (src/sim/faults): their hooks run at create and when results are written. */
  faults?: readonly WorldFault[];
  /**
   * The faults act only on batches made after `prepare`: a drill that runs the clean job first
   * (a baseline, rows to spoil) keeps that run clean. Unset: from the first batch.
   */
  armAtPrepare?: boolean;
  /**
   * Drop a batch's requests once its results file is written (default: keep them). `serve` does:
   * no checker reads them over HTTP, and a run of millions of rows would otherwise leave every
   * request it sent in the server's memory. `requestOf` then knows only unsettled batches.
   */
  releaseSettledRequests?: boolean;
  /** The job's source file, for faults that edit it while a run is in flight. */
  source?: SourceHandle;
  /**
   * The job the simulated model answers (TASK MODE in src/sim/model/simulated-model.ts): its
   * output schema, golden rows and quote fields as the team wrote them, never as a fault left
   * them. Unset: the model's own review-sentiment task, as before.
   */
  task?: ModelTask;
}

/** Origin in-process worlds use: `.invalid` can never resolve, so nothing leaks to a network. */
export const SIM_ORIGIN = 'http://batches.sim.invalid';

/**
 * The simulated Message Batches API: plain TypeScript that imports neither msw nor the SDK.
 * Adapters map HTTP routes onto these methods; checkers read `groundTruth()`. Batch state is a
 * pure function of virtual time, so nothing runs between calls.
 */
export class BatchWorld {
  readonly seed: number;
  readonly clock: Clock;
  origin: string;
  private readonly processing: ProcessingOptions;
  private readonly batches = new Map<string, SimBatch>();
  private readonly idStream: Rng;
  private readonly requestIdStream: Rng;
  private readonly attempts = new Map<string, number>();
  private created = 0;
  private rateLimitedUntilMs = 0;
  private readonly truth: GroundTruth = {
    billing: [],
    httpFaults: [],
    evidence: [],
    deleted: [],
    internalErrors: [],
  };
  private readonly faults: readonly BoundFault[];
  /**
   * How many batches the world had made when the faults were armed (at `prepare`, with
   * `armAtPrepare`; else from the start), or null before then. The faults leave earlier batches
   * alone, and a fault's batch indexes count from the first batch after it.
   */
  private armedFrom: number | null;
  private readonly unconfirmed = new Map<FaultAnswer, HttpFaultEvidence>();
  private readonly httpFaults: readonly HttpFault[];
  private readonly resultsFiles = new Map<string, string>();
  private readonly folder = new ResultsFolder();

  constructor(private readonly options: WorldOptions) {
    this.seed = options.seed;
    this.armedFrom = options.armAtPrepare ? null : 0;
    this.clock = options.clock;
    this.origin = options.origin ?? SIM_ORIGIN;
    this.processing = { ...DEFAULT_PROCESSING, ...options.processing };
    this.idStream = streamFor(options.seed, 'batch-ids');
    this.requestIdStream = streamFor(options.seed, 'request-ids');
    this.faults = (options.faults ?? []).map((fault) => ({
      fault,
      ctx: faultContext(options.seed, fault.name, this.truth.evidence, options.source),
    }));
    // A failure mode's own HTTP faults come first, so the background never takes the calls a
    // drill's fault is about (the first fault that fires on a call wins).
    this.httpFaults = [
      ...this.faults.flatMap((f) => f.fault.httpFaults ?? []),
      ...(options.httpFaults ?? []),
    ];
  }

  /** Let each fault change the drill's job and rows before the run (poison, oversize, inject). */
  prepare(setup: DrillSetup): void {
    if (this.armedFrom === null) this.armedFrom = this.created;
    for (const { fault, ctx } of this.faults) fault.prepare?.(setup, ctx);
  }

  /** The failure-mode faults that act on a batch: none on one made before they were armed (sequence -1). */
  private faultsOn(sequence: number): readonly BoundFault[] {
    return sequence >= 0 ? this.faults : [];
  }

  /** The faults this world carries. */
  faultList(): readonly WorldFault[] {
    return this.faults.map((f) => f.fault);
  }

  /** Record evidence of fault `name` found outside the world (a drill's crash of the pipeline). */
  recordEvidence(name: string, kind: string, id: string): void {
    this.truth.evidence.push({ fault: name, kind, id, batchId: null });
  }

  /** A fresh `request-id`, drawn in call order. */
  nextRequestId(): string {
    return requestId(this.requestIdStream);
  }

  /** 401 unless a key came in `x-api-key` or `Authorization: Bearer` (the SDK 1.12 sends the latter). */
  authenticate(apiKeyHeader: string | null, authorizationHeader: string | null): void {
    const bearer = authorizationHeader?.match(/^Bearer\s+(.+)$/i)?.[1] ?? null;
    const key = apiKeyHeader || bearer;
    if (!key) throw new ApiError('authentication_error', 'x-api-key header is required');
    if (this.options.apiKey !== undefined && key !== this.options.apiKey) {
      throw new ApiError('authentication_error', 'API key is invalid.');
    }
  }

  /**
   * The fault, if any, that spoils this call (answers instead of the world, drops it, slows it,
   * loses or cuts its response); it is recorded as evidence. The first fault that fires wins.
   */
  intercept(route: RouteName, key: string): FaultAnswer | null {
    const nowMs = this.clock.now();
    const attempt = this.attempts.get(key) ?? 0;
    this.attempts.set(key, attempt + 1);
    if (nowMs < this.rateLimitedUntilMs) {
      const waitS = Math.ceil((this.rateLimitedUntilMs - nowMs) / 1000);
      this.truth.httpFaults.push({
        name: 'rate_limit_window',
        family: 'http',
        route,
        key,
        attempt,
        atMs: nowMs,
      });
      const error = new ApiError('rate_limit_error', 'Rate limited: retried before retry-after elapsed.', {
        'retry-after': String(waitS),
      });
      return { kind: 'error', error };
    }
    const batch = this.batches.get(key.split('/')[4] ?? '');
    const call: HttpCall = { route, key, attempt, nowMs };
    if (batch) call.batchAgeMs = nowMs - batch.createdAtMs;
    for (const fault of this.httpFaults) {
      if (fault.routes && !fault.routes.includes(route)) continue;
      if (attempt >= fault.attemptsMax || (fault.applies && !fault.applies(call))) continue;
      if (keyedUnit(this.seed, 'http-fault', fault.name, key, attempt) >= fault.rate) continue;
      const answer = fault.respond(call);
      if (answer.kind === 'error') {
        const retryAfterS = Number(answer.error.headers['retry-after']);
        if (answer.error.status === 429 && retryAfterS > 0)
          this.rateLimitedUntilMs = nowMs + retryAfterS * 1000;
      }
      const evidence = { name: fault.name, family: fault.family, route, key, attempt, atMs: nowMs };
      // A fault that spoils the response acts only if the world serves the call: recorded by `confirm`.
      if (answer.kind === 'lose_response' || answer.kind === 'cut_body')
        this.unconfirmed.set(answer, evidence);
      else this.truth.httpFaults.push(evidence);
      return answer;
    }
    return null;
  }

  /** The call `answer` spoils was served: its response is now lost or cut, so the fault fired. */
  confirm(answer: FaultAnswer): void {
    const evidence = this.unconfirmed.get(answer);
    this.unconfirmed.delete(answer);
    if (evidence) this.truth.httpFaults.push(evidence);
  }

  create(bodyText: string, bodyBytes: number): MessageBatchJson {
    const requests = validateCreate(bodyText, bodyBytes, this.options.batchBytesMax ?? BATCH_BYTES_MAX);
    this.refuseIfQueueFull(requests.length);
    const created = {
      id: batchId(this.idStream),
      sequence: this.armedFrom === null ? -1 : this.created - this.armedFrom,
      createdAtMs: this.clock.now(),
      requests,
    };
    this.created++;
    const faults = this.faultsOn(created.sequence);
    const processing = { ...this.processing };
    for (const { fault } of faults) Object.assign(processing, fault.processing?.(created));
    const plan = planBatch(this.seed, created, processing, faults);
    const batch = new SimBatch(created.id, created.sequence, created.createdAtMs, requests, plan);
    this.batches.set(created.id, batch);
    for (const { fault, ctx } of faults) {
      const cancelAfterMs = fault.afterCreate?.(created, ctx)?.cancelAfterMs;
      if (cancelAfterMs !== undefined)
        batch.cancel(created.createdAtMs + cancelAfterMs, this.cancelDelayMs(created.id));
    }
    return batch.toJson(created.createdAtMs, this.origin);
  }

  /**
   * "A batch request is considered part of the processing queue when it has yet to be successfully
   * processed by the model" (DOCS-RL): the requests still processing in every batch. The reference
   * quotes no message for a full queue; this one is ours.
   */
  private refuseIfQueueFull(adding: number): void {
    const max = this.options.queueRequestsMax;
    if (max === undefined) return;
    const nowMs = this.clock.now();
    let queued = 0;
    for (const batch of this.batches.values()) queued += batch.counts(nowMs).processing;
    if (queued + adding <= max) return;
    this.truth.httpFaults.push({
      name: 'queue_full',
      family: 'http',
      route: 'create',
      key: 'queue',
      attempt: 0,
      atMs: nowMs,
    });
    throw new ApiError(
      'rate_limit_error',
      `Number of batch requests in the processing queue would exceed your limit of ${max} (${queued} queued, ${adding} more asked).`,
      { 'retry-after': '60' },
    );
  }

  retrieve(id: string): MessageBatchJson {
    const batch = this.mustGet(id);
    this.settle(batch);
    return batch.toJson(this.clock.now(), this.origin);
  }

  list(query: ListQuery): BatchListJson {
    const nowMs = this.clock.now();
    const newestFirst = [...this.batches.values()].reverse();
    const page = listPage(newestFirst, query);
    return { ...page, data: page.data.map((batch) => batch.toJson(nowMs, this.origin)) };
  }

  cancel(id: string): MessageBatchJson {
    const batch = this.mustGet(id);
    const nowMs = this.clock.now();
    batch.cancel(nowMs, this.cancelDelayMs(id));
    return batch.toJson(nowMs, this.origin);
  }

  private cancelDelayMs(id: string): number {
    const [low, high] = this.processing.cancelDelayMs;
    return Math.round(keyedUnit(this.seed, 'cancel-delay', id) * (high - low) + low);
  }

  /** "Message Batches can only be deleted once they've finished processing." */
  delete(id: string): { id: string; type: 'message_batch_deleted' } {
    const batch = this.mustGet(id);
    if (!batch.isEnded(this.clock.now())) {
      throw new ApiError(
        'invalid_request_error',
        'In progress batches cannot be deleted. Consider canceling the batch instead.',
      );
    }
    this.settle(batch);
    this.folder.remove(id);
    this.batches.delete(id);
    this.truth.deleted.push(id);
    return { id, type: 'message_batch_deleted' };
  }

  /**
   * The results file as byte chunks, read lazily from the file written when the batch ended.
   * 404 before the end, and after the 29-day archive.
   */
  results(id: string): Iterable<Uint8Array> {
    const batch = this.mustGet(id);
    const nowMs = this.clock.now();
    if (!batch.isEnded(nowMs))
      throw new ApiError('not_found_error', `Message Batch ${id} has no available results.`);
    if (nowMs >= batch.archivedAtMs) {
      throw new ApiError(
        'not_found_error',
        `Message Batch ${id} has been archived; its results are no longer available (kept 29 days after creation).`,
      );
    }
    return readResultsFile(this.settle(batch));
  }

  /** Size in bytes of an ended batch's results file (0 before it ends). */
  resultsBytes(id: string): number {
    const path = this.settle(this.mustGet(id));
    return path === '' ? 0 : statSync(path).size;
  }

  /**
   * The request a batch holds for `customId`, for checkers (undefined if it has none, or if the
   * world released the batch's requests: releaseSettledRequests).
   */
  requestOf(batchId: string, customId: string): BatchRequest | undefined {
    return this.batches.get(batchId)?.requests.find((r) => r.custom_id === customId);
  }

  /** An ended batch's results file, line by line, for checkers (empty before it ends). */
  *resultLinesOf(batchId: string): Generator<string> {
    const batch = this.batches.get(batchId);
    const path = batch ? this.settle(batch) : '';
    if (path === '') return;
    let rest = '';
    for (const chunk of readResultsFile(path)) {
      const lines = (rest + Buffer.from(chunk).toString('utf8')).split('\n');
      rest = lines.pop()!;
      yield* lines;
    }
    if (rest !== '') yield rest;
  }

  countTokens(bodyText: string): { input_tokens: number } {
    let body: unknown;
    try {
      body = JSON.parse(bodyText);
    } catch (error) {
      throw new ApiError(
        'invalid_request_error',
        `The request body is not valid JSON: ${(error as Error).message}`,
      );
    }
    if (!isObject(body)) throw new ApiError('invalid_request_error', 'Input should be a valid dictionary');
    if (typeof body.model !== 'string') throw new ApiError('invalid_request_error', 'model: Field required');
    if (!Array.isArray(body.messages))
      throw new ApiError('invalid_request_error', 'messages: Field required');
    if (!findModel(body.model)) throw new ApiError('not_found_error', `model: ${body.model}`);
    // Tools are billed as input (tool-reply.ts), so they are counted here too.
    return { input_tokens: countInputTokens(body.system, body.messages) + toolInputTokens(body.tools) };
  }

  /** Record a failure of the simulation itself (a bug), which the adapters answer with a 500. */
  recordInternalError(route: RouteName, error: unknown): void {
    this.truth.internalErrors.push({ route, message: String((error as Error)?.stack ?? error) });
  }

  /** Remove this world's results files. */
  dispose(): void {
    this.folder.dispose();
  }

  /** What the world did, for checkers and tests; the pipeline never sees it. */
  groundTruth(): GroundTruth {
    for (const batch of this.batches.values()) this.settle(batch);
    return this.truth;
  }

  private mustGet(id: string): SimBatch {
    const batch = this.batches.get(id);
    if (!batch) throw notFoundBatch(id);
    return batch;
  }

  /**
   * Once a batch has ended: write its results file and bill its succeeded rows, in one pass of
   * the simulated model. Returns the file's path.
   */
  private settle(batch: SimBatch): string {
    const existing = this.resultsFiles.get(batch.id);
    if (existing !== undefined || !batch.isEnded(this.clock.now())) return existing ?? '';
    const path = this.folder.fileFor(batch.id);
    this.truth.billing.push(
      writeResultsFile(path, this.seed, batch, this.faultsOn(batch.sequence), this.options.task),
    );
    this.resultsFiles.set(batch.id, path);
    if (this.options.releaseSettledRequests) batch.releaseRequests();
    return path;
  }
}
