import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capturingIo } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';
import type { DrillResult } from '../src/drills/drill-result.js';
import { loadScenarios, runGameday } from '../src/drills/gameday.js';
import { type DrillRun, type Operator, runDrill } from '../src/drills/run-drill.js';
import { loadScenario, type Scenario } from '../src/drills/scenario.js';
import { ROOT } from './source-files.js';

/*
 * The game day, in-process: every shipped scenario's drill passes (its fault fired, its control
 * caught it, its invariants held), and a drill fails when the control it tests is turned off,
 * so a drill tests the control, not its own assumptions.
 */

const SCENARIOS = join(ROOT, 'scenarios');

/** The runbook's commands, typed into the real CLI in this process. */
const operator: Operator = async (argv, clock) => {
  const out: string[] = [];
  return { code: await main(argv, capturingIo(out, clock)), out };
};

const drill = (scenario: Scenario, seed?: number): Promise<DrillRun> =>
  runDrill(scenario, { seed, operator });

/** A shipped scenario with its job changed the way a team could change it in the job file. */
async function withJob(name: string, job: Record<string, unknown>): Promise<Scenario> {
  const scenario = await loadScenario(join(SCENARIOS, `${name}.yaml`));
  return { ...scenario, job: { ...scenario.job, ...job } };
}

const failedChecks = (result: DrillResult) =>
  result.reasons.filter((r) => !/^(fault fired|caught by|held):/.test(r));

// Loaded when the file is collected, so that each drill is a test of its own: its failure names
// it, and mutation testing's per-test coverage sees which drill reaches which code.
const SHIPPED = await loadScenarios(SCENARIOS);

describe('the shipped game day', () => {
  const runs = new Map<string, DrillRun>();
  const results: DrillResult[] = [];

  it.each(SHIPPED.map((scenario) => [scenario.name, scenario] as const))(
    'passes drill %s: the fault fired, its control caught it, the invariants held',
    async (_, scenario) => {
      const run = await drill(scenario);
      runs.set(scenario.name, run);
      results.push(run.result);
      const r = run.result;
      expect(r.verdict, failedChecks(r).join('\n')).toBe('pass');
      if (r.failure_mode === 'none') return;
      expect(r).toMatchObject({ fault_fired: true, caught: true, invariants_held: true });
      expect(Object.values(r.evidence).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    },
    120_000,
  );

  it('has a scenario for each failure mode, a clean baseline and a mix of several', () => {
    expect(results).toHaveLength(SHIPPED.length);
    const modes = new Set(results.flatMap((r) => r.failure_mode.split('+')));
    expect([...modes].sort()).toEqual([
      'cost_runaway',
      'expiry',
      'none',
      'poisoned_template',
      'prompt_injection',
      'schema_drift',
      'silent_partial_drop',
      'stale_mapping',
    ]);
    expect(results.some((r) => r.failure_mode.includes('+'))).toBe(true);
    expect(results.some((r) => r.expected_control === 'runbook')).toBe(true);
  });

  it('raises no alarm in the clean baseline, which has no fault to fire', () => {
    const baseline = results.find((r) => r.failure_mode === 'none')!;
    expect(baseline).toMatchObject({ fault_fired: false, caught: false, verdict: 'pass', evidence: {} });
    expect(baseline.reasons.join('\n')).toContain('no_alarm');
  });

  it('gives each drill a replay line with its seed', () => {
    for (const r of results)
      expect(r.replay).toBe(`npx batchguard drill scenarios/${r.scenario}.yaml --seed ${r.seed}`);
  });

  it('gives, for each drill run again at the same seed (two at a time, as the game day runs them), the same verdict and the same run log, byte for byte', async () => {
    expect(runs.size).toBe(SHIPPED.length);
    const again = new Map<string, DrillRun>();
    await runGameday(SHIPPED, {
      parallel: 2,
      operator,
      onDrill: async (result, entries) => {
        again.set(result.scenario, { result, entries: [...entries] });
      },
    });
    for (const scenario of SHIPPED) {
      expect(again.get(scenario.name)?.result, scenario.name).toEqual(runs.get(scenario.name)!.result);
      expect(JSON.stringify(again.get(scenario.name)?.entries), scenario.name).toBe(
        JSON.stringify(runs.get(scenario.name)!.entries),
      );
    }
  }, 600_000);
});

// Every seed costs a whole game day, so only `npm run test:deep` sweeps other seeds; the property
// tests vary seeds (and fault mixes) on every run.
const OTHER_SEEDS = process.env.BATCHGUARD_DEEP === '1' ? [7, 1234, 424_242, 8_812_731] : [];

describe.skipIf(OTHER_SEEDS.length === 0)('drills at other seeds (test:deep)', () => {
  it.each(OTHER_SEEDS)(
    'pass at seed %i too',
    async (seed) => {
      const failed: [string, string[]][] = [];
      for (const scenario of await loadScenarios(SCENARIOS)) {
        const { result } = await drill(scenario, seed);
        if (result.verdict !== 'pass') failed.push([scenario.name, failedChecks(result)]);
      }
      expect(failed).toEqual([]);
    },
    3_600_000,
  );
});

describe('a drill tests its control: turned off, the drill fails', () => {
  it('poisoned template with the canary off: the run goes past the canary and spends on the poison', async () => {
    const { result } = await drill(await withJob('poisoned-template', { canary: { enabled: false } }));
    expect(result.fault_fired).toBe(true);
    expect(result.verdict).toBe('fail');
    expect(result.caught).toBe(false);
    expect(failedChecks(result)).toContain('halted_after_canary: the run ended held, not halted');
  });

  it('schema drift with escalation off: drifted rows are quarantined, and the job no longer delivers', async () => {
    const { result } = await drill(
      await withJob('schema-drift', { models: { primary: 'claude-haiku-4-5', escalation: null } }),
    );
    expect(result.fault_fired).toBe(true);
    expect(result.caught).toBe(true); // the gate still quarantines: escalation is what is missing
    expect(result.verdict).toBe('fail');
    expect(failedChecks(result).some((r) => r.startsWith('valid_share_min 0.97:'))).toBe(true);
  });

  it('prompt injection with fencing off: the model obeys far more of the planted instructions', async () => {
    const { result } = await drill(await withJob('prompt-injection', { fence: false }));
    expect(result.fault_fired).toBe(true);
    expect(result.verdict).toBe('fail');
    expect(failedChecks(result).some((r) => r.startsWith('obeyed_share_max 0.3:'))).toBe(true);
  });
});

describe('a drill first checks that its fault fired', () => {
  it('fails a drill whose fault never fired, however well the run went', async () => {
    const scenario = await loadScenario(join(SCENARIOS, 'cost-runaway-resubmission.yaml'));
    const silent = {
      ...scenario,
      faults: [
        { name: 'cost_runaway' as const, params: { variant: 'lost_create_response', rate: 0, creates: 1 } },
      ],
    };
    const { result } = await drill(silent);
    expect(result.run_status).toBe('promoted');
    expect(result.invariants_held).toBe(true);
    expect(result).toMatchObject({ fault_fired: false, caught: false, verdict: 'fail' });
    expect(result.reasons[0]).toBe('the fault did not fire: no evidence of cost_runaway');
  });
});

describe('determinism', () => {
  it('gives another run log for another seed (so the same log is not a constant)', async () => {
    const scenario = await loadScenario(join(SCENARIOS, 'mixed.yaml'));
    const [first, other] = [await drill(scenario, 99), await drill(scenario, 100)];
    expect(first.result.seed).toBe(99);
    expect(JSON.stringify(other.entries)).not.toBe(JSON.stringify(first.entries));
  });
});
