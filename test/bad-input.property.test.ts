import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inProcessWorld } from '../src/sim/sim-world.js';

const HEADERS = { 'x-api-key': 'k', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' };
const HOUR_MS = 3_600_000;

/** Any JSON value, biased toward shapes close to a real create body. */
const nearlyACreateBody = fc.oneof(
  fc.jsonValue(),
  fc.record({ requests: fc.array(fc.jsonValue(), { maxLength: 5 }) }),
  fc.record({
    requests: fc.array(
      fc.record({
        custom_id: fc.oneof(fc.string(), fc.jsonValue()),
        params: fc.oneof(fc.object(), fc.jsonValue()),
      }),
      { maxLength: 5 },
    ),
  }),
);

/** Valid envelopes around junk params: the batch must be accepted and every row must end. */
const junkParams = fc.record({
  model: fc.oneof(fc.constantFrom('claude-haiku-4-5', 'claude-sonnet-4-5', 'nope'), fc.jsonValue()),
  max_tokens: fc.oneof(fc.integer({ min: -5, max: 70_000 }), fc.jsonValue()),
  messages: fc.oneof(
    fc.array(
      fc.record({
        role: fc.constantFrom('user', 'assistant', 'system'),
        content: fc.oneof(fc.string(), fc.jsonValue()),
      }),
      {
        maxLength: 3,
      },
    ),
    fc.jsonValue(),
  ),
  system: fc.option(fc.oneof(fc.string(), fc.jsonValue()), { nil: undefined }),
});

describe('bad input never crashes or hangs the world', () => {
  it('answers any create body with 200 or a 4xx error envelope, never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(nearlyACreateBody, async (body) => {
        const sim = inProcessWorld({ seed: 1 });
        const response = await sim.fetch(`${sim.baseURL}/v1/messages/batches`, {
          method: 'POST',
          headers: HEADERS,
          body: JSON.stringify(body),
        });
        const json = await response.json();
        if (response.status !== 200) {
          expect(response.status).toBeGreaterThanOrEqual(400);
          expect(response.status).toBeLessThan(500);
          expect(json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
          expect(json.error.message.length).toBeGreaterThan(0);
        }
        expect(sim.world.groundTruth().internalErrors).toEqual([]);
        sim.world.dispose();
      }),
      { numRuns: 200 },
    );
  });

  it('accepts any params in a well-formed request and ends every row as succeeded or errored', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(junkParams, { minLength: 1, maxLength: 8 }), async (paramsList) => {
        const sim = inProcessWorld({ seed: 2 });
        const requests = paramsList.map((params, i) => ({ custom_id: `c${i}`, params }));
        const created = await sim.fetch(`${sim.baseURL}/v1/messages/batches`, {
          method: 'POST',
          headers: HEADERS,
          body: JSON.stringify({ requests }),
        });
        expect(created.status).toBe(200);
        const { id } = await created.json();
        sim.clock.advance(HOUR_MS);
        const results = await sim.fetch(`${sim.baseURL}/v1/messages/batches/${id}/results`, {
          headers: HEADERS,
        });
        expect(results.status).toBe(200);
        const rows = (await results.text())
          .split('\n')
          .slice(0, -1)
          .map((line) => JSON.parse(line));
        expect(rows.map((r) => r.custom_id).sort()).toEqual(requests.map((r) => r.custom_id).sort());
        for (const row of rows) expect(['succeeded', 'errored']).toContain(row.result.type);
        expect(sim.world.groundTruth().internalErrors).toEqual([]);
        sim.world.dispose();
      }),
      { numRuns: 100 },
    );
  });

  it('ends a request whose model is no name (an array holding an object with no toString) with a result', async () => {
    // The counterexample the property above once shrank to: results answered 500.
    const sim = inProcessWorld({ seed: 2 });
    const params = { model: [{ toString: false }], max_tokens: 0, messages: [] };
    const created = await sim.fetch(`${sim.baseURL}/v1/messages/batches`, {
      method: 'POST',
      headers: HEADERS,
      body: JSON.stringify({ requests: [{ custom_id: 'c0', params }] }),
    });
    const { id } = await created.json();
    sim.clock.advance(HOUR_MS);
    const results = await sim.fetch(`${sim.baseURL}/v1/messages/batches/${id}/results`, { headers: HEADERS });
    expect(results.status).toBe(200);
    expect(JSON.parse(await results.text()).result.type).toMatch(/^(succeeded|errored)$/);
    expect(sim.world.groundTruth().internalErrors).toEqual([]);
    sim.world.dispose();
  });

  it('answers an unknown path or method with a 404 error envelope', async () => {
    const sim = inProcessWorld({ seed: 3 });
    for (const [method, path] of [
      ['GET', '/v1/nothing'],
      ['PUT', '/v1/messages/batches'],
      ['POST', '/v1/messages/batches/msgbatch_x/results'],
    ] as const) {
      const response = await sim.fetch(`${sim.baseURL}${path}`, { method, headers: HEADERS });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
      expect(response.headers.get('request-id')).toMatch(/^req_/);
    }
  });
});
