import fc from 'fast-check';
import { expect, vi } from 'vitest';
import type { HYPOTHESES } from '../../src/drills/hypotheses.js';
import { rollbackRun } from '../../src/pipeline/run/rollback.js';
import { type RunSummary, startRun } from '../../src/pipeline/run/run-job.js';
import type { LogEntry } from '../../src/pipeline/run/run-log.js';
import type { CanaryCase } from '../arbitraries/canary-case.js';
import { type DriftCase, LARGE_DRIFT_GOLDEN_MIN, LARGE_DRIFT_RATE } from '../arbitraries/drift-case.js';
import type { MappingCase } from '../arbitraries/mapping-case.js';
import type { RollbackCase } from '../arbitraries/rollback-case.js';
import type { RunCase } from '../arbitraries/run-case.js';
import type { SpendCase } from '../arbitraries/spend-case.js';
import { driftRuns } from './drift-runs.js';
import { type CaseRun, caseRun } from './property-run.js';
import { twoRuns } from './two-runs.js';

type GradeCanary = typeof import('../../src/pipeline/gate/grade-canary.js');

/*
 * The invariants' properties, one function each, so that the property tests run them on their
 * own arbitraries and test/controls-off.property.test.ts runs the very same ones with a control
 * broken (and must see them fail). Each is an fc.asyncProperty over a case; the oracle is the
 * drills' passive checkers, the world's ground truth, and what the test itself put in the sink.
 * Over 300 lines, as the six properties are read side by side: each says what ground it covers.
 */

type Check = keyof typeof HYPOTHESES;

/** Every named check's failures, in order: [] when all held. */
async function broken(run: CaseRun, summary: RunSummary, checks: readonly Check[]): Promise<string[]> {
  const reasons: string[] = [];
  for (const name of checks) reasons.push(...(await run.check(summary, name)));
  return reasons;
}

/**
 * Invariants 1, 2, 3, 4 and 6 over any fault mix: one disposition a row, nothing invalid or
 * misattributed promoted, spend within the ceiling and no batch billed twice, rows no fault
 * touched not quarantined, and a rollback that puts the sink back exactly.
 */
export function invariantsProperty(
  cases: fc.Arbitrary<RunCase>,
  /** Keys laid over the job (default: the example's, with a canary of at least 5 rows). */
  job?: Record<string, unknown>,
): fc.IAsyncPropertyWithHooks<[RunCase]> {
  return fc.asyncProperty(cases, async (c) => {
    const run = await caseRun(c, job);
    try {
      const summary = await run.run();
      // A refused launch plans nothing, so it has no dispositions to count.
      const checks: Check[] = [
        'nothing_invalid_promoted',
        'mapping',
        'spend_within_ceiling',
        'no_double_billing',
      ];
      const reasons = await broken(
        run,
        summary,
        summary.status === 'refused' ? checks : ['coverage', ...checks],
      );
      // The gate's precision: rows no fault touched are (nearly) never quarantined.
      reasons.push(...(await run.check(summary, 'clean_quarantine_max', 0.1)));
      expect(reasons, reasons.join('; ')).toEqual([]);

      // Rollback: the rows the run touched go back to their before-images; no other row moves.
      const sink = await run.sink();
      const strangers = sink.filter(
        (r) => r.run_id !== summary.runId && !run.prior.some((p) => p.key === r.key),
      );
      expect(strangers, 'rows in the sink from neither this run nor before it').toEqual([]);
      // A run that did not promote wrote nothing to roll back; one that did is undone exactly.
      if (summary.status === 'promoted') await rollbackRun(run.db, summary.runId, run.world.sim.clock);
      expect(await run.sink()).toEqual(run.prior);
    } finally {
      await run.dispose();
    }
  });
}

/** Invariant 5: a poisoned job halts after its canary with no main batch; a clean one is never halted. */
export function canaryProperty(
  cases: fc.Arbitrary<CanaryCase>,
  job: Record<string, unknown> = {},
): fc.IAsyncPropertyWithHooks<[CanaryCase]> {
  return fc.asyncProperty(cases, async (c) => {
    const run = await caseRun(c, job);
    try {
      const summary = await run.run();
      const phases = await run.db.all<{ phase: string }>('SELECT DISTINCT phase FROM submissions');
      if (c.poisoned) {
        expect(summary.status, 'a poisoned job must halt after its canary').toBe('halted');
        expect(phases.map((p) => p.phase)).toEqual(['canary']);
        expect(await run.check(summary, 'nothing_promoted')).toEqual([]);
      } else {
        expect(summary.canary?.reasons).toEqual([]);
        expect(summary.status).not.toBe('halted');
      }
    } finally {
      await run.dispose();
    }
  });
}

