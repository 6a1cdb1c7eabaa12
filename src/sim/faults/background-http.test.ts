import { APIConnectionError } from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { ADAPTERS, type Harness } from '../../../test/support/harnesses.js';
import { ApiError } from '../world/api-error.js';
import { BACKGROUND_HTTP_FAULTS, backgroundHttpFaults } from './background-http.js';
import type { HttpCall, HttpFault } from './http-fault.js';

const call = (over: Partial<HttpCall> = {}): HttpCall => ({
  route: 'retrieve',
  key: 'GET /v1/messages/batches/msgbatch_abc',
  attempt: 0,
  nowMs: 0,
  ...over,
});

const byName = (faults: HttpFault[]) => new Map(faults.map((f) => [f.name, f]));

describe('backgroundHttpFaults', () => {
  it('carries every named background fault, in order, at the shared rate, each on two calls of a key', () => {
    const faults = backgroundHttpFaults(0.05);
    expect(faults.map((f) => f.name)).toEqual([...BACKGROUND_HTTP_FAULTS]);
    for (const fault of faults) expect(fault).toMatchObject({ family: 'http', rate: 0.05, attemptsMax: 2 });
  });

  it('drops faults whose rate is 0, and takes a fault its own rate over the shared one', () => {
    expect(backgroundHttpFaults(0)).toEqual([]);
    const faults = backgroundHttpFaults(0, { slow_response: 0.3, results_cut: 1 });
    expect(faults.map((f) => [f.name, f.rate])).toEqual([
      ['slow_response', 0.3],
      ['results_cut', 1],
    ]);
    expect(backgroundHttpFaults(0.1, { overloaded: 0 }).map((f) => f.name)).not.toContain('overloaded');
  });

  it('answers each fault the way its name says', () => {
    const faults = byName(backgroundHttpFaults(1));
    const error = (name: string) => {
      const answer = faults.get(name)!.respond(call());
      if (answer.kind !== 'error') throw new Error(`${name} answered ${answer.kind}`);
      return answer.error;
    };
    expect(error('rate_limited')).toMatchObject({ status: 429, type: 'rate_limit_error' });
    expect(error('rate_limited').headers).toEqual({ 'retry-after': '20' });
    expect(error('overloaded')).toMatchObject({ status: 529, type: 'overloaded_error' });
    expect(error('server_error')).toMatchObject({ status: 500, type: 'api_error' });
    expect(error('not_found_after_create')).toBeInstanceOf(ApiError);
    expect(error('not_found_after_create')).toMatchObject({
      status: 404,
      message: 'Message Batch msgbatch_abc not found.',
    });
    expect(faults.get('connection_reset')!.respond(call())).toEqual({ kind: 'reset' });
    expect(faults.get('slow_response')!.respond(call())).toEqual({ kind: 'delay', delayMs: 45_000 });
    expect(faults.get('results_cut')!.respond(call({ route: 'results' }))).toEqual({
      kind: 'cut_body',
      keepShare: 0.5,
    });
  });

  it('limits the 404 to retrieves of batches younger than a minute, and the cut to downloads', () => {
    const faults = byName(backgroundHttpFaults(1));
    const notFound = faults.get('not_found_after_create')!;
    expect(notFound.routes).toEqual(['retrieve']);
    expect(notFound.applies!(call({ batchAgeMs: 59_999 }))).toBe(true);
    expect(notFound.applies!(call({ batchAgeMs: 60_000 }))).toBe(false);
    expect(notFound.applies!(call())).toBe(false);
    expect(faults.get('results_cut')!.routes).toEqual(['results']);
    for (const name of ['rate_limited', 'overloaded', 'server_error', 'connection_reset', 'slow_response'])
      expect(faults.get(name)!.routes).toBeUndefined();
  });
});

describe.each(ADAPTERS)('background HTTP faults in a world ($name)', (adapter) => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('never block a key: after two hit calls the third goes through', async () => {
    h = await adapter.start({ seed: 2, httpFaults: backgroundHttpFaults(0, { connection_reset: 1 }) });
    for (let k = 0; k < 2; k++)
      await expect(h.client.messages.batches.list()).rejects.toBeInstanceOf(APIConnectionError);
    expect((await h.client.messages.batches.list()).data).toEqual([]);
    expect(h.world.groundTruth().httpFaults.map((f) => [f.name, f.family, f.attempt])).toEqual([
      ['connection_reset', 'http', 0],
      ['connection_reset', 'http', 1],
    ]);
  });
});
