import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchCostUsd, findModel } from '../src/core/price-table.js';
import { SimClock } from '../src/sim/sim-clock.js';
import type { MessageBatchJson, RequestCounts, ResultType } from '../src/sim/world/api-types.js';
import { BatchWorld } from '../src/sim/world/batch-world.js';
import { reviewRequest } from './support/requests.js';

const HOUR_MS = 3_600_000;
/** Past any batch's 24 h expiry, well before its 29-day archive. */
const SETTLE_MS = 25 * HOUR_MS;

type Kind = 'ok' | 'unknown-model' | 'zero-tokens';
type Step = { advanceMs: number } | { cancel: true };
interface Scenario {
  seed: number;
  requests: { customId: string; kind: Kind; text: string }[];
  /** 2,000/min ends a batch in minutes; 0.02/min takes hours; 0.0015/min leaves all but a few to expire. */
  throughputPerMinute: number;
  steps: Step[];
}

const kindArb = fc.oneof(
  { arbitrary: fc.constant<Kind>('ok'), weight: 4 },
  { arbitrary: fc.constant<Kind>('unknown-model'), weight: 1 },
  { arbitrary: fc.constant<Kind>('zero-tokens'), weight: 1 },
);
const requestArb = fc.record({
  customId: fc.stringMatching(/^[a-zA-Z0-9_-]{1,20}$/),
  kind: kindArb,
  text: fc.constantFrom(
    'I love it.',
    'Arrived broken. Refund please.',
    'It is blue.',
    'Great value, would buy again.',
  ),
});
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ advanceMs: fc.nat(2 * HOUR_MS) }), weight: 6 },
  { arbitrary: fc.constant({ cancel: true as const }), weight: 1 },
);
const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  seed: fc.nat(),
  requests: fc.uniqueArray(requestArb, { selector: (r) => r.customId, minLength: 1, maxLength: 40 }),
  throughputPerMinute: fc.constantFrom(2_000, 0.02, 0.0015, 0.0015),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 12 }),
});

function batchRequest({ customId, kind, text }: Scenario['requests'][number]) {
  if (kind === 'unknown-model') return reviewRequest(customId, text, { model: 'claude-does-not-exist-9' });
  if (kind === 'zero-tokens') return reviewRequest(customId, text, { max_tokens: 0 });
  return reviewRequest(customId, text);
}

interface Run {
  world: BatchWorld;
  id: string;
  /** Retrieve JSON right after create and after every step, then once more after SETTLE_MS. */
  snapshots: MessageBatchJson[];
  /** Whether results were downloadable, and whether the batch was billed, after each step. */
  available: boolean[];
  billed: boolean[];
  text: string;
}

function run(s: Scenario, seed = s.seed): Run {
  const clock = new SimClock();
  const world = new BatchWorld({ seed, clock, processing: { throughputPerMinute: s.throughputPerMinute } });
  try {
    const body = JSON.stringify({ requests: s.requests.map(batchRequest) });
    const { id } = world.create(body, Buffer.byteLength(body));
    const snapshots = [world.retrieve(id)];
    const available: boolean[] = [];
    const billed: boolean[] = [];
    for (const step of s.steps) {
      if ('cancel' in step) world.cancel(id);
      else clock.advance(step.advanceMs);
      snapshots.push(world.retrieve(id));
      billed.push(world.groundTruth().billing.some((b) => b.batchId === id));
      available.push(isDownloadable(world, id));
    }
    clock.advance(SETTLE_MS);
    snapshots.push(world.retrieve(id));
    const text = Buffer.concat([...world.results(id)]).toString('utf8');
    return { world, id, snapshots, available, billed, text };
  } finally {
    world.dispose();
  }
}

function isDownloadable(world: BatchWorld, id: string): boolean {
  try {
    world.results(id);
    return true;
  } catch (error) {
    expect((error as Error).message).toBe(`Message Batch ${id} has no available results.`);
    return false;
  }
}

interface Row {
  custom_id: string;
  result: {
    type: ResultType;
    error?: { error: { type: string; message: string } };
    message?: { model: string; usage: { input_tokens: number; output_tokens: number } };
  };
}
const rowsOf = (text: string): Row[] =>
  text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line));
const total = (c: RequestCounts) => c.processing + c.succeeded + c.errored + c.canceled + c.expired;
const NUM_RUNS = 100;

