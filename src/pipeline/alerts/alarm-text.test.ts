import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALARM_KINDS, alarmSentence } from './alarm-text.js';

/*
 * Every alarm the pipeline can raise reads as a sentence with its numbers. The kinds are read
 * from the source itself, so a new `log.alarm(…)` without a sentence here fails this file.
 */

const SRC = fileURLToPath(new URL('../..', import.meta.url));

/** Every .ts file under src/, tests excluded. */
function sources(): { path: string; text: string }[] {
  return readdirSync(SRC, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .map((path) => ({ path, text: readFileSync(path, 'utf8') }));
}

/**
 * The kinds raised in src/: `log.alarm(step, 'kind', …)`, and `log.write(step, phase, kind, …)`
 * whose phase can be `'alarm'` (the kind is the one in the same place of its ternary), and the
 * kinds the pager knows (alerts/alert-kind.ts).
 */
function raisedKinds(): Set<string> {
  const kinds = new Set<string>();
  for (const { path, text } of sources()) {
    for (const m of text.matchAll(/\.alarm\(\s*[^,()]+,\s*'([a-z_]+)'/g)) kinds.add(m[1]!);
    for (const m of text.matchAll(/\.write\(([^{)]*)/g)) {
      const [, phase = '', kind = ''] = m[1]!.split(',');
      const phases = [...phase.matchAll(/'(\w+)'/g)].map((q) => q[1]);
      const named = [...kind.matchAll(/'(\w+)'/g)].map((q) => q[1]!);
      const at = phases.indexOf('alarm');
      if (at < 0 || named.length === 0) continue;
      const alarm = named.length === phases.length ? named[at] : named.length === 1 ? named[0] : undefined;
      if (!alarm) throw new Error(`Failed to read the alarm kind of ${path}: ${m[0]}`);
      kinds.add(alarm);
    }
  }
  const pager = readFileSync(join(SRC, 'pipeline/alerts/alert-kind.ts'), 'utf8');
  const table = /BY_LOG_KIND[^{]*\{([^}]*)\}/.exec(pager)?.[1] ?? '';
  for (const m of table.matchAll(/^\s*(\w+):/gm)) kinds.add(m[1]!);
  for (const m of pager.matchAll(/entry\.kind === '(\w+)'/g)) kinds.add(m[1]!);
  return kinds;
}

/** One alarm of each kind, its detail as its call site in src/pipeline writes it, and its sentence. */
const EXAMPLES: Record<string, { step: string; detail: Record<string, unknown>; sentence: string }> = {
  missing_ids: {
    step: 'gate',
    detail: { submission_id: 's0001', count: 3, expected: 500, received: 497 },
    sentence:
      '3 ids missing from submission s0001 (expected 500, got 497): no result line came back for them',
  },
  unknown_ids: {
    step: 'gate',
    detail: { submission_id: 's0001', count: 1 },
    sentence: '1 result line of submission s0001 carries an id the run never sent (or a malformed one)',
  },
  duplicate_lines: {
    step: 'gate',
    detail: { submission_id: 's0002', identical: 4, conflicting: 1 },
    sentence:
      'submission s0002 returned duplicate result lines: 4 ids repeated with the same answer, 1 id with conflicting answers',
  },
  counts_disagree: {
    step: 'gate',
    detail: { submission_id: 's0001', submitted: 12500, counted: 12498, received: 12497 },
    sentence:
      'counts disagree for submission s0001: 12,500 requests submitted, the API counted 12,498, 12,497 distinct ids received',
  },
  stale_source: {
    step: 'gate',
    detail: { submission_id: 's0003', count: 2 },
    sentence: '2 answers of submission s0003 quarantined: their source rows changed after they were sent',
  },
  coverage_gap: {
    step: 'reconcile',
    detail: { source: 12345, disposed: 12340, duplicates: 2 },
    sentence:
      'coverage gap: 12,345 source rows, 12,340 with a disposition (5 without), 2 duplicate dispositions',
  },
  reconciled: {
    step: 'reconcile',
    detail: {
      source: 12345,
      disposed: 12345,
      valid: 11000,
      quarantined: 1300,
      deadLettered: 45,
      undisposed: 0,
      goldenScore: 0.7,
      goldenBaseline: 0.95,
      validityBelowMin: false,
      holdReason: 'golden score 0.700 is below the minimum 0.8',
    },
    sentence:
      'reconciled 12,345 source rows: 11,000 valid, 1,300 quarantined, 45 dead-lettered, 0 without a disposition; ' +
      'golden 70.0% against a baseline of 95.0%; promotion held: golden score 0.700 is below the minimum 0.8',
  },
  validity_below_min: {
    step: 'reconcile',
    detail: {
      validity: 0.8234,
      validity_min: 0.9,
      valid_answers: 1647,
      gated_answers: 2000,
      valid_rows: 1640,
      quarantined_rows: 350,
      dead_lettered_rows: 10,
      hold: true,
    },
    sentence:
      'validity 82.3% is below the minimum of 90.0%: 1,647 of 2,000 gated answers valid; rows 1,640 valid, 350 quarantined, 10 dead-lettered; promotion held',
  },
  promotion_held: {
    step: 'promote',
    detail: { reason: 'golden score 0.700 is below the minimum 0.8' },
    sentence: 'promotion held: golden score 0.700 is below the minimum 0.8',
  },
  canary_halted: {
    step: 'canary',
    detail: {
      release: false,
      reasons: ['validity 60.0% is below 90.0%', 'golden score fell 75 points'],
      validity: 0.6,
      errorRate: 0.04,
      goldenScore: 0.2,
      topShare: 0.5,
      stats: {
        rows: 50,
        valid: 30,
        errored: 2,
        goldenTotal: 10,
        goldenCorrect: 2,
        distribution: { a: 15, b: 15 },
      },
      unanswered: 1,
      unsent: 0,
    },
    sentence:
      'canary halted: validity 60.0% is below 90.0%; golden score fell 75 points (50 answers: 60.0% valid, 4.0% errored, golden 2 of 10, 1 unanswered)',
  },
  trend_alarm: {
    step: 'metrics',
    detail: {
      metric: 'validity',
      runs: ['run-a', 'run-b', 'run-c'],
      values: [0.974, 0.962, 0.961],
      total: -0.013,
      slope: -0.0065,
      crossed: ['total'],
      totalMax: 0.01,
      slopeMax: 0.02,
    },
    sentence:
      'validity is falling: 97.4% → 96.2% → 96.1% over 3 runs (-1.30 points in total against a limit of 1.00, -0.65 a run against 2.00)',
  },
  launch_refused: {
    step: 'preflight',
    detail: {
      rows: 12345,
      inputTokens: 2345678,
      outputTokensMax: 2469000,
      primaryUsd: 1234.5,
      escalationUsd: 0.0042,
      worstCaseUsd: 1234.5042,
      ceilingUsd: 1000,
    },
    sentence:
      'launch refused: the worst case of $1,234.50 (primary $1,234.50 + escalation $0.0042) for 12,345 rows is over the ceiling of $1,000.00',
  },
  ceiling_reached: {
    step: 'spend',
    detail: { spent_max_usd: 8.2, round_worst_usd: 2.5, ceiling_usd: 10, rows: 120 },
    sentence:
      'cost ceiling reached: up to $8.20 spent and the next round of 120 rows could take up to $2.50 more, over the ceiling of $10.00; those rows fail unsent',
  },
  api_unreachable: {
    step: 'poll',
    detail: {
      what: 'poll batch msgbatch_01',
      error: 'APIConnectionError: Connection error.',
      wait_minutes: 30,
    },
    sentence:
      'the API is unreachable (poll batch msgbatch_01), retrying for up to 30 minutes: APIConnectionError: Connection error.',
  },
  batch_not_found: {
    step: 'poll',
    detail: { submission_id: 's0001', batch_id: 'msgbatch_01', polls: 5 },
    sentence: 'batch msgbatch_01 of submission s0001 not found (404) 5 polls in a row',
  },
  results_stream_failed: {
    step: 'fetch',
    detail: { submission_id: 's0001', attempt: 2, lines: 1234, error: 'Error: socket hang up' },
    sentence: 'the results of submission s0001 stopped after 1,234 lines on attempt 2: Error: socket hang up',
  },
  create_outcome_unknown: {
    step: 'submit',
    detail: { submission_id: 's0002', error: 'APIConnectionTimeoutError: Request timed out.' },
    sentence:
      'creating the batch of submission s0002 may or may not have worked (APIConnectionTimeoutError: Request timed out.); looking for it before trying again',
  },
  orphan_unproven: {
    step: 'submit',
    detail: { submission_id: 's0002', batch_id: 'msgbatch_02' },
    sentence:
      "adopted batch msgbatch_02 for submission s0002 without proof it is this run's: its requests could not be read",
  },
  cancel_failed: {
    step: 'halt',
    detail: { batch_id: 'msgbatch_03', error: 'InternalServerError: 500 overloaded' },
    sentence:
      'could not cancel batch msgbatch_03, which may still be running: InternalServerError: 500 overloaded',
  },
  halted_by_operator: {
    step: 'halt',
    detail: {
      previous_status: 'running',
      sink: 'labels',
      in_flight: ['msgbatch_03', 'msgbatch_04'],
      canceled: ['msgbatch_04'],
      create_uncertain: ['s0005'],
    },
    sentence:
      'halted by the operator (the run was running, sink labels): 2 batches (msgbatch_03, msgbatch_04) in flight, 1 batch canceled, 1 submission (s0005) whose create is uncertain',
  },
  rollback_conflicts: {
    step: 'rollback',
    detail: { rows: 1 },
    sentence: 'rollback left 1 row alone: a later run changed it in the sink since',
  },
};

describe('alarmSentence', () => {
  it('has a sentence for every alarm kind raised anywhere in src/, and none for a kind nothing raises', () => {
    const raised = raisedKinds();
    // The reading of the source found the alarms it should: a regex gone blind would pass vacuously.
    expect(raised.size).toBeGreaterThanOrEqual(20);
    expect(raised).toContain('canary_halted');
    expect(raised).toContain('reconciled');
    expect([...raised].filter((kind) => !ALARM_KINDS.includes(kind)).sort()).toEqual([]);
    expect(ALARM_KINDS.filter((kind) => !raised.has(kind)).sort()).toEqual([]);
  });

  it('has an example below for every kind it knows', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual([...ALARM_KINDS].sort());
  });

  for (const [kind, { step, detail, sentence }] of Object.entries(EXAMPLES)) {
    it(`says ${kind} in words, with the numbers of its detail`, () => {
      expect(alarmSentence({ step, kind, detail })).toBe(sentence);
    });
  }

  it('prints a missing field as ? rather than undefined or NaN', () => {
    for (const kind of ALARM_KINDS) {
      const sentence = alarmSentence({ step: 'any', kind, detail: {} });
      expect(sentence, kind).not.toMatch(/undefined|NaN|null|\[object/);
    }
    expect(alarmSentence({ step: 'gate', kind: 'missing_ids', detail: {} })).toBe(
      '? ids missing from submission ?: no result line came back for them',
    );
  });

  it('keeps long free text whole, on one line', () => {
    const error = `Error: ${'the upstream said no; '.repeat(100)}\n    at retrieve (client.js:1:1)`;
    const sentence = alarmSentence({
      step: 'fetch',
      kind: 'cancel_failed',
      detail: { batch_id: 'b', error },
    });
    expect(sentence).toContain('the upstream said no; '.repeat(100).trim());
    expect(sentence).toContain('at retrieve (client.js:1:1)');
    expect(sentence).not.toContain('\n');
    expect(sentence).not.toContain('...');
  });

  it('reads an unknown kind as kind: key=value, with separators, short fractions and nothing cut', () => {
    const detail = {
      rows: 12345,
      share: 0.8234567,
      usd: 1234.5678,
      baseline: null,
      reason: 'a reason with spaces',
      ids: ['s0001', 's0002'],
      counts: { valid: 1500, invalid: 2 },
      note: 'x'.repeat(500),
    };
    expect(alarmSentence({ step: 'gate', kind: 'brand_new', detail })).toBe(
      `brand_new: rows=12,345, share=0.8235, usd=1,234.57, baseline=none, reason=a reason with spaces, ids=[s0001, s0002], counts={valid=1,500, invalid=2}, note=${'x'.repeat(500)}`,
    );
    expect(alarmSentence({ step: 'gate', kind: 'brand_new', detail: {} })).toBe('brand_new');
  });
});
