import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatRfc3339 } from '../../core/rfc3339.js';
import type { ErrorType, RequestCounts } from './api-types.js';
import { ARCHIVE_MS, DAY_MS, EXPIRY_MS, Planned, SimBatch } from './sim-batch.js';

const T0 = Date.UTC(2026, 0, 1, 9);
const S = 1_000;
const H = 3_600_000;
const ORIGIN = 'http://sim.test';

/** A batch whose request i finishes at T0 + finishes[i].at, planned to succeed unless `error` is set. */
function batchOf(finishes: readonly { at: number; error?: boolean }[], id = 'msgbatch_01test'): SimBatch {
  const errors = new Map<number, { errorType: ErrorType; message: string }>();
  for (const [i, f] of finishes.entries()) {
    if (f.error) errors.set(i, { errorType: 'invalid_request_error', message: `bad ${i}` });
  }
  return new SimBatch(
    id,
    0,
    T0,
    finishes.map((_, i) => ({ custom_id: `r${i}`, params: {} })),
    {
      finishAtMs: Float64Array.from(finishes, (f) => T0 + f.at),
      planned: Uint8Array.from(finishes, (f) => (f.error ? Planned.Errored : Planned.Succeeded)),
      models: [],
      errors,
      resultsKeptMs: ARCHIVE_MS,
    },
  );
}

const counts = (c: Partial<RequestCounts>): RequestCounts => ({
  processing: 0,
  succeeded: 0,
  errored: 0,
  canceled: 0,
  expired: 0,
  ...c,
});
const resultTypes = (batch: SimBatch) => batch.requests.map((_, i) => batch.resultType(i));

