import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../pipeline/job/job.js';
import { loadJob } from '../pipeline/job/load-job.js';
import type { LogEntry, LogPhase } from '../pipeline/run/run-log.js';
import { controlGaps } from './control-gaps.js';

const REVIEWS_JOB = fileURLToPath(new URL('../../examples/reviews/job.yaml', import.meta.url));

let shipped: Job;
beforeAll(async () => {
  shipped = await loadJob(REVIEWS_JOB);
});

/** Run-log entries shaped as the pipeline writes them (run-job.ts, canary-step.ts, reconcile.ts, gate-results.ts). */
function log(...entries: [step: string, phase: LogPhase, kind: string, detail?: Record<string, unknown>][]) {
  return entries.map(
    ([step, phase, kind, detail = {}], i): LogEntry => ({
      seq: i + 1,
      at: '2026-01-01T00:00:00.000Z',
      step,
      phase,
      kind,
      detail,
    }),
  );
}

const breakdown = (worstCaseUsd: number, ceilingUsd: number) => ({
  rows: 1060,
  inputTokens: 166_000,
  outputTokensMax: 212_000,
  primaryUsd: worstCaseUsd / 4,
  escalationUsd: (worstCaseUsd * 3) / 4,
  worstCaseUsd,
  ceilingUsd,
});

const canaryReleased = (validity: number, topShare: number | null) =>
  log(
    ['preflight', 'outcome', 'cost_within_ceiling', breakdown(2.4, 10)],
    ['plan', 'event', 'canary_marked', { rows: 80 }],
    [
      'canary',
      'outcome',
      'canary_released',
      { release: true, reasons: [], validity, errorRate: 0, goldenScore: 0.9, topShare },
    ],
  );

describe('controlGaps: the canary', () => {
  it('blames nothing in the shipped job when the canary graded enough rows and did not halt', () => {
    expect(controlGaps(['canary'], shipped, canaryReleased(0.97, 0.5))).toEqual([]);
  });

  it('names canary.enabled, and only that, when the job turned the canary off', () => {
    const job = {
      ...shipped,
      canary: { ...shipped.canary, enabled: false },
      golden: { ...shipped.golden, path: null },
    };
    expect(
      controlGaps(['canary'], job, log(['preflight', 'outcome', 'cost_within_ceiling', breakdown(2, 10)])),
    ).toEqual(['canary.enabled is false, so no slice was graded before the rest ran: set it to true']);
  });

  it('names a missing golden set, a null distribution_field and a canary of too few rows', () => {
    const job: Job = { ...shipped, golden: { ...shipped.golden, path: null }, distributionField: null };
    const entries = log(['plan', 'event', 'canary_marked', { rows: 20 }]);
    const gaps = controlGaps(['canary'], job, entries);
    expect(gaps).toEqual([
      expect.stringContaining(
        'the job has no golden set, so the canary can judge only validity and the spread',
      ),
      expect.stringContaining('distribution_field is null'),
      'the canary graded only 20 rows: a fault in 2 % of rows may not show in it; raise canary.fraction or canary.min_rows',
    ]);
  });

  it('names a threshold laxer than its default with what the canary measured', () => {
    const job: Job = {
      ...shipped,
      thresholds: { ...shipped.thresholds, validityMin: 0.5, labelShareMax: 0.99 },
    };
    expect(controlGaps(['canary'], job, canaryReleased(0.62, 0.95))).toEqual([
      'thresholds.validity_min is 0.5, laxer than the default 0.9 (this run measured 0.62): raise it',
      'thresholds.label_share_max is 0.99, laxer than the default 0.9 (this run measured 0.95): lower it',
    ]);
  });

  it('blames no setting when the canary did halt the run', () => {
    const job: Job = { ...shipped, golden: { ...shipped.golden, path: null }, distributionField: null };
    const entries = log(
      ['plan', 'event', 'canary_marked', { rows: 20 }],
      ['canary', 'alarm', 'canary_halted'],
    );
    expect(controlGaps(['canary'], job, entries)).toEqual([]);
  });
});

describe('controlGaps: the preflight ceiling', () => {
  it("gives the worst case and the ceiling from the preflight's log when the launch went ahead", () => {
    expect(
      controlGaps(
        ['preflight_ceiling'],
        shipped,
        log(['preflight', 'outcome', 'cost_within_ceiling', breakdown(7.08, 10)]),
      ),
    ).toEqual([
      "the worst case with the fault was $7.08, under the ceiling of $10.00 (cost_ceiling_usd scaled to the drill's rows): lower cost_ceiling_usd",
    ]);
  });

  it('blames nothing when the preflight refused the launch', () => {
    expect(
      controlGaps(
        ['preflight_ceiling'],
        shipped,
        log(['preflight', 'alarm', 'launch_refused', breakdown(70.8, 10)]),
      ),
    ).toEqual([]);
  });
});

