import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import type { LogEntry } from '../pipeline/run/run-log.js';
import type { DrillBase } from './drill-base.js';
import type { DrillResult, GamedayEvent } from './drill-result.js';
import { type Operator, runDrill } from './run-drill.js';
import { loadScenario, type Scenario } from './scenario.js';

/**
 * Every scenario file (`*.yaml`, `*.yml`) in `dir`, in name order, each validated before any runs,
 * each drilling `base` when given (`--job`), else the job it names, else the shipped example.
 */
export async function loadScenarios(dir: string, base?: DrillBase): Promise<Scenario[]> {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory())
    throw new UsageError(
      'no_scenarios',
      `Failed to find scenarios: ${dir} is not a folder.`,
      'Pass --scenarios with a folder of scenario files (the shipped ones are in scenarios/).',
    );
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  if (files.length === 0)
    throw new UsageError(
      'no_scenarios',
      `Failed to find scenarios: ${dir} holds no .yaml file.`,
      'Add one, or pass another --scenarios folder.',
    );
  const bases = new Map<string, Promise<DrillBase>>();
  const loaded = await Promise.allSettled(files.map((f) => loadScenario(join(dir, f), { base, bases })));
  const problems = loaded.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
  if (problems.length > 0)
    throw new UsageError(
      'bad_scenario',
      `Failed to load ${problems.length} of ${files.length} scenarios:\n${problems.join('\n')}`,
      'Fix the scenario files and run again; no drill ran.',
    );
  return loaded.map((r) => (r as PromiseFulfilledResult<Scenario>).value);
}

export interface GamedayOptions {
  /** One seed for every drill; each scenario's own seed when absent. */
  seed?: number;
  onEvent?: (event: GamedayEvent) => void;
  operator?: Operator;
  /** How replay lines name a scenario's file. */
  scenarioPath?: (scenario: Scenario) => string;
  /** Wall-clock milliseconds, for elapsed times in events only (never in results). */
  now?: () => number;
  /** Called after each drill with its result and run log (the CLI stores them). */
  onDrill?: (result: DrillResult, entries: readonly LogEntry[]) => Promise<void>;
}

/** Run every scenario's drill in order and return the verdicts; one failing drill never stops the rest. */
export async function runGameday(
  scenarios: readonly Scenario[],
  options: GamedayOptions = {},
): Promise<DrillResult[]> {
  const emit = options.onEvent ?? (() => {});
  const now = options.now ?? (() => 0);
  const started = now();
  emit({
    type: 'gameday_started',
    seed: options.seed ?? null,
    job: drilledJob(scenarios),
    scenarios: scenarios.map((s) => ({
      scenario: s.name,
      title: s.title,
      failure_mode: s.failureMode,
      expected_control: s.expect.controls.join(', '),
    })),
  });
  const results: DrillResult[] = [];
  for (const [index, scenario] of scenarios.entries()) {
    emit({ type: 'drill_started', scenario: scenario.name, index, total: scenarios.length });
    const drillStarted = now();
    const { result, entries } = await runDrill(scenario, {
      seed: options.seed,
      operator: options.operator,
      scenarioPath: options.scenarioPath?.(scenario),
      onEntry: (entry) => emit({ type: 'run_entry', scenario: scenario.name, entry }),
    });
    await options.onDrill?.(result, entries);
    results.push(result);
    emit({ type: 'drill_finished', scenario: scenario.name, result, elapsedMs: now() - drillStarted });
  }
  emit({ type: 'gameday_finished', results, elapsedMs: now() - started });
  return results;
}

/** How a game day names the job it drills: the one job all its scenarios drill, else a count. */
function drilledJob(scenarios: readonly Scenario[]): string | null {
  const jobs = [...new Set(scenarios.map((s) => s.base?.display ?? null))];
  if (jobs.length === 1) return jobs[0]!;
  return `${jobs.length} jobs`;
}