describe('SimBatch', () => {
  it('stays in_progress, counts moving, until its last request finishes, then ends at that time', () => {
    const batch = batchOf([{ at: 10 * S }, { at: 60 * S, error: true }, { at: 30 * S }]);
    expect(batch.toJson(T0, ORIGIN)).toMatchObject({
      processing_status: 'in_progress',
      request_counts: counts({ processing: 3 }),
    });
    expect(batch.counts(T0 + 30 * S)).toEqual(counts({ processing: 1, succeeded: 2 }));
    const before = batch.toJson(T0 + 60 * S - 1, ORIGIN);
    expect([before.processing_status, before.ended_at, before.results_url]).toEqual([
      'in_progress',
      null,
      null,
    ]);
    const ended = batch.toJson(T0 + 60 * S, ORIGIN);
    expect(ended.processing_status).toBe('ended');
    expect(ended.ended_at).toBe(formatRfc3339(T0 + 60 * S));
    expect(ended.request_counts).toEqual(counts({ succeeded: 2, errored: 1 }));
    expect(ended.results_url).toBe(`${ORIGIN}/v1/messages/batches/msgbatch_01test/results`);
    expect(resultTypes(batch)).toEqual(['succeeded', 'errored', 'succeeded']);
    expect(batch.toJson(T0 + 5 * H, ORIGIN).ended_at).toBe(ended.ended_at);
  });

  it('expires at created + 24 h when a request would finish later: ended_at is expires_at, unfinished rows expired', () => {
    const batch = batchOf([{ at: H }, { at: 23 * H, error: true }, { at: 25 * H }, { at: 30 * H }]);
    expect(EXPIRY_MS).toBe(DAY_MS);
    expect(batch.status(T0 + DAY_MS - 1)).toBe('in_progress');
    const json = batch.toJson(T0 + DAY_MS, ORIGIN);
    expect(json.expires_at).toBe(formatRfc3339(T0 + DAY_MS));
    expect(json.processing_status).toBe('ended');
    expect(json.ended_at).toBe(json.expires_at);
    expect(json.request_counts).toEqual(counts({ succeeded: 1, errored: 1, expired: 2 }));
    expect(resultTypes(batch)).toEqual(['succeeded', 'errored', 'expired', 'expired']);
    expect(batch.toJson(T0 + 40 * H, ORIGIN).request_counts).toEqual(json.request_counts);
  });

  it('cancels: canceling until cancel + delay, then unfinished rows canceled and finished rows kept', () => {
    const batch = batchOf([{ at: 10 * S }, { at: 20 * S, error: true }, { at: 100 * S }, { at: 200 * S }]);
    batch.cancel(T0 + 15 * S, 25 * S);
    const canceling = batch.toJson(T0 + 15 * S, ORIGIN);
    expect(canceling).toMatchObject({
      processing_status: 'canceling',
      cancel_initiated_at: formatRfc3339(T0 + 15 * S),
      ended_at: null,
      results_url: null,
      request_counts: counts({ processing: 3, succeeded: 1 }),
    });
    expect(batch.counts(T0 + 25 * S)).toEqual(counts({ processing: 2, succeeded: 1, errored: 1 }));
    expect(batch.status(T0 + 40 * S - 1)).toBe('canceling');
    const ended = batch.toJson(T0 + 40 * S, ORIGIN);
    expect([ended.processing_status, ended.ended_at]).toEqual(['ended', formatRfc3339(T0 + 40 * S)]);
    expect(ended.request_counts).toEqual(counts({ succeeded: 1, errored: 1, canceled: 2 }));
    expect(resultTypes(batch)).toEqual(['succeeded', 'errored', 'canceled', 'canceled']);
  });

  it('ends naturally, with nothing canceled, when every request finishes before the cancel takes effect', () => {
    const batch = batchOf([{ at: 10 * S }, { at: 20 * S }]);
    batch.cancel(T0 + 15 * S, 25 * S);
    expect(batch.status(T0 + 19 * S)).toBe('canceling');
    const ended = batch.toJson(T0 + 20 * S, ORIGIN);
    expect([ended.processing_status, ended.ended_at]).toEqual(['ended', formatRfc3339(T0 + 20 * S)]);
    expect(ended.cancel_initiated_at).toBe(formatRfc3339(T0 + 15 * S));
    expect(ended.request_counts).toEqual(counts({ succeeded: 2 }));
  });

  it('ignores a cancel after the natural end, and a second cancel while canceling', () => {
    const done = batchOf([{ at: 10 * S }]);
    done.cancel(T0 + 60 * S, 25 * S);
    expect(done.cancelInitiatedAtMs).toBeNull();
    expect(done.toJson(T0 + H, ORIGIN)).toEqual(batchOf([{ at: 10 * S }]).toJson(T0 + H, ORIGIN));
    const twice = batchOf([{ at: H }]);
    twice.cancel(T0 + 10 * S, 25 * S);
    twice.cancel(T0 + 20 * S, 1);
    expect(twice.cancelInitiatedAtMs).toBe(T0 + 10 * S);
    expect(twice.endAtMs).toBe(T0 + 35 * S);
  });

  it('moves counts monotonically, always summing to the total, and settles on the rows’ result types', () => {
    const finishArb = fc.array(fc.record({ at: fc.nat(30 * H), error: fc.boolean() }), {
      minLength: 1,
      maxLength: 30,
    });
    const cancelArb = fc.option(fc.record({ at: fc.nat(30 * H), delay: fc.nat(60 * S) }), { nil: undefined });
    fc.assert(
      fc.property(
        finishArb,
        cancelArb,
        fc.array(fc.nat(31 * H), { maxLength: 40 }),
        (finishes, cancel, times) => {
          const batch = batchOf(finishes);
          if (cancel) batch.cancel(T0 + cancel.at, cancel.delay);
          let previous = counts({ processing: finishes.length });
          const order = ['in_progress', 'canceling', 'ended'];
          let previousStatus = 0;
          for (const t of [...times.sort((a, b) => a - b), 31 * H]) {
            const c = batch.counts(T0 + t);
            expect(c.processing + c.succeeded + c.errored + c.canceled + c.expired).toBe(finishes.length);
            expect(c.processing).toBeLessThanOrEqual(previous.processing);
            for (const key of ['succeeded', 'errored', 'canceled', 'expired'] as const) {
              expect(c[key]).toBeGreaterThanOrEqual(previous[key]);
            }
            const status = order.indexOf(batch.status(T0 + t));
            expect(status).toBeGreaterThanOrEqual(previousStatus);
            previous = c;
            previousStatus = status;
          }
          const tally = counts({});
          for (const type of resultTypes(batch)) tally[type]++;
          expect(previous).toEqual(tally);
        },
      ),
    );
  });

  it('shows archived_at from exactly created + 29 days', () => {
    const batch = batchOf([{ at: 10 * S }]);
    expect(ARCHIVE_MS).toBe(29 * DAY_MS);
    expect(batch.toJson(T0 + ARCHIVE_MS - 1, ORIGIN).archived_at).toBeNull();
    expect(batch.toJson(T0 + ARCHIVE_MS, ORIGIN).archived_at).toBe(formatRfc3339(T0 + 29 * DAY_MS));
    expect(batch.toJson(T0 + 40 * DAY_MS, ORIGIN).archived_at).toBe(formatRfc3339(T0 + 29 * DAY_MS));
  });

  it('writes its JSON keys in the API order', () => {
    const json = batchOf([{ at: 10 * S }]).toJson(T0, ORIGIN);
    expect(Object.keys(json)).toEqual([
      'id',
      'type',
      'processing_status',
      'request_counts',
      'ended_at',
      'created_at',
      'expires_at',
      'archived_at',
      'cancel_initiated_at',
      'results_url',
    ]);
    expect(Object.keys(json.request_counts)).toEqual([
      'processing',
      'succeeded',
      'errored',
      'canceled',
      'expired',
    ]);
    expect(json.created_at).toBe(formatRfc3339(T0));
  });
});
