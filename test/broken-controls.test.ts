import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { capturingIo } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';
import type { DrillResult } from '../src/drills/drill-result.js';
import { type Operator, runDrill } from '../src/drills/run-drill.js';
import { loadScenario } from '../src/drills/scenario.js';
import { ROOT } from './source-files.js';
import { mendAll, type Switches } from './support/control-breaks.js';

/*
 * Every control of the control table, broken one at a time the way a bad change would break it
 * (its statement dropped, a comparison flipped, an argument ignored), makes the drill of that
 * control fail. The shipped game day passes every one of these drills with the controls whole
 * (drills.test.ts); here each is run once more with one control broken, by the module mocks of
 * test/support/control-breaks.ts (the real module, unless the test raised its switch).
 *
 * This file mocks modules, so it runs in the `isolated` vitest project (vitest.config.ts): a
 * fresh module graph of its own, where its mocks neither leak out nor come too late.
 */

/**
 * Which control is broken now (test/support/control-breaks.ts names them all): at most one, raised
 * by its test and lowered after it. A switch never raised is absent, which reads as down.
 */
const broken = vi.hoisted(() => ({}) as Switches);

vi.mock('../src/pipeline/run/preflight.js', async (original) =>
  (await import('./support/control-breaks.js')).preflight(await original(), broken),
);
vi.mock('../src/pipeline/gate/grade-canary.js', async (original) =>
  (await import('./support/control-breaks.js')).gradeCanary(await original(), broken),
);
vi.mock('../src/pipeline/run/create-batch.js', async (original) =>
  (await import('./support/control-breaks.js')).createBatch(await original(), broken),
);
vi.mock('../src/pipeline/run/reconcile-ids.js', async (original) =>
  (await import('./support/control-breaks.js')).reconcileIds(await original(), broken),
);
vi.mock('../src/pipeline/gate/output-gate.js', async (original) =>
  (await import('./support/control-breaks.js')).outputGate(await original(), broken),
);
vi.mock('../src/pipeline/run/spend-guard.js', async (original) =>
  (await import('./support/control-breaks.js')).spendGuard(await original(), broken),
);
vi.mock('../src/pipeline/run/rollback.js', async (original) =>
  (await import('./support/control-breaks.js')).rollback(await original(), broken),
);
vi.mock('../src/pipeline/run/assess.js', async (original) =>
  (await import('./support/control-breaks.js')).assess(await original(), broken),
);

afterEach(() => mendAll(broken));

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
  break: keyof Switches;
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
  { control: 'reconcile', scenario: 'silent-partial-drop', break: 'missingIds', says: /coverage/ },
  {
    control: 'mapping',
    scenario: 'stale-mapping',
    break: 'lenientLines',
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
  { control: 'golden_drift', scenario: 'golden-drift', break: 'goldenDrift', says: /held_for_golden_drift/ },
  { control: 'spend_guard', scenario: 'spend-guard', break: 'spendGuard', says: /worst_case_within_ceiling/ },
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
