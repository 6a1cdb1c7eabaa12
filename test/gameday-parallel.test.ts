import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capturingIo } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';
import type { DrillResult, GamedayEvent } from '../src/drills/drill-result.js';
import { loadScenarios, runGameday } from '../src/drills/gameday.js';
import type { Operator } from '../src/drills/run-drill.js';
import type { Scenario } from '../src/drills/scenario.js';
import { ROOT } from './source-files.js';

/*
 * The game day runs its drills two at a time, and tells what each did in scenario order, one
 * drill whole after another: the same events, runbook lines and stored verdicts, in the same
 * order, as one drill at a time gives. And a stop (q, or a verdict that cannot be stored) still
 * starts no further drill and tells nothing past it.
 */

/** The runbook's commands, typed into the real CLI in this process, each line echoed. */
const operator: Operator = async (argv, clock, echo = () => {}) => {
  const out: string[] = [];
  echo(`$ batchguard ${argv.join(' ')}`);
  return { code: await main(argv, capturingIo(out, clock, echo)), out };
};

const ALL = await loadScenarios(join(ROOT, 'scenarios'));
const named = (name: string, rows?: number): Scenario => {
  const s = ALL.find((x) => x.name === name)!;
  return rows === undefined ? s : { ...s, dataset: { ...s.dataset, rows } };
};
/** Drills of unequal length, a runbook among them, so that a later drill can end before an earlier one. */
const SOME = [
  named('runbook'),
  named('schema-drift', 300),
  named('stale-mapping', 300),
  named('prompt-injection', 300),
];

/** Everything a game day tells, in the order it tells it (elapsed wall-clock times left out). */
async function told(scenarios: readonly Scenario[], parallel: number) {
  const lines: string[] = [];
  const stored: string[] = [];
  // A clock that ticks once a reading: a drill's elapsed "time" counts the readings of other
  // drills made while it ran, 1 when none ran beside it.
  let tick = 0;
  const overlapped: number[] = [];
  const results = await runGameday(scenarios, {
    parallel,
    now: () => tick++,
    operator,
    // A drill's scratch folder has a random name (mkdtemp), whatever the order.
    runbookEcho: (line) => lines.push(`runbook ${line.replace(/(batchguard-drill-[a-z-]+-)\w{6}/g, '$1*')}`),
    onEvent: (event) => {
      if (event.type === 'drill_finished') overlapped.push(event.elapsedMs - 1);
      lines.push(JSON.stringify(timeless(event)));
    },
    onDrill: async (result, entries) => {
      stored.push(`${result.scenario} ${result.verdict} ${entries.length}`);
    },
  });
  return { lines, stored, results, overlapped };
}

function timeless(event: GamedayEvent): unknown {
  if (event.type === 'drill_finished' || event.type === 'gameday_finished') return { ...event, elapsedMs: 0 };
  return event;
}

describe('a game day two drills at a time', () => {
  it('tells the same events, runbook lines and verdicts in the same order as one at a time', async () => {
    const one = await told(SOME, 1);
    const two = await told(SOME, 2);
    // What is compared is real: every drill passed, the runbook's commands were echoed.
    expect(one.results.map((r: DrillResult) => `${r.scenario} ${r.verdict}`)).toEqual(
      SOME.map((s) => `${s.name} pass`),
    );
    expect(one.lines.filter((l) => l.startsWith('runbook $ batchguard'))).toHaveLength(3);
    expect(two.stored).toEqual(one.stored);
    expect(two.lines).toEqual(one.lines);
    expect(two.results).toEqual(one.results);
    // And the two did run at once: drills began while others ran.
    expect(one.overlapped).toEqual([0, 0, 0, 0]);
    expect(two.overlapped.some((n) => n > 0)).toBe(true);
  }, 120_000);

  it('after a stop, starts no further drill, tells nothing past it and throws it once the running drill ends', async () => {
    const scenarios = [
      named('schema-drift', 300),
      named('stale-mapping', 300),
      named('prompt-injection', 300),
    ];
    const types: string[] = [];
    const stored: string[] = [];
    const stop = new Error('quit');
    const gameday = runGameday(scenarios, {
      parallel: 2,
      onEvent: (event) => {
        types.push(event.type === 'drill_started' ? `started ${event.scenario}` : event.type);
        if (event.type === 'drill_finished') throw stop;
      },
      onDrill: async (result) => {
        stored.push(result.scenario);
      },
    });
    await expect(gameday).rejects.toBe(stop);
    expect(stored).toEqual(['schema-drift']);
    expect(types.filter((t) => t !== 'run_entry')).toEqual([
      'gameday_started',
      'started schema-drift',
      'drill_finished',
    ]);
  }, 60_000);

  it('throws a drill’s error in its turn, after the drills before it are told', async () => {
    const stored: string[] = [];
    // A runbook drill with no one to type its commands cannot run.
    const gameday = runGameday([named('schema-drift', 300), named('runbook', 200)], {
      parallel: 2,
      onDrill: async (result) => {
        stored.push(result.scenario);
      },
    });
    await expect(gameday).rejects.toMatchObject({ code: 'no_operator' });
    expect(stored).toEqual(['schema-drift']);
  }, 60_000);
});
