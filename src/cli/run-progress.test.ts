import { describe, expect, it } from 'vitest';
import type { BatchProgress, PollProgress } from '../pipeline/run/progress.js';
import type { LogEntry } from '../pipeline/run/run-log.js';
import { capturingIo } from './io.js';
import { duration, RunProgressView } from './run-progress.js';

/*
 * What a person watching a run sees between a batch's create and its end: per poll, each batch's
 * requests ended of its total, the spend bound against the ceiling, the canary's verdict, and
 * the time left at the pace the batch has kept. Off a terminal, a line per poll at most once per
 * 5 s of the run's clock, and one whenever a batch ends; on a terminal, one status line.
 */

const batch = (ended: number, requests = 2940, done = false): BatchProgress => ({
  submissionId: 's0002',
  batchId: 'msgbatch_1',
  model: 'claude-haiku-4-5',
  requests,
  ended,
  counts: null,
  done,
});

const poll = (at: number, batches: BatchProgress[], spent = 0.41): PollProgress => ({
  at,
  phase: 'main',
  round: 1,
  batches,
  spentMaxUsd: spent,
  ceilingUsd: 10,
});

const entry = (kind: string): LogEntry => ({
  seq: 1,
  at: '',
  step: 'canary',
  phase: 'outcome',
  kind,
  detail: {},
});

describe('run progress off a terminal', () => {
  it('prints a line per poll, at most one per 5 s of the run’s clock, with counts, spend and time left', () => {
    const lines: string[] = [];
    const view = new RunProgressView(capturingIo(lines));
    view.progress(poll(0, [batch(0)]));
    view.progress(poll(3_000, [batch(49)]));
    view.progress(poll(60_000, [batch(980)]));
    expect(lines).toEqual([
      '[progress] main round 1 · s0002 0/2,940 · spend ≤ $0.41 of $10.00 · time left not known yet',
      // 980 requests a minute since first seen: 1,960 left is two minutes.
      '[progress] main round 1 · s0002 980/2,940 · spend ≤ $0.41 of $10.00 · about 2 min left',
    ]);
  });

  it('prints at once when a batch ends, and names the canary’s verdict once it came', () => {
    const lines: string[] = [];
    const view = new RunProgressView(capturingIo(lines));
    view.progress(poll(0, [batch(0, 120)]));
    view.entry(entry('canary_halted'));
    view.progress(poll(5_000, [batch(120, 120, true)], 0.02));
    expect(lines.at(-1)).toBe(
      '[progress] main round 1 · s0002 120/120 done · spend ≤ $0.02 of $10.00 · canary halted · batches ended',
    );
  });
});

describe('run progress on a terminal', () => {
  it('redraws one status line per poll and takes it away at the end', () => {
    const lines: string[] = [];
    const statuses: (string | null)[] = [];
    const view = new RunProgressView({ ...capturingIo(lines), status: (line) => statuses.push(line) });
    view.entry(entry('canary_released'));
    view.progress(poll(0, [batch(0)]));
    view.progress(poll(10_000, [batch(100)]));
    view.end();
    expect(lines).toEqual([]);
    expect(statuses).toEqual([
      'main round 1 · s0002 0/2,940 · spend ≤ $0.41 of $10.00 · canary released · time left not known yet',
      'main round 1 · s0002 100/2,940 · spend ≤ $0.41 of $10.00 · canary released · about 5 min left',
      null,
    ]);
  });
});

describe('duration', () => {
  it('reads as a person says it', () => {
    expect([45_000, 90_000, 3_600_000, 12_000_000].map(duration)).toEqual([
      '45 s',
      '2 min',
      '1 h',
      '3 h 20 min',
    ]);
  });
});
