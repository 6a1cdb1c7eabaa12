import {
  connectionReset,
  type HttpFault,
  notFoundAfterCreate,
  overloaded,
  rateLimited,
  resultsCut,
  serverError,
  slowResponse,
} from './http-fault.js';

/** The HTTP faults that run underneath every drill, by name. */
export const BACKGROUND_HTTP_FAULTS = [
  'rate_limited',
  'overloaded',
  'server_error',
  'connection_reset',
  'slow_response',
  'not_found_after_create',
  'results_cut',
] as const;
export type BackgroundHttpFault = (typeof BACKGROUND_HTTP_FAULTS)[number];

/** Calls of one key a background fault may hit: enough to need a retry, never enough to block. */
const ATTEMPTS_MAX = 2;

/**
 * Every background HTTP fault at `rate`, or at its own rate in `rates`: 429 with `retry-after`,
 * 529, 500, a connection reset, a slow response, a 404 just after create, a results stream cut
 * mid-line. Each hits at most the first two calls of one key.
 */
export function backgroundHttpFaults(
  rate: number,
  rates: Partial<Record<BackgroundHttpFault, number>> = {},
): HttpFault[] {
  const at = (name: BackgroundHttpFault) => ({ rate: rates[name] ?? rate, attemptsMax: ATTEMPTS_MAX });
  return [
    rateLimited({ ...at('rate_limited'), retryAfterSeconds: 20 }),
    overloaded(at('overloaded')),
    serverError(at('server_error')),
    connectionReset(at('connection_reset')),
    slowResponse({ ...at('slow_response'), delayMs: 45_000 }),
    notFoundAfterCreate({ ...at('not_found_after_create'), windowMs: 60_000 }),
    resultsCut({ ...at('results_cut'), keepShare: 0.5 }),
  ].filter((fault) => fault.rate > 0);
}
