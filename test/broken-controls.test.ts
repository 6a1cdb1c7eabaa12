import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { capturingIo } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';
import type { DrillResult } from '../src/drills/drill-result.js';
import { type Operator, runDrill } from '../src/drills/run-drill.js';
import { loadScenario } from '../src/drills/scenario.js';
import type { GateInput, GateVerdict, OutputGate } from '../src/pipeline/gate/output-gate.js';
import { ROOT } from './source-files.js';

/*
 * Every control of the control table, broken one at a time the way a bad change would break it
 * (its statement dropped, a comparison flipped, an argument ignored), makes the drill of that
 * control fail. The shipped game day passes every one of these drills with the controls whole
 * (drills.test.ts); here each is run once more with one control broken. The breaks are switches
 * of this file only: each mocked module is the real one, unless its switch is on.
 *
 * This file mocks modules, so it runs in the `isolated` vitest project (vitest.config.ts): a
 * fresh module graph of its own, where its mocks neither leak out nor come too late.
 */

const broken = vi.hoisted(() => ({
  preflight: false,
  canary: false,
  ledger: false,
  reconcile: false,
  mapping: false,
  gate: false,
  onTask: false,
  golden: false,
  spend: false,
  rollbackIds: false,
  assessBatches: false,
}));

vi.mock('../src/pipeline/run/preflight.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/pipeline/run/preflight.js')>();
  return {
    ...real,
    // The worst case read as nothing: a launch over the ceiling goes ahead.
    preflightCost: async (ctx: Parameters<typeof real.preflightCost>[0]) => {
      const cost = await real.preflightCost(ctx);
      return broken.preflight ? { ...cost, worstCaseUsd: 0 } : cost;
    },
  };
});

vi.mock('../src/pipeline/gate/grade-canary.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/pipeline/gate/grade-canary.js')>();
  return {
    ...real,
    // The canary's verdict ignored: every canary releases the run.
    gradeCanary: (...args: Parameters<typeof real.gradeCanary>) => {
      const verdict = real.gradeCanary(...args);
      return broken.canary ? { ...verdict, release: true, reasons: [] } : verdict;
    },
    // The drift comparison flipped off: no drop from the baseline ever alarms.
    goldenDrop: (...args: Parameters<typeof real.goldenDrop>) => {
      const drop = real.goldenDrop(...args);
      return broken.golden ? { ...drop, alarm: false } : drop;
    },
  };
});

vi.mock('../src/pipeline/run/outage.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/pipeline/run/outage.js')>();
  return {
    ...real,
    // The ledger's search for an orphan made blind (it sees no batch in the list), so a create
    // whose outcome was lost is created again. The search is called inside its own module,
    // where a mock cannot reach; the list it reads goes through here.
    throughOutage: async (...args: Parameters<typeof real.throughOutage>) => {
      const out = await real.throughOutage(...args);
      return broken.ledger && args[2] === 'list batches' && Array.isArray(out) ? [] : out;
    },
  };
});

vi.mock('../src/pipeline/run/reconcile-ids.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/pipeline/run/reconcile-ids.js')>();
  return {
    ...real,
    reconcileIds: async (...args: Parameters<typeof real.reconcileIds>) => {
      const ids = await real.reconcileIds(...args);
      // Missing ids alarm but are never requeued (reconcile), or conflicting and unknown lines
      // are taken as they come (mapping).
      if (broken.reconcile) return { ...ids, missing: [] };
      if (broken.mapping) return { ...ids, conflicting: new Set<string>(), unknown: [] };
      return ids;
    },
  };
});

vi.mock('../src/pipeline/gate/output-gate.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/pipeline/gate/output-gate.js')>();
  /** The verdict, unless the switch for its kind of reason is on: then any JSON passes. */
  const lenient = (input: GateInput, verdict: GateVerdict): GateVerdict => {
    if (verdict.valid) return verdict;
    const off =
      verdict.reason === 'off_task'
        ? broken.onTask
        : ['schema', 'range'].includes(verdict.reason) && broken.gate;
    if (!off) return verdict;
    try {
      return { valid: true, output: JSON.parse(input.text) };
    } catch {
      return verdict;
    }
  };
  return {
    ...real,
    makeOutputGate: (...args: Parameters<typeof real.makeOutputGate>): OutputGate => {
      const gate = real.makeOutputGate(...args);
      return { check: (input) => lenient(input, gate.check(input)) };
    },
  };
});

