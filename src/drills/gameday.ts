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

/**
 * Drills a game day runs at once unless told: a run waits on DuckDB about half its time, which a
 * second run uses (`bench:small`: 1.44 times the runs a second; the example's game day about a
 * fifth shorter on 2 cores).
 */
export const GAMEDAY_PARALLEL = 2;

export interface GamedayOptions {
  /** One seed for every drill; each scenario's own seed when absent. */
  seed?: number;
  /**
   * How many drills run at once (default GAMEDAY_PARALLEL). Whatever the number, every event,
   * runbook line and `onDrill` comes in scenario order, each drill's whole, as one at a time gives.
   */
  parallel?: number;
  onEvent?: (event: GamedayEvent) => void;
  operator?: Operator;
  /** Where a runbook drill's commands and their output are echoed (in scenario order). */
  runbookEcho?: (line: string) => void;
  /** How replay lines name a scenario's file. */
  scenarioPath?: (scenario: Scenario) => string;
  /** Wall-clock milliseconds, for elapsed times in events only (never in results). */
  now?: () => number;
  /** Called after each drill with its result and run log (the CLI stores them). */
  onDrill?: (result: DrillResult, entries: readonly LogEntry[]) => Promise<void>;
}

/**
 * Run every scenario's drill and return the verdicts in scenario order; one failing drill never
 * stops the rest. Drills run `parallel` at once, each in its own world and database, and what
 * each one tells (`onEvent`, `runbookEcho`, `onDrill`) is held until the drills before it have
 * told theirs: the events are those of one drill at a time, so the output is the same bytes
 * whatever the number (elapsed times aside). When telling throws (the person quit, or storing a
 * verdict failed), no further drill starts, the drills still running finish untold, and the error
 * is thrown once they have.
 */
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
  const outputs = scenarios.map(() => new HeldOutput());
  const results: DrillResult[] = [];
  let next = 0;
  let stopped = false;
  const drillOne = async (index: number) => {
    const scenario = scenarios[index]!;
    const out = outputs[index]!;
    const { operator } = options;
    try {
      out.tell(() =>
        emit({ type: 'drill_started', scenario: scenario.name, index, total: scenarios.length }),
      );
      const drillStarted = now();
      const { result, entries } = await runDrill(scenario, {
        seed: options.seed,
        operator:
          operator &&
          ((argv, clock) => operator(argv, clock, (line) => out.tell(() => options.runbookEcho?.(line)))),
        scenarioPath: options.scenarioPath?.(scenario),
        onEntry: (entry) => out.tell(() => emit({ type: 'run_entry', scenario: scenario.name, entry })),
      });
      const elapsedMs = now() - drillStarted;
      out.tell(async () => {
        await options.onDrill?.(result, entries);
        results.push(result);
        emit({ type: 'drill_finished', scenario: scenario.name, result, elapsedMs });
      });
    } catch (error) {
      out.tell(() => {
        throw error;
      });
    } finally {
      out.end();
    }
  };
  const worker = async () => {
    while (!stopped && next < scenarios.length) await drillOne(next++);
  };
  // Tells each drill's output whole, in scenario order, as it comes.
  const teller = async () => {
    try {
      for (const out of outputs) await out.drain();
    } finally {
      stopped = true;
    }
  };
  const workers = Array.from({ length: Math.max(1, options.parallel ?? GAMEDAY_PARALLEL) }, worker);
  const [told] = await Promise.allSettled([teller(), ...workers]);
  if (told.status === 'rejected') throw told.reason;
  emit({ type: 'gameday_finished', results, elapsedMs: now() - started });
  return results;
}

/** What one drill has to tell, held until `drain` (the drills before it told) runs it in order. */
class HeldOutput {
  private readonly queue: (() => void | Promise<void>)[] = [];
  private ended = false;
  private wake: (() => void) | undefined;

  tell(action: () => void | Promise<void>): void {
    this.queue.push(action);
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  /** Run every action as it is told, until the drill has ended and all are run. */
  async drain(): Promise<void> {
    for (let taken = 0; ; ) {
      while (taken < this.queue.length) await this.queue[taken++]!();
      if (this.ended) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
  }
}

/** How a game day names the job it drills: the one job all its scenarios drill, else a count. */
function drilledJob(scenarios: readonly Scenario[]): string | null {
  const jobs = [...new Set(scenarios.map((s) => s.base?.display ?? null))];
  if (jobs.length === 1) return jobs[0]!;
  return `${jobs.length} jobs`;
}
