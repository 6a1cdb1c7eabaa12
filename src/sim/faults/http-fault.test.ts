import { APIConnectionError, NotFoundError, OverloadedError } from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { ADAPTERS, DAY_MS, type Harness } from '../../../test/support/harnesses.js';
import { reviewRequests } from '../../../test/support/requests.js';
import { SimClock } from '../sim-clock.js';
import { BatchWorld } from '../world/batch-world.js';
import {
  connectionReset,
  type HttpFault,
  notFoundAfterCreate,
  overloaded,
  resultsCut,
  serverError,
  slowResponse,
} from './http-fault.js';

const HEADERS = { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' };

describe.each(ADAPTERS)('HTTP faults as the official SDK meets them ($name)', (adapter) => {
  let h: Harness;
  afterEach(async () => h?.close());
  const start = async (httpFaults: HttpFault[]) => {
    h = await adapter.start({ seed: 21, httpFaults });
    return h;
  };

  it('connection_reset raises APIConnectionError and the world never sees the call', async () => {
    const { client, world } = await start([connectionReset({ rate: 1, routes: ['create'] })]);
    const error = await client.messages.batches
      .create({ requests: reviewRequests(3) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIConnectionError);
    expect((await client.messages.batches.list()).data).toEqual([]);
    expect(world.groundTruth().httpFaults.map((f) => [f.name, f.route, f.attempt])).toEqual([
      ['connection_reset', 'create', 0],
    ]);
    // attemptsMax 1: the second create of the same key goes through.
    const batch = await client.messages.batches.create({ requests: reviewRequests(3) });
    expect((await client.messages.batches.list()).data.map((b) => b.id)).toEqual([batch.id]);
  });

  it('slow_response serves the call after delayMs of virtual time', async () => {
    const { client, clock } = await start([
      slowResponse({ rate: 1, delayMs: 600_000, routes: ['retrieve'] }),
    ]);
    const created = await client.messages.batches.create({ requests: reviewRequests(5) });
    expect(created.processing_status).toBe('in_progress');
    const before = clock.now();
    const slow = await client.messages.batches.retrieve(created.id);
    expect(clock.now() - before).toBe(600_000);
    // Served after the wait: a five-row batch has ended ten minutes after its create.
    expect(slow.processing_status).toBe('ended');
    await client.messages.batches.retrieve(created.id);
    expect(clock.now() - before).toBe(600_000);
  });

  it('not_found_after_create answers 404 for a batch younger than windowMs, 200 from then on', async () => {
    const { client, clock, world } = await start([
      notFoundAfterCreate({ rate: 1, attemptsMax: 10, windowMs: 60_000 }),
    ]);
    const { id } = await client.messages.batches.create({ requests: reviewRequests(2) });
    const young = await client.messages.batches.retrieve(id).catch((e: unknown) => e);
    expect(young).toBeInstanceOf(NotFoundError);
    expect((young as NotFoundError).message).toContain(`Message Batch ${id} not found.`);
    expect((await client.messages.batches.list()).data).toHaveLength(1); // retrieve only
    clock.advance(59_999);
    await expect(client.messages.batches.retrieve(id)).rejects.toBeInstanceOf(NotFoundError);
    clock.advance(1);
    expect((await client.messages.batches.retrieve(id)).id).toBe(id);
    // A batch the world never had is the world's own 404, not the fault's.
    await expect(client.messages.batches.retrieve('msgbatch_nope')).rejects.toBeInstanceOf(NotFoundError);
    expect(world.groundTruth().httpFaults.map((f) => f.name)).toEqual([
      'not_found_after_create',
      'not_found_after_create',
    ]);
  });

  it('results_cut ends the body mid-line, short of the whole file, and the SDK iteration throws', async () => {
    const { client, clock, world, fetch, baseURL } = await start([resultsCut({ rate: 1, keepShare: 0.5 })]);
    const { id } = await client.messages.batches.create({ requests: reviewRequests(40) });
    clock.advance(DAY_MS);
    const whole = `${[...world.resultLinesOf(id)].join('\n')}\n`;
    expect(Buffer.byteLength(whole)).toBe(world.resultsBytes(id));

    const cut = await (
      await fetch(`${baseURL}/v1/messages/batches/${id}/results`, { headers: HEADERS })
    ).text();
    expect(cut.endsWith('\n')).toBe(false);
    expect(whole.startsWith(cut)).toBe(true);
    expect(cut.length).toBeGreaterThan(whole.length * 0.4);
    expect(cut.length).toBeLessThan(whole.length * 0.6);
    expect(whole[cut.length]).not.toBe('\n');

    // The next download of the same key is whole (attemptsMax 1)…
    const again = await (
      await fetch(`${baseURL}/v1/messages/batches/${id}/results`, { headers: HEADERS })
    ).text();
    expect(again).toBe(whole);
    // …and a cut download of another batch, read through the SDK, fails on its partial last line.
    const other = await client.messages.batches.create({ requests: reviewRequests(40) });
    clock.advance(DAY_MS);
    const rows: unknown[] = [];
    const read = async () => {
      for await (const row of await client.messages.batches.results(other.id)) rows.push(row);
    };
    await expect(read()).rejects.toThrow(SyntaxError);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(40);
  });

  it('hits a key only on its first attemptsMax calls; each key counts its own', async () => {
    const { client, world } = await start([
      overloaded({ rate: 1, attemptsMax: 3, routes: ['list'] }),
      serverError({ rate: 1, routes: ['retrieve'] }),
    ]);
    for (let k = 0; k < 3; k++)
      await expect(client.messages.batches.list()).rejects.toBeInstanceOf(OverloadedError);
    expect((await client.messages.batches.list()).data).toEqual([]);
    const a = await client.messages.batches.create({ requests: reviewRequests(1) });
    const b = await client.messages.batches.create({ requests: reviewRequests(1) });
    for (const id of [a.id, b.id]) {
      await expect(client.messages.batches.retrieve(id)).rejects.toThrow('Internal server error');
      expect((await client.messages.batches.retrieve(id)).id).toBe(id);
    }
    const fired = world.groundTruth().httpFaults;
    expect(fired.map((f) => `${f.name}#${f.attempt}`)).toEqual([
      'overloaded#0',
      'overloaded#1',
      'overloaded#2',
      'server_error#0',
      'server_error#0',
    ]);
  });
});

describe('whether an HTTP fault fires', () => {
  const keys = Array.from({ length: 60 }, (_, k) => `GET /v1/messages/batches/msgbatch_${k}`);

  /** Which (key, attempt) pairs a fresh world's faults hit, calling the keys in `order`. */
  function hits(seed: number, faults: HttpFault[], order: readonly string[]): string[] {
    const world = new BatchWorld({ seed, clock: new SimClock(), httpFaults: faults });
    const hit: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      for (const key of order) if (world.intercept('retrieve', key)) hit.push(`${key}#${attempt}`);
    }
    return hit.sort();
  }

  it('is a pure function of (seed, fault, key, attempt), whatever the order of calls', () => {
    const fault = () => [serverError({ rate: 0.5, attemptsMax: 3 })];
    const forward = hits(4, fault(), keys);
    expect(hits(4, fault(), [...keys].reverse())).toEqual(forward);
    expect(forward.length).toBeGreaterThan(180 * 0.35);
    expect(forward.length).toBeLessThan(180 * 0.65);
    expect(hits(5, fault(), keys)).not.toEqual(forward);
    expect(hits(4, [overloaded({ rate: 0.5, attemptsMax: 3 })], keys)).not.toEqual(forward);
  });

  it('never fires at rate 0, always at rate 1, and only on its routes', () => {
    expect(hits(4, [serverError({ rate: 0, attemptsMax: 3 })], keys)).toEqual([]);
    expect(hits(4, [serverError({ rate: 1, attemptsMax: 3 })], keys)).toHaveLength(180);
    expect(hits(4, [serverError({ rate: 1, attemptsMax: 3, routes: ['list'] })], keys)).toEqual([]);
  });

  it('lets the first fault that fires answer, and records only it', () => {
    const world = new BatchWorld({
      seed: 1,
      clock: new SimClock(),
      httpFaults: [connectionReset({ rate: 1 }), serverError({ rate: 1, attemptsMax: 2 })],
    });
    expect(world.intercept('list', 'GET /v1/messages/batches')).toEqual({ kind: 'reset' });
    expect(world.intercept('list', 'GET /v1/messages/batches')).toMatchObject({ kind: 'error' });
    expect(world.groundTruth().httpFaults.map((f) => f.name)).toEqual(['connection_reset', 'server_error']);
  });
});