/**
 * The preflight's worst case for a case's run, as the pipeline itself prices it: a launch the
 * test declines at the confirmation, after the preflight and before anything is sent (the
 * declined run stays in the database as `refused`, with no batch and no bill).
 */
async function preflightWorstCase(run: CaseRun, seed: number): Promise<number> {
  const declined = await startRun({
    db: run.db,
    env: run.env,
    job: run.job,
    mode: 'simulation',
    seed,
    confirm: async () => false,
  });
  return declined.breakdown!.worstCaseUsd;
}

/**
 * Invariant 6 on the spend guard's ground: vanishing result lines that requeue rows round after
 * round (each billed again), a ceiling drawn around the preflight's worst case, any attempts
 * bound, escalation on or off, sometimes a create whose outcome is lost. Below the worst case the
 * launch is refused before any batch; at or above it the run goes ahead and the world's bill
 * stays within the ceiling, no batch is billed twice, every row has one disposition, and a row
 * dead-lettered for a lost answer used every attempt its model had (or was stopped by the
 * ceiling, `cost_ceiling`): nothing is dropped, nothing retried past its bound.
 */
export function spendProperty(cases: fc.Arbitrary<SpendCase>): fc.IAsyncPropertyWithHooks<[SpendCase]> {
  return fc.asyncProperty(cases, async (c) => {
    // No canary: a canary that lost most of its lines halts the run before any requeue, and the
    // canary has a property of its own.
    const run = await caseRun(c, {
      canary: { enabled: false },
      attempts: c.attempts,
      ...(c.escalation ? {} : { models: { escalation: null } }),
    });
    try {
      const worstUsd = await preflightWorstCase(run, c.seed);
      // The ceiling as the job file would give it; set on the loaded job, which is what the run
      // starts with and what the checkers read.
      run.job.costCeilingUsd = worstUsd * c.ceilingFactor;
      const summary = await run.run();
      if (worstUsd > run.job.costCeilingUsd) {
        expect(summary.status, 'a launch whose worst case exceeds the ceiling is refused').toBe('refused');
        expect(await run.check(summary, 'refused_before_spend')).toEqual([]);
        return;
      }
      expect(summary.status, 'a launch within the ceiling goes ahead').not.toBe('refused');
      const reasons = await broken(run, summary, ['coverage', 'spend_within_ceiling', 'no_double_billing']);
      reasons.push(...(await requeuedWithinAttempts(run, summary)));
      expect(reasons, reasons.join('; ')).toEqual([]);
    } finally {
      await run.dispose();
    }
  });
}

/** Reasons a lost answer is retried for (gate-results.ts): anything else is final at once. */
const RETRYABLE = /^(missing|expired|canceled|errored:)/;

/**
 * The requeue's bound, both ways: no row (golden ones included) was sent more than `attempts`
 * times to one model, and a row dead-lettered for a retryable loss was sent exactly `attempts`
 * times to the model that lost it, unless the spend guard held its next attempt back.
 */
async function requeuedWithinAttempts(run: CaseRun, summary: RunSummary): Promise<string[]> {
  const sends = await run.db.all<{ row_key: string; model: string; n: number }>(
    'SELECT row_key, model, count(*)::INTEGER AS n FROM batch_requests WHERE run_id = ? GROUP BY ALL',
    [summary.runId],
  );
  const tries = new Map(sends.map((s) => [`${s.row_key}|${s.model}`, s.n]));
  const { attempts } = run.job;
  const reasons = sends
    .filter((s) => s.n > attempts)
    .map((s) => `${s.row_key} was sent ${s.n} times to ${s.model}, more than attempts ${attempts}`);
  const dead = await run.db.all<{ row_key: string; reason: string; model: string | null }>(
    `SELECT d.row_key, d.reason, q.model FROM row_dispositions d
     LEFT JOIN batch_requests q ON q.run_id = d.run_id AND q.custom_id = d.custom_id
     WHERE d.run_id = ? AND d.disposition = 'dead_lettered'`,
    [summary.runId],
  );
  // A halted run stops requeueing with the rest of the run: its lost rows keep their tries.
  if (summary.status === 'halted') return reasons;
  for (const d of dead.filter((d) => RETRYABLE.test(d.reason ?? ''))) {
    const n = tries.get(`${d.row_key}|${d.model}`) ?? 0;
    if (n !== attempts)
      reasons.push(`${d.row_key} was dead-lettered ${d.reason} after ${n} of ${attempts} attempts`);
  }
  return reasons;
}

