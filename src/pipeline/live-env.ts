import { UsageError } from '../core/errors.js';
import { realClock, realRandomTag } from '../core/real-clock.js';
import { AlertOutbox } from './alerts/alert-outbox.js';
import type { Env } from './env.js';

export const DEFAULT_BASE_URL = 'https://api.anthropic.com';

/**
 * The live Env: the real clock, the global fetch, `ANTHROPIC_BASE_URL` (or the API's own), and
 * the key from `ANTHROPIC_API_KEY`. The key lives only in this object, never in a file, a
 * table, a report, a log line or an alert. Alarms a job pages go out through an outbox on the
 * global fetch, its lines on `log`.
 */
export function liveEnv(
  vars: Readonly<Record<string, string | undefined>>,
  log: (line: string) => void,
): Env {
  const apiKey = vars.ANTHROPIC_API_KEY;
  if (!apiKey) {
    throw new UsageError(
      'no_api_key',
      'Failed to start a live run: ANTHROPIC_API_KEY is not set.',
      'Export your key (export ANTHROPIC_API_KEY=…), or drop --live to run in simulation.',
    );
  }
  return {
    clock: realClock,
    fetch: globalThis.fetch.bind(globalThis),
    baseURL: vars.ANTHROPIC_BASE_URL || DEFAULT_BASE_URL,
    apiKey,
    log,
    randomTag: realRandomTag,
    alerts: new AlertOutbox({ log }),
  };
}
