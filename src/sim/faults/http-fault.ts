import { ApiError } from '../world/api-error.js';

/** The API routes the world serves, as faults and evidence name them. */
export type RouteName = 'create' | 'retrieve' | 'list' | 'cancel' | 'delete' | 'results' | 'count_tokens';

/** One HTTP call as a fault sees it. `attempt` counts earlier calls with the same `key` (0 = first). */
export interface HttpCall {
  route: RouteName;
  key: string;
  attempt: number;
  nowMs: number;
  /** How long ago the batch the call names was created, when it names one the world has. */
  batchAgeMs?: number;
}

/**
 * What a fault does to a call. The adapters act on the kind, never on the fault's name:
 * - `error`: answer with this API error instead of serving the call;
 * - `reset`: drop the connection before the world sees the call;
 * - `delay`: serve the call after this much (virtual) time;
 * - `lose_response`: the world serves the call (a create makes its batch), then the connection
 *   drops, so the client never learns the outcome;
 * - `cut_body`: serve the call, but end the body in the middle of a line after `keepShare` of it.
 */
export type FaultAnswer =
  | { kind: 'error'; error: ApiError }
  | { kind: 'reset' }
  | { kind: 'delay'; delayMs: number }
  | { kind: 'lose_response' }
  | { kind: 'cut_body'; keepShare: number };

/**
 * A named HTTP fault. Whether it fires is a pure function of (seed, fault name, call key,
 * attempt): a draw below `rate`, on attempts below `attemptsMax`, where `applies` allows. Shared
 * code never switches on the name; each fault says what it does through `respond`.
 */
export interface HttpFault {
  readonly name: string;
  /** The failure mode it belongs to, or 'http' for the background faults every drill may carry. */
  readonly family: string;
  /** Probability that an eligible call is hit, 0..1. */
  readonly rate: number;
  /** Calls with attempt < attemptsMax are eligible, so a fault cannot block a key forever. */
  readonly attemptsMax: number;
  /** Routes it applies to; all when omitted. */
  readonly routes?: readonly RouteName[];
  /** A further condition on the call (e.g. a batch's age); always when omitted. */
  applies?(call: HttpCall): boolean;
  respond(call: HttpCall): FaultAnswer;
}

export interface FaultParams {
  /** Probability that an eligible call is hit, 0..1. */
  rate: number;
  /** Calls of one key that may be hit, the first included (default 1). */
  attemptsMax?: number;
  routes?: readonly RouteName[];
  family?: string;
}

function base(name: string, params: FaultParams, routes?: readonly RouteName[]) {
  return {
    name,
    family: params.family ?? 'http',
    rate: params.rate,
    attemptsMax: params.attemptsMax ?? 1,
    routes: params.routes ?? routes,
  };
}

/** 429 `rate_limit_error` with `retry-after`; the world then refuses every call until it passes. */
export function rateLimited(params: FaultParams & { retryAfterSeconds: number }): HttpFault {
  const error = new ApiError(
    'rate_limit_error',
    'This request would exceed the rate limit for your organization on the Message Batches API. ' +
      'Please wait before retrying.',
    { 'retry-after': String(params.retryAfterSeconds) },
  );
  return { ...base('rate_limited', params), respond: () => ({ kind: 'error', error }) };
}

/** 529 `overloaded_error`: "high traffic across all users". */
export function overloaded(params: FaultParams): HttpFault {
  const error = new ApiError('overloaded_error', 'Overloaded');
  return { ...base('overloaded', params), respond: () => ({ kind: 'error', error }) };
}

/** 500 `api_error`: an unexpected internal error. */
export function serverError(params: FaultParams): HttpFault {
  const error = new ApiError('api_error', 'Internal server error');
  return { ...base('server_error', params), respond: () => ({ kind: 'error', error }) };
}

/** The connection drops before the request reaches the API. */
export function connectionReset(params: FaultParams): HttpFault {
  return { ...base('connection_reset', params), respond: () => ({ kind: 'reset' }) };
}

/** The answer comes, but only after `delayMs` of (virtual) time. */
export function slowResponse(params: FaultParams & { delayMs: number }): HttpFault {
  return { ...base('slow_response', params), respond: () => ({ kind: 'delay', delayMs: params.delayMs }) };
}

/**
 * 404 for a batch created less than `windowMs` ago, as a read that reaches a replica which has
 * not seen the create yet would give.
 */
export function notFoundAfterCreate(params: FaultParams & { windowMs: number }): HttpFault {
  return {
    ...base('not_found_after_create', params, ['retrieve']),
    applies: (call) => call.batchAgeMs !== undefined && call.batchAgeMs < params.windowMs,
    respond: (call) => ({
      kind: 'error',
      error: new ApiError('not_found_error', `Message Batch ${call.key.split('/').pop()} not found.`),
    }),
  };
}

/** A results download whose stream ends in the middle of a line, after `keepShare` of its bytes. */
export function resultsCut(params: FaultParams & { keepShare: number }): HttpFault {
  return {
    ...base('results_cut', params, ['results']),
    respond: () => ({ kind: 'cut_body', keepShare: params.keepShare }),
  };
}

/**
 * A create the world accepts (its batch exists and will be billed) whose response never
 * arrives: the client cannot tell whether the batch was made.
 */
export function lostCreateResponse(params: FaultParams): HttpFault {
  return { ...base('lost_create_response', params, ['create']), respond: () => ({ kind: 'lose_response' }) };
}