describe('controlGaps: the on-task check', () => {
  const offTask = log(['gate', 'outcome', 'batch_gated', { outcomes: { valid: 90, 'invalid:off_task': 4 } }]);

  it('names missing quote_fields and an unfenced template when nothing was quarantined off task', () => {
    const job: Job = { ...shipped, quoteFields: [], fence: false };
    const gaps = controlGaps(
      ['on_task_check'],
      job,
      log(['gate', 'outcome', 'batch_gated', { outcomes: { valid: 94 } }]),
    );
    expect(gaps).toEqual([
      expect.stringContaining(
        'the job has no quote_fields, so an obeyed injection that answers a valid value',
      ),
      expect.stringContaining('fence is false'),
    ]);
  });

  it('names the missing fence after a catch only when too many injections were obeyed', () => {
    const job: Job = { ...shipped, fence: false };
    expect(controlGaps(['on_task_check'], job, offTask)).toEqual([]);
    expect(
      controlGaps(['on_task_check'], job, offTask, [
        'obeyed_share_max 0.1: the model obeyed 40 % of injected rows',
      ]),
    ).toEqual([expect.stringContaining('fence is false')]);
  });
});

describe('controlGaps: escalation, attempts and the golden set', () => {
  it('names models.escalation only when the drill failed on valid_share_min', () => {
    const job: Job = { ...shipped, models: { ...shipped.models, escalation: null } };
    const gated = log(['gate', 'outcome', 'batch_gated', { outcomes: { valid: 90, 'invalid:schema': 6 } }]);
    expect(
      controlGaps(['output_gate'], job, gated, ['coverage: 3 of 1000 source rows have no disposition']),
    ).toEqual([]);
    expect(
      controlGaps(['output_gate'], job, gated, ['valid_share_min 0.97: 94.0% of rows promoted']),
    ).toEqual([expect.stringContaining('models.escalation is null')]);
    expect(
      controlGaps(['output_gate'], shipped, gated, ['valid_share_min 0.97: 94.0% of rows promoted']),
    ).toEqual([]);
  });

  it('names attempts: 1, which leaves nothing to requeue', () => {
    expect(controlGaps(['requeue'], { ...shipped, attempts: 1 }, [])).toEqual([
      expect.stringMatching(/^attempts is 1, .*dead-lettered/),
    ]);
    expect(controlGaps(['requeue'], shipped, [])).toEqual([]);
  });

  it('names a missing golden set, a lax floor and a missing baseline for golden drift', () => {
    expect(
      controlGaps(['golden_drift'], { ...shipped, golden: { ...shipped.golden, path: null } }, []),
    ).toEqual(['the job has no golden set, so no golden score could fall: add golden.path']);
    const job: Job = { ...shipped, golden: { ...shipped.golden, minScore: 0.5 } };
    const reconciled = log([
      'reconcile',
      'outcome',
      'reconciled',
      { goldenScore: 0.6, goldenBaseline: null },
    ]);
    expect(controlGaps(['golden_drift'], job, reconciled)).toEqual([
      'golden.min_score is 0.5, laxer than the default 0.8 (this run measured 0.6): raise it',
      expect.stringContaining('there was no golden baseline to compare with'),
    ]);
    const held = log([
      'promote',
      'alarm',
      'promotion_held',
      { reason: 'golden score 0.6 is below the minimum' },
    ]);
    expect(controlGaps(['golden_drift'], job, held)).toEqual([]);
  });

  it('says a drop within chance went unseen, and a larger golden set sees smaller ones', () => {
    const drop = log(['reconcile', 'outcome', 'reconciled', { goldenScore: 0.84, goldenBaseline: 0.94 }]);
    expect(controlGaps(['golden_drift'], shipped, drop)).toEqual([
      'the golden score fell 10.0 points below the baseline 0.940, within what chance allows for a golden set of its size: a larger golden set sees smaller drops',
    ]);
    const rise = log(['reconcile', 'outcome', 'reconciled', { goldenScore: 0.95, goldenBaseline: 0.94 }]);
    expect(controlGaps(['golden_drift'], shipped, rise)).toEqual([]);
  });

  it('blames no setting for the controls that are always on', () => {
    const weak: Job = {
      ...shipped,
      attempts: 1,
      fence: false,
      quoteFields: [],
      canary: { ...shipped.canary, enabled: false },
    };
    expect(controlGaps(['reconcile', 'mapping', 'submission_ledger', 'runbook'], weak, [])).toEqual([]);
  });
});
