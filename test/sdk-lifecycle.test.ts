import { AnthropicError, NotFoundError } from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { batchCostUsd, findModel } from '../src/core/price-table.js';
import { parseRfc3339 } from '../src/core/rfc3339.js';
import { ADAPTERS, allResults, DAY_MS, type Harness, HOUR_MS } from './support/harnesses.js';
import { reviewRequest, reviewRequests } from './support/requests.js';

const RFC3339_MICROS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

describe.each(ADAPTERS)('the official SDK against the simulated world ($name)', (adapter) => {
  let h: Harness;
  const start = async (options: Parameters<typeof adapter.start>[0] = { seed: 7 }) => {
    h = await adapter.start(options);
    return h;
  };
  afterEach(async () => h?.close());

  it('creates a batch with every field of a MessageBatch, in progress, expiring 24 h after creation', async () => {
    const { client } = await start();
    const batch = await client.messages.batches.create({ requests: reviewRequests(3) });
    expect(batch.id).toMatch(/^msgbatch_01[1-9A-HJ-NP-Za-km-z]{22}$/);
    expect(batch).toMatchObject({
      type: 'message_batch',
      processing_status: 'in_progress',
      request_counts: { processing: 3, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      ended_at: null,
      archived_at: null,
      cancel_initiated_at: null,
      results_url: null,
    });
    expect(batch.created_at).toMatch(RFC3339_MICROS);
    expect(parseRfc3339(batch.expires_at) - parseRfc3339(batch.created_at)).toBe(DAY_MS);
  });

  it('moves counts from processing to the end buckets, always summing to the total, until ended', async () => {
    const { client, clock } = await start();
    const requests = [
      ...reviewRequests(40),
      reviewRequest('bad-model', 'x', { model: 'claude-does-not-exist-9' }),
    ];
    const { id } = await client.messages.batches.create({ requests });
    let previousProcessing = requests.length;
    let sawPartial = false;
    for (let poll = 0; poll < 200; poll++) {
      const batch = await client.messages.batches.retrieve(id);
      const c = batch.request_counts;
      expect(c.processing + c.succeeded + c.errored + c.canceled + c.expired).toBe(requests.length);
      expect(c.processing).toBeLessThanOrEqual(previousProcessing);
      previousProcessing = c.processing;
      if (c.processing > 0 && c.succeeded > 0) sawPartial = true;
      if (batch.processing_status === 'ended') {
        expect(c).toEqual({ processing: 0, succeeded: 40, errored: 1, canceled: 0, expired: 0 });
        expect(batch.ended_at).toMatch(RFC3339_MICROS);
        expect(batch.results_url).toBe(`${h.baseURL}/v1/messages/batches/${id}/results`);
        expect(sawPartial).toBe(true);
        return;
      }
      await clock.sleep(5_000);
    }
    throw new Error('the batch never ended within 200 polls');
  });

  it('streams one result per request, keyed by custom_id, in an order that is not the submission order', async () => {
    const { client, clock } = await start();
    const requests = reviewRequests(30);
    const { id } = await client.messages.batches.create({ requests });
    clock.advance(HOUR_MS);
    const rows = await allResults(client, id);
    expect(rows.map((r) => r.custom_id).sort()).toEqual(requests.map((r) => r.custom_id).sort());
    expect(rows.map((r) => r.custom_id)).not.toEqual(requests.map((r) => r.custom_id));
    for (const row of rows) {
      expect(row.result.type).toBe('succeeded');
      if (row.result.type !== 'succeeded') continue;
      const { message } = row.result;
      expect(message.id).toMatch(/^msg_01/);
      // The usage of the row seen live, field for field (reference, CAPTURE-OR).
      expect(Object.keys(message.usage)).toEqual([
        'input_tokens',
        'cache_creation_input_tokens',
        'cache_read_input_tokens',
        'cache_creation',
        'output_tokens',
        'service_tier',
        'inference_geo',
      ]);
      expect(message.usage).toMatchObject({ service_tier: 'batch', inference_geo: 'not_available' });
      const block = message.content[0];
      expect(block?.type).toBe('text');
      const answer = JSON.parse(block?.type === 'text' ? block.text : '');
      expect(['positive', 'negative', 'neutral']).toContain(answer.label);
    }
  });

  it('sends the results file as application/x-jsonl, one object per line ending in a newline', async () => {
    const { client, clock } = await start();
    const { id } = await client.messages.batches.create({ requests: reviewRequests(5) });
    clock.advance(HOUR_MS);
    const batch = await client.messages.batches.retrieve(id);
    const response = await h.fetch(batch.results_url!, {
      headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
    });
    expect(response.headers.get('content-type')).toBe('application/x-jsonl');
    const text = await response.text();
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.split('\n').slice(0, -1);
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('refuses results before the end: no results_url for the SDK, 404 on the path itself', async () => {
    const { client } = await start();
    const { id } = await client.messages.batches.create({ requests: reviewRequests(2) });
    await expect(client.messages.batches.results(id)).rejects.toThrow(/No batch `results_url`/);
    const error = await client.get(`/v1/messages/batches/${id}/results`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).message).toContain(`Message Batch ${id} has no available results.`);
  });

  it('reports params problems as errored rows carrying the full error envelope', async () => {
    const { client, clock } = await start();
    const requests = [
      reviewRequest('ok', 'I love it'),
      reviewRequest('bad-model', 'x', { model: 'claude-does-not-exist-9' }),
      reviewRequest('too-many-tokens', 'x', { max_tokens: 9_999_999 }),
      reviewRequest('streaming', 'x', { stream: true }),
    ];
    const { id } = await client.messages.batches.create({ requests });
    clock.advance(HOUR_MS);
    const byId = Object.fromEntries((await allResults(client, id)).map((r) => [r.custom_id, r.result]));
    expect(byId.ok?.type).toBe('succeeded');
    expect(byId['bad-model']).toEqual({
      type: 'errored',
      error: {
        type: 'error',
        error: {
          details: { error_visibility: 'user_facing' },
          type: 'not_found_error',
          message: 'model: claude-does-not-exist-9',
        },
        request_id: null,
      },
    });
    expect(JSON.stringify(byId['too-many-tokens'])).toContain(
      'max_tokens: 9999999 > 64000, which is the maximum allowed number of output tokens for claude-haiku-4-5-20251001',
    );
    expect(JSON.stringify(byId.streaming)).toContain(
      '\\"stream=True\\" is not supported in the Message Batches API',
    );
  });

  it('cuts an answer longer than max_tokens and says so in stop_reason', async () => {
    const { client, clock } = await start();
    const { id } = await client.messages.batches.create({
      requests: [reviewRequest('short', 'I love it', { max_tokens: 3 })],
    });
    clock.advance(HOUR_MS);
    const [row] = await allResults(client, id);
    expect(row?.result.type).toBe('succeeded');
    if (row?.result.type !== 'succeeded') return;
    expect(row.result.message.stop_reason).toBe('max_tokens');
    expect(row.result.message.usage.output_tokens).toBe(3);
  });

  it('cancels: canceling with cancel_initiated_at, then ended with the unfinished rows canceled', async () => {
    const { client, clock } = await start();
    const { id } = await client.messages.batches.create({ requests: reviewRequests(20) });
    const canceling = await client.messages.batches.cancel(id);
    expect(canceling.processing_status).toBe('canceling');
    expect(canceling.cancel_initiated_at).toMatch(RFC3339_MICROS);
    expect(canceling.results_url).toBeNull();
    clock.advance(60_000);
    const ended = await client.messages.batches.retrieve(id);
    expect(ended.processing_status).toBe('ended');
    const { canceled, succeeded } = ended.request_counts;
    expect(canceled).toBeGreaterThan(0);
    expect(canceled + succeeded).toBe(20);
    const rows = await allResults(client, id);
    expect(rows.filter((r) => r.result.type === 'canceled')).toHaveLength(canceled);
  });

  it('refuses to delete a batch in progress and deletes it once ended', async () => {
    const { client, clock } = await start();
    const { id } = await client.messages.batches.create({ requests: reviewRequests(2) });
    await expect(client.messages.batches.delete(id)).rejects.toThrow(
      'In progress batches cannot be deleted. Consider canceling the batch instead.',
    );
    clock.advance(HOUR_MS);
    expect(await client.messages.batches.delete(id)).toEqual({ id, type: 'message_batch_deleted' });
    await expect(client.messages.batches.retrieve(id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('expires the requests still processing 24 h after creation, billing none of them', async () => {
    const { client, clock, world } = await start({ seed: 7, processing: { throughputPerMinute: 0.05 } });
    const { id } = await client.messages.batches.create({ requests: reviewRequests(200) });
    clock.advance(DAY_MS + 1);
    const batch = await client.messages.batches.retrieve(id);
    expect(batch.processing_status).toBe('ended');
    expect(batch.ended_at).toBe(batch.expires_at);
    const { succeeded, expired } = batch.request_counts;
    expect(expired).toBeGreaterThan(0);
    expect(succeeded + expired).toBe(200);
    const rows = await allResults(client, id);
    expect(rows.filter((r) => r.result.type === 'expired')).toHaveLength(expired);
    expect(world.groundTruth().billing.find((b) => b.batchId === id)?.succeededRows).toBe(succeeded);
  });

  it('archives results 29 days after creation: the batch is still visible, its results are not', async () => {
    const { client, clock } = await start();
    const { id } = await client.messages.batches.create({ requests: reviewRequests(2) });
    clock.advance(29 * DAY_MS);
    const batch = await client.messages.batches.retrieve(id);
    expect(parseRfc3339(batch.archived_at!) - parseRfc3339(batch.created_at)).toBe(29 * DAY_MS);
    await expect(client.messages.batches.results(id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('bills succeeded rows at half the list price, from the same usage the results report', async () => {
    const { client, clock, world } = await start();
    const requests = [...reviewRequests(10), reviewRequest('bad', 'x', { model: 'nope' })];
    const { id } = await client.messages.batches.create({ requests });
    clock.advance(HOUR_MS);
    const haiku = findModel('claude-haiku-4-5')!;
    let expected = 0;
    for (const row of await allResults(client, id)) {
      if (row.result.type !== 'succeeded') continue;
      const { input_tokens, output_tokens } = row.result.message.usage;
      expected += (input_tokens * 1 + output_tokens * 5) / 2 / 1e6;
      expect(batchCostUsd(haiku, input_tokens, output_tokens)).toBeCloseTo(
        (input_tokens + 5 * output_tokens) / 2e6,
        12,
      );
    }
    const bill = world.groundTruth().billing.find((b) => b.batchId === id)!;
    expect(bill.succeededRows).toBe(10);
    expect(bill.costUsd).toBeCloseTo(expected, 12);
  });

  it('lists newest first and auto-paginates across pages in both directions', async () => {
    const { client, clock } = await start();
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      ids.push((await client.messages.batches.create({ requests: reviewRequests(1) })).id);
      clock.advance(1_000);
    }
    const newestFirst = [...ids].reverse();
    const seen: string[] = [];
    for await (const batch of client.messages.batches.list({ limit: 10 })) seen.push(batch.id);
    expect(seen).toEqual(newestFirst);
    const page = await client.messages.batches.list({ limit: 10 });
    expect(page.data.map((b) => b.id)).toEqual(newestFirst.slice(0, 10));
    expect([page.has_more, page.first_id, page.last_id]).toEqual([true, newestFirst[0], newestFirst[9]]);
    const newer: string[] = [];
    for await (const batch of client.messages.batches.list({ limit: 4, before_id: newestFirst[12]! }))
      newer.push(batch.id);
    expect(newer.sort()).toEqual(newestFirst.slice(0, 12).sort());
    const last = await client.messages.batches.list({ limit: 1000 });
    expect(last.has_more).toBe(false);
  });

  it('answers count_tokens with the same input token count the results report', async () => {
    const { client, clock } = await start();
    const request = reviewRequest('one', 'Arrived broken. I want a refund.');
    const { input_tokens } = await client.messages.countTokens({
      model: request.params.model,
      messages: request.params.messages,
    });
    const { id } = await client.messages.batches.create({ requests: [request] });
    clock.advance(HOUR_MS);
    const [row] = await allResults(client, id);
    expect(row?.result.type === 'succeeded' && row.result.message.usage.input_tokens).toBe(input_tokens);
  });

  it('throws the SDK error for a results call on an unknown batch', async () => {
    const { client } = await start();
    const error = await client.messages.batches.retrieve('msgbatch_01nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toBeInstanceOf(AnthropicError);
    expect((error as NotFoundError).message).toContain('Message Batch msgbatch_01nope not found.');
  });
});