vi.mock('../src/pipeline/run/spend-guard.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/pipeline/run/spend-guard.js')>();
  return {
    ...real,
    // The guard's statement dropped: every round is sent.
    roundWithinCeiling: async (...args: Parameters<typeof real.roundWithinCeiling>) =>
      broken.spend ? true : real.roundWithinCeiling(...args),
  };
});

vi.mock('../src/pipeline/run/rollback.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/pipeline/run/rollback.js')>();
  return {
    ...real,
    // `--ids` ignored: the whole run is rolled back.
    rollbackRun: (...[db, runId, clock, options]: Parameters<typeof real.rollbackRun>) =>
      real.rollbackRun(db, runId, clock, broken.rollbackIds ? { ...options, ids: undefined } : options),
  };
});

vi.mock('../src/pipeline/run/assess.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/pipeline/run/assess.js')>();
  return {
    ...real,
    // `--batch` ignored: the assessment names every row the run touched.
    assessRun: (...[db, runId, onId, options]: Parameters<typeof real.assessRun>) =>
      real.assessRun(db, runId, onId, broken.assessBatches ? {} : options),
  };
});

afterEach(() => {
  for (const key of Object.keys(broken) as (keyof typeof broken)[]) broken[key] = false;
});

/** The runbook's commands, typed into the real CLI in this process (where the mocks apply). */
const operator: Operator = async (argv, clock) => {
  const out: string[] = [];
  return { code: await main(argv, capturingIo(out, clock)), out };
};

async function drillWith(name: string, job: Record<string, unknown> = {}): Promise<DrillResult> {
  const scenario = await loadScenario(join(ROOT, 'scenarios', `${name}.yaml`));
  return (await runDrill({ ...scenario, job: { ...scenario.job, ...job } }, { operator })).result;
}

/** The checks a drill failed on, without its summary lines. */
const failed = (result: DrillResult) =>
  result.reasons.filter((r) => !/^(fault fired|caught by|held):/.test(r)).join('\n');

const CASES: {
  control: string;
  scenario: string;
  break: keyof typeof broken;
  /** What the failed drill must say. */
  says: RegExp;
}[] = [
  {
    control: 'preflight_ceiling',
    scenario: 'cost-runaway',
    break: 'preflight',
    says: /refused_before_spend/,
  },
  { control: 'canary', scenario: 'poisoned-template', break: 'canary', says: /halted_after_canary/ },
  {
    control: 'submission_ledger',
    scenario: 'cost-runaway-resubmission',
    break: 'ledger',
    says: /no_double_billing|submission_ledger did not catch/,
  },
  { control: 'reconcile', scenario: 'silent-partial-drop', break: 'reconcile', says: /coverage/ },
  {
    control: 'mapping',
    scenario: 'stale-mapping',
    break: 'mapping',
    says: /nothing_invalid_promoted|mapping/,
  },
  {
    control: 'output_gate',
    scenario: 'schema-drift',
    break: 'gate',
    says: /nothing_invalid_promoted|validity_matches_injected/,
  },
  {
    control: 'on_task_check',
    scenario: 'prompt-injection',
    break: 'onTask',
    says: /nothing_invalid_promoted|on_task_check did not catch/,
  },
  { control: 'golden_drift', scenario: 'golden-drift', break: 'golden', says: /held_for_golden_drift/ },
  { control: 'spend_guard', scenario: 'spend-guard', break: 'spend', says: /worst_case_within_ceiling/ },
  {
    control: 'runbook (rollback --ids)',
    scenario: 'runbook-slice',
    break: 'rollbackIds',
    says: /slice_restored: \d+ rows outside the slice changed/,
  },
  {
    control: 'runbook (assess --batch)',
    scenario: 'runbook-slice',
    break: 'assessBatches',
    says: /slice_restored: assess named/,
  },
];

describe('a broken control fails its drill', () => {
  it.each(CASES)(
    '$control broken: the $scenario drill fails',
    async (c) => {
      broken[c.break] = true;
      const result = await drillWith(c.scenario);
      expect(result.fault_fired).toBe(true);
      expect(result.verdict, failed(result)).toBe('fail');
      expect(failed(result)).toMatch(c.says);
    },
    60_000,
  );
});

describe('the control-off twins a job file can make', () => {
  it('golden drift with no golden set: the drifted answers are promoted', async () => {
    const result = await drillWith('golden-drift', { golden: null });
    expect(result.fault_fired).toBe(true);
    expect(result).toMatchObject({ verdict: 'fail', caught: false, run_status: 'promoted' });
    expect(failed(result)).toMatch(/nothing_promoted: \d+ rows were promoted/);
  }, 60_000);
});