/**
 * Invariant 3 on the mapping's ground: results shuffled (always), duplicated, duplicated with a
 * different answer, lines for unknown ids, source rows edited or reordered between submit and
 * fetch; with the gate's quote check on or off, so that nothing but the custom_id join stands
 * between a misplaced answer and the sink. Every promoted value must be the world's own answer
 * to that row's request, sent with the row's current values; nothing invalid is promoted, every
 * row has one disposition, and rows no fault touched are not quarantined.
 */
export function mappingProperty(
  cases: fc.Arbitrary<MappingCase>,
  /** Told the kinds of evidence each case's world recorded (to check the faults fired at all). */
  evidence: (kinds: string[]) => void = () => {},
): fc.IAsyncPropertyWithHooks<[MappingCase]> {
  return fc.asyncProperty(cases, async (c) => {
    const run = await caseRun(c, { canary: { min_rows: 5 }, ...(c.quoteCheck ? {} : { quote_fields: [] }) });
    try {
      const summary = await run.run();
      const reasons = await broken(run, summary, ['coverage', 'mapping', 'nothing_invalid_promoted']);
      reasons.push(...(await run.check(summary, 'clean_quarantine_max', 0.1)));
      expect(reasons, reasons.join('; ')).toEqual([]);
      evidence(run.world.sim.world.groundTruth().evidence.map((e) => e.kind));
    } finally {
      await run.dispose();
    }
  });
}

/**
 * Invariant 4 on rollback's ground: run A promotes over a sink that already held some of its
 * keys; a later run B promotes a random part of A's rows (and rows of its own); then A is rolled
 * back by a random (non-empty) subset of its custom_ids and keys, some of which B overwrote. Row by row: each
 * chosen row B left alone is back to its value before A (or gone, if A created it), each chosen
 * row B overwrote keeps B's value (a conflict, counted), and every other row is as B left it.
 * The oracle is the sink the test wrote before A, not the pipeline's own before-images.
 */
export function rollbackProperty(
  cases: fc.Arbitrary<RollbackCase>,
): fc.IAsyncPropertyWithHooks<[RollbackCase]> {
  return fc.asyncProperty(cases, async (c) => {
    const sys = await twoRuns(c);
    try {
      const a = await sys.start('A');
      expect(a.status, 'run A promotes').toBe('promoted');
      const ofA = (await sys.sink()).filter((r) => r.run_id === a.runId);
      const b = await sys.start('B');
      expect(b.status, 'run B promotes').toBe('promoted');
      const afterB = await sys.sink();
      // At least one row: `rollback --ids` refuses an empty list (and rollbackRun given [] fails
      // in DuckDB, "Cannot create lists with item type of ANY": reported, not this property's).
      const flagged = ofA.filter((_, i) => c.chosen[i % c.chosen.length]);
      const chosen = flagged.length > 0 ? flagged : ofA.slice(0, 1);
      const ids = chosen.map((r, i) => (c.byKey[i % c.byKey.length] ? r.key : r.custom_id));
      const logged: LogEntry[] = [];
      const result = await rollbackRun(sys.db, a.runId, sys.env.clock, {
        ids,
        onEntry: (e) => logged.push(e),
      });

      const before = new Map(sys.prior.map((r) => [r.key, r]));
      const chosenKeys = new Set(chosen.map((r) => r.key));
      const undone = (key: string, runId: string) => chosenKeys.has(key) && runId === a.runId;
      const expected = afterB.flatMap((r) =>
        undone(r.key, r.run_id) ? [before.get(r.key)].filter((p) => p !== undefined) : [r],
      );
      const now = await sys.sink();
      const differ = rowDifferences(expected, now);
      expect(
        differ,
        `${differ.length} sink rows differ from the oracle: ${differ.slice(0, 3).join('; ')}`,
      ).toEqual([]);
      const overwritten = chosen.filter((r) => afterB.find((s) => s.key === r.key)?.run_id !== a.runId);
      const back = chosen.filter((r) => !overwritten.includes(r));
      expect(result).toEqual({
        restored: back.filter((r) => before.has(r.key)).length,
        removed: back.filter((r) => !before.has(r.key)).length,
        conflicts: overwritten.length,
      });
      // What the operator reads: the conflicts alarm exactly when B overwrote a chosen row, and
      // the run's status saying whether all of A is undone, part of it, or none yet.
      const alarms = logged.filter((e) => e.phase === 'alarm');
      expect(alarms.map((e) => [e.kind, e.detail.rows])).toEqual(
        overwritten.length > 0 ? [['rollback_conflicts', overwritten.length]] : [],
      );
      const status =
        back.length === 0 ? 'promoted' : back.length === ofA.length ? 'rolled_back' : 'partially_rolled_back';
      expect(await sys.db.one('SELECT status FROM runs WHERE run_id = ?', [a.runId])).toEqual({ status });
    } finally {
      await sys.dispose();
    }
  });
}

