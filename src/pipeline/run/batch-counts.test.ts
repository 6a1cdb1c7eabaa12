import { describe, expect, it } from 'vitest';
import { countedTotal, endedRequests } from './batch-counts.js';

describe('countedTotal', () => {
  it('adds up request_counts whose five fields are counts', () => {
    const counts = { processing: 0, succeeded: 7, errored: 2, canceled: 1, expired: 3 };
    expect(countedTotal(JSON.stringify(counts))).toBe(13);
    // A field a later API adds changes nothing.
    expect(countedTotal(JSON.stringify({ ...counts, withheld: 4 }))).toBe(13);
  });

  it.each([
    ['no counts', null],
    ['not JSON', '{'],
    ['null', 'null'],
    ['a string', '"many"'],
    ['a field missing', '{"processing":0,"succeeded":7,"errored":0,"canceled":0}'],
    ['a negative field', '{"processing":0,"succeeded":7,"errored":-1,"canceled":0,"expired":0}'],
    ['a fraction', '{"processing":0,"succeeded":1.5,"errored":0,"canceled":0,"expired":0}'],
    ['a count as text', '{"processing":0,"succeeded":"7","errored":0,"canceled":0,"expired":0}'],
  ])('is null for %s', (_, json) => {
    expect(countedTotal(json)).toBeNull();
  });
});

describe('endedRequests', () => {
  const polled = (processing: unknown, status: 'in_progress' | 'ended' = 'in_progress') =>
    ({ processing_status: status, request_counts: { processing } }) as Parameters<typeof endedRequests>[0];

  it('counts the requests no longer processing, all of them once the batch ended', () => {
    expect(endedRequests(polled(30), 100)).toBe(70);
    expect(endedRequests(polled(100), 100)).toBe(0);
    expect(endedRequests(polled(0, 'ended'), 100)).toBe(100);
    expect(endedRequests(polled(null, 'ended'), 100)).toBe(100);
  });

  it('trusts no processing count that is not a count within the batch', () => {
    for (const bad of [null, -1, 101, 2.5, '30', undefined]) expect(endedRequests(polled(bad), 100)).toBe(0);
  });
});
