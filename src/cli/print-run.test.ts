import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../pipeline/run/run-job.js';
import type { LogEntry } from '../pipeline/run/run-log.js';
import { formatEntry, summaryLines } from './print-run.js';

const entry = (over: Partial<LogEntry>): LogEntry => ({
  seq: 42,
  at: '2026-01-01T00:00:00Z',
  step: 'gate',
  phase: 'outcome',
  kind: 'batch_gated',
  detail: {},
  ...over,
});

describe('formatEntry', () => {
  it('prints an alarm as ALARM, its step and a sentence with its numbers, its kind last', () => {
    const line = formatEntry(
      entry({ phase: 'alarm', kind: 'missing_ids', detail: { submission_id: 's0001', count: 3 } }),
    );
    expect(line).toBe(
      '[pipeline] 0042 ALARM gate: 3 ids missing from submission s0001: no result line came back for them [missing_ids]',
    );
  });

  it('prints any other entry as its step, kind and key=value detail', () => {
    const line = formatEntry(
      entry({
        seq: 7,
        step: 'submit',
        kind: 'create_batch',
        phase: 'intent',
        detail: {
          submission_id: 's0001',
          phase: 'main',
          round: 1,
          requests: 12500,
          share: 0.016666666,
          hold: null,
        },
      }),
    );
    expect(line).toBe(
      '[pipeline] 0007 submit    create_batch submission_id=s0001, phase=main, round=1, requests=12,500, share=0.01667, hold=none',
    );
    expect(formatEntry(entry({ seq: 1, step: 'state', kind: 'entered' }))).toBe(
      '[pipeline] 0001 state     entered',
    );
  });

  it('never cuts a long detail short', () => {
    const outcomes = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`kind_${i}`, 1000 + i]));
    const line = formatEntry(entry({ detail: { submission_id: 's0009', outcomes } }));
    expect(line).toContain('kind_0=1,000');
    expect(line).toContain('kind_39=1,039}');
    expect(line).not.toContain('...');
    const alarm = formatEntry(
      entry({ phase: 'alarm', kind: 'brand_new', detail: { note: 'y'.repeat(400) } }),
    );
    expect(alarm).toBe(`[pipeline] 0042 ALARM gate: brand_new: note=${'y'.repeat(400)} [brand_new]`);
  });
});

describe('summaryLines', () => {
  it('groups thousands in rows, tokens and counts, and writes money as dollars', () => {
    const summary = {
      runId: 'run-1',
      status: 'promoted',
      breakdown: {
        rows: 12345,
        inputTokens: 2345678,
        outputTokensMax: 2469000,
        primaryUsd: 1234.5,
        escalationUsd: 0.0042,
        worstCaseUsd: 1234.5042,
        ceilingUsd: 2000,
      },
      counts: { source: 12345, promoted: 11000, quarantined: 1300, dead_lettered: 45, held: 0 },
      metrics: {
        coverage: 1,
        validity: 0.8912,
        cost_usd: 12.3456,
        cost_per_good_row: 0.00112233,
        escalation_rate: 0.05,
        golden_score: 0.95,
      },
    } as RunSummary;
    expect(summaryLines(summary, '/tmp/runs.duckdb')).toEqual([
      'run run-1: promoted',
      '  preflight: 12,345 rows, ~2,345,678 input tokens, ≤ 2,469,000 output tokens; worst case $1,234.50 (primary $1,234.50 + escalation $0.0042) against a ceiling of $2,000.00',
      '  rows: 12,345 source, 11,000 promoted, 1,300 quarantined, 45 dead-lettered, 0 held',
      '  coverage 100.0%, validity 89.1%, cost $12.35 ($0.00112 per good row), escalation 5.0%, golden 95.0%',
      '  report: npx batchguard report --db /tmp/runs.duckdb --run run-1',
      '  undo:   npx batchguard rollback run-1 --db /tmp/runs.duckdb',
    ]);
  });
});
