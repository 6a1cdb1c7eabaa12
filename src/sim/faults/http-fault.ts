import { ApiError } from '../world/api-error.js';

/** The API routes the world serves, as faults and evidence name them. */
export type RouteName = 'create' | 'retrieve' | 'list' | 'cancel' | 'delete' | 'results' | 'count_tokens';

/** One HTTP call as a fault sees it. `attempt` counts earlier calls with the same `key` (0 = first). */
export interface HttpCall {
  route: RouteName;
  key: string;
  attempt: number;
  nowMs: number;
}

/**
 * A named HTTP fault. Whether it fires is a pure function of (seed, fault name, call key,
 * attempt): a draw below `rate`, on attempts below `attemptsMax`. Shared code never switches on
 * the name; each fault says what it does through `respond`.
 */
export interface HttpFault {
  readonly name: string;
  /** Probability that an eligible call is hit, 0..1. */
  readonly rate: number;
  /** Calls with attempt < attemptsMax are eligible, so a fault cannot block a key forever. */
  readonly attemptsMax: number;
  /** Routes it applies to; all when omitted. */
  readonly routes?: readonly RouteName[];
  /** The error the world answers with instead of serving the call. */
  respond(call: HttpCall): ApiError;
}

interface FaultParams {
  rate: number;
  attemptsMax?: number;
  routes?: readonly RouteName[];
}

/** 429 `rate_limit_error` with `retry-after`; the world then refuses every call until it passes. */
export function rateLimited(params: FaultParams & { retryAfterSeconds: number }): HttpFault {
  return {
    name: 'rate_limited',
    rate: params.rate,
    attemptsMax: params.attemptsMax ?? 1,
    routes: params.routes,
    respond: () =>
      new ApiError(
        'rate_limit_error',
        'This request would exceed the rate limit for your organization on the Message Batches API. ' +
          'Please wait before retrying.',
        { 'retry-after': String(params.retryAfterSeconds) },
      ),
  };
}

/** 529 `overloaded_error`: "high traffic across all users". */
export function overloaded(params: FaultParams): HttpFault {
  return {
    name: 'overloaded',
    rate: params.rate,
    attemptsMax: params.attemptsMax ?? 1,
    routes: params.routes,
    respond: () => new ApiError('overloaded_error', 'Overloaded'),
  };
}

/** 500 `api_error`: an unexpected internal error. */
export function serverError(params: FaultParams): HttpFault {
  return {
    name: 'server_error',
    rate: params.rate,
    attemptsMax: params.attemptsMax ?? 1,
    routes: params.routes,
    respond: () => new ApiError('api_error', 'Internal server error'),
  };
}