/** Each key whose row is not the expected one, with both rows. */
function rowDifferences<T extends { key: string }>(expected: readonly T[], actual: readonly T[]): string[] {
  const want = new Map(expected.map((r) => [r.key, JSON.stringify(r)]));
  const have = new Map(actual.map((r) => [r.key, JSON.stringify(r)]));
  return [...new Set([...want.keys(), ...have.keys()])]
    .sort()
    .filter((key) => want.get(key) !== have.get(key))
    .map((key) => `${key}: expected ${want.get(key) ?? '(no row)'}, found ${have.get(key) ?? '(no row)'}`);
}

/**
 * The golden drift hold on its ground: a model that gives a share of its answers another allowed
 * label (valid, so only the golden set sees it), in every batch or some, against a baseline from
 * a clean first run of the job or written in the job, with drift rates around the alarm. The run
 * is held exactly when the rule says its measured golden score fell too far: below the minimum
 * (goldenBelowMin) or more than the allowance below the baseline (goldenDrop), the rule applied
 * here as grade-canary.ts writes it (the real module, even where a test breaks the pipeline's).
 * Apart from the rule: the baseline is the one asked for, a run with no drift against its own
 * clean first run scores exactly that and is not held, and a drift that leaves most answers of a
 * golden set of 20 or more wrong is always held. No canary: it would halt on the same drop first.
 */
export function driftProperty(
  cases: fc.Arbitrary<DriftCase>,
  /** Keys laid over the job after the case's own (a test turning the golden set off). */
  job: Record<string, unknown> = {},
): fc.IAsyncPropertyWithHooks<[DriftCase]> {
  return fc.asyncProperty(cases, async (c) => {
    const rule = await vi.importActual<GradeCanary>('../../src/pipeline/gate/grade-canary.js');
    const golden = c.baseline === 'first_run' ? {} : { golden: { baseline: c.baseline } };
    const runs = await driftRuns(
      c,
      { canary: { enabled: false }, ...golden, ...job },
      c.baseline === 'first_run',
    );
    try {
      const { first, second } = runs;
      const baseline =
        c.baseline !== 'first_run'
          ? c.baseline
          : first?.status === 'promoted'
            ? (first.reconciliation?.goldenScore ?? null)
            : null;
      const r = second.reconciliation;
      expect(r?.goldenBaseline ?? null, 'the baseline the run compared with').toBe(baseline);
      const score = r?.goldenScore ?? null;
      const n = c.goldenRows;
      const { golden: g, thresholds } = runs.job;
      const shouldHold =
        score !== null &&
        (rule.goldenBelowMin(score, g.minScore, n).alarm ||
          (baseline !== null && rule.goldenDrop(score, baseline, n, thresholds.goldenDropPoints).alarm));
      const why = `golden score ${score} over ${n} rows, baseline ${baseline}: ${r?.holdReason ?? 'not held'}`;
      expect(second.status === 'held', `held exactly when the rule says (${why})`).toBe(shouldHold);
      if (c.rate === 0 && c.baseline === 'first_run' && baseline !== null) {
        expect(score, 'no drift: the clean first run’s score again').toBe(baseline);
        expect(second.status, 'no drift, no hold').toBe('promoted');
      }
      const hitsEveryBatch = c.batches === null || c.batches.includes(0);
      if (c.rate >= LARGE_DRIFT_RATE && hitsEveryBatch && n >= LARGE_DRIFT_GOLDEN_MIN)
        expect(second.status, `a drift of ${c.rate.toFixed(2)} is held (${why})`).toBe('held');
    } finally {
      await runs.dispose();
    }
  });
}
