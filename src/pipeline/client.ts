import Anthropic from '@anthropic-ai/sdk';
import type { Env } from './env.js';

/**
 * The official SDK client built from an Env. `maxRetries: 0`: retries are the pipeline's own,
 * timed on the Env's clock, and `create` is never retried blindly (the API has no idempotency
 * key, so a retried create can bill a batch twice).
 */
export function makeClient(env: Pick<Env, 'apiKey' | 'baseURL' | 'fetch'>): Anthropic {
  return new Anthropic({ apiKey: env.apiKey, baseURL: env.baseURL, fetch: env.fetch, maxRetries: 0 });
}