describe('BatchWorld properties (seeded scenarios of create, advance and cancel)', () => {
  it('keeps request_counts summing to the total, processing never rising and the end buckets never falling', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { snapshots } = run(s);
        for (const [i, { request_counts: c }] of snapshots.entries()) {
          expect(total(c)).toBe(s.requests.length);
          if (i === 0) continue;
          const p = snapshots[i - 1]!.request_counts;
          expect(c.processing).toBeLessThanOrEqual(p.processing);
          for (const key of ['succeeded', 'errored', 'canceled', 'expired'] as const) {
            expect(c[key]).toBeGreaterThanOrEqual(p[key]);
          }
        }
        expect(snapshots.at(-1)!.processing_status).toBe('ended');
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('offers results exactly once the batch has ended: one line per custom_id, each typed as request_counts say', () => {
    const seen = new Set<ResultType>();
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { snapshots, available, text } = run(s);
        expect(available).toEqual(snapshots.slice(1, -1).map((b) => b.processing_status === 'ended'));
        expect(text.endsWith('\n')).toBe(true);
        expect(text).not.toMatch(/\n\n|^\n/);
        const rows = rowsOf(text);
        expect(rows.map((r) => r.custom_id).sort()).toEqual(s.requests.map((r) => r.customId).sort());
        const tally: Record<ResultType, number> = { succeeded: 0, errored: 0, canceled: 0, expired: 0 };
        for (const row of rows) {
          tally[row.result.type]++;
          seen.add(row.result.type);
        }
        expect({ processing: 0, ...tally }).toEqual(snapshots.at(-1)!.request_counts);
        const kindOf = new Map(s.requests.map((r) => [r.customId, r.kind]));
        for (const { custom_id, result } of rows) {
          const kind = kindOf.get(custom_id);
          if (result.type === 'succeeded') expect(kind).toBe('ok');
          if (result.type !== 'errored') continue;
          expect(kind).not.toBe('ok');
          expect(result.error?.error).toMatchObject(
            kind === 'unknown-model'
              ? { type: 'not_found_error', message: 'model: claude-does-not-exist-9' }
              : { type: 'invalid_request_error', message: 'max_tokens: must be greater than or equal to 1' },
          );
        }
      }),
      { numRuns: NUM_RUNS },
    );
    // The scenarios must reach every ending, or the checks above prove less than they seem to.
    expect([...seen].sort()).toEqual(['canceled', 'errored', 'expired', 'succeeded']);
  });

  it('gives byte-identical retrieve JSON and results for the same seed and steps', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const a = run(s);
        const b = run(s);
        expect(JSON.stringify(b.snapshots)).toBe(JSON.stringify(a.snapshots));
        expect(b.text).toBe(a.text);
      }),
      { numRuns: 50 },
    );
  });

  it.each([
    [1, 2],
    [3, 4],
    [12_345, 12_346],
  ])('gives seeds %i and %i different batch ids, message ids and result orders', (seedA, seedB) => {
    const s: Scenario = {
      seed: seedA,
      requests: Array.from({ length: 8 }, (_, i) => ({
        customId: `r-${i}`,
        kind: 'ok' as const,
        text: 'I love it.',
      })),
      throughputPerMinute: 2_000,
      steps: [{ advanceMs: HOUR_MS }],
    };
    const [a, b] = [run(s, seedA), run(s, seedB)];
    expect(a.id).not.toBe(b.id);
    const order = (r: Run) => rowsOf(r.text).map((row) => row.custom_id);
    expect(order(a)).not.toEqual(order(b));
    const messageIds = (r: Run) => new Set(r.text.match(/msg_01\w+/g));
    expect([...messageIds(a)].filter((m) => messageIds(b).has(m))).toEqual([]);
  });

  it('bills exactly the succeeded rows, once, with the usage the results report', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { world, id, snapshots, billed, text } = run(s);
        expect(billed).toEqual(snapshots.slice(1, -1).map((b) => b.processing_status === 'ended'));
        world.groundTruth();
        const bills = world.groundTruth().billing.filter((b) => b.batchId === id);
        expect(bills).toHaveLength(1);
        const succeeded = rowsOf(text).filter((r) => r.result.type === 'succeeded');
        const usage = succeeded.map((r) => r.result.message!);
        expect(bills[0]!.succeededRows).toBe(snapshots.at(-1)!.request_counts.succeeded);
        expect(bills[0]!.succeededRows).toBe(succeeded.length);
        expect(bills[0]!.inputTokens).toBe(usage.reduce((sum, m) => sum + m.usage.input_tokens, 0));
        expect(bills[0]!.outputTokens).toBe(usage.reduce((sum, m) => sum + m.usage.output_tokens, 0));
        const cost = usage.reduce(
          (sum, m) => sum + batchCostUsd(findModel(m.model)!, m.usage.input_tokens, m.usage.output_tokens),
          0,
        );
        expect(bills[0]!.costUsd).toBeCloseTo(cost, 12);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
