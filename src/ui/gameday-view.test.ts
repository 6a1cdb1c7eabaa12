import { stripVTControlCharacters } from 'node:util';
import { cleanup, render } from 'ink-testing-library';
import { createElement } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DrillResult, GamedayEvent } from '../drills/drill-result.js';
import { GamedayView } from './GamedayView.js';
import { gamedayChannel } from './gameday-events.js';
import { gamedayStarted, manualClock, runEntry, sampleResult } from './gameday-fixtures.js';

// Written as a .ts file with createElement: vitest collects only src/**/*.test.ts.

/**
 * Lets React commit the dispatched events, run its effects (the running drill's ticking clock
 * starts in one) and Ink draw the frame: all happen off the emit's stack.
 */
async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) await new Promise((resolve) => setImmediate(resolve));
}

async function mount(size: { columns?: number; rows?: number } = {}) {
  const channel = gamedayChannel();
  const clock = manualClock();
  const onRerun = vi.fn();
  const onQuit = vi.fn();
  const onExit = vi.fn();
  const hypotheses = new Map([['poisoned-template', ['the run halted after the canary']]]);
  const view = render(
    createElement(GamedayView, { source: channel, clock, hypotheses, onRerun, onQuit, onExit }),
  );
  // ink-testing-library's stdout is 100 columns with no rows; a terminal says more, and says resize.
  Object.defineProperty(view.stdout, 'columns', { value: size.columns ?? 100, configurable: true });
  Object.defineProperty(view.stdout, 'rows', { value: size.rows ?? 40, configurable: true });
  view.stdout.emit('resize');
  await settle();
  const frame = () => stripVTControlCharacters(view.lastFrame() ?? '');
  const show = async (...events: GamedayEvent[]) => {
    for (const e of events) channel.emit(e);
    await settle();
    return frame();
  };
  const press = async (...keys: string[]) => {
    for (const key of keys) {
      view.stdin.write(key);
      await settle();
    }
    return frame();
  };
  return { show, press, frame, clock, onRerun, onQuit, onExit, stdout: view.stdout };
}

/** The frame's line that mentions `text`. */
function lineWith(frame: string, text: string): string {
  const line = frame.split('\n').find((l) => l.includes(text));
  if (line === undefined) throw new Error(`no line with ${JSON.stringify(text)} in:\n${frame}`);
  return line;
}

/** A row without its first cell, the selection cursor. */
function rowWith(frame: string, text: string): string {
  return lineWith(frame, text).slice(1);
}

afterEach(() => cleanup());

const started = gamedayStarted(8812731, [
  ['silent-partial-drop', 'silent_partial_drop'],
  ['poisoned-template', 'poisoned_template'],
]);

const failed = sampleResult('poisoned-template', {
  failure_mode: 'poisoned_template',
  expected_control: 'canary',
  caught: false,
  caught_by: ['golden_drift'],
  verdict: 'fail',
  evidence: { poisoned: 1000 },
  reasons: ['canary did not catch it: its event is not in the run log', 'invariant: no bad row promoted'],
  gaps: ['canary.enabled is false, so no slice was graded before the rest ran: set it to true'],
  replay: 'npx batchguard drill scenarios/poisoned-template.yaml --seed 8812731',
});

const finishedDrill = (result: DrillResult, elapsedMs = 3): GamedayEvent => ({
  type: 'drill_finished',
  scenario: result.scenario,
  result,
  elapsedMs,
});

describe('GamedayView', () => {
  it('heads the screen with the root seed', async () => {
    const { show } = await mount();
    expect(lineWith(await show(started), 'batchguard game day')).toContain('seed 8812731');
  });

  it('says the scenarios keep their own seeds when there is no root seed', async () => {
    const { show } = await mount();
    expect(lineWith(await show(gamedayStarted(null, [['a', 'expiry']])), 'batchguard game day')).toContain(
      'scenario seeds',
    );
  });

  it('names the job drilled in its title, and none for the shipped example', async () => {
    const { show } = await mount();
    const title = lineWith(
      await show(gamedayStarted(3, [['a', 'expiry']], 'team/job.yaml')),
      'batchguard game day',
    );
    expect(title).toMatch(/^batchguard game day · seed 3 · 0\/1 done · 0\.0 s · team\/job\.yaml$/);
    const example = lineWith(await show(gamedayStarted(3, [['a', 'expiry']])), 'batchguard game day');
    expect(example).toMatch(/^batchguard game day · seed 3 · 0\/1 done · 0\.0 s$/);
  });

  it('turns a pending row into a passing one when its drill passes, with its time', async () => {
    const { show } = await mount();
    const before = rowWith(await show(started), 'silent_partial_drop');
    expect(before).toMatch(/^· silent-partial-drop\s+silent_partial_drop\s+reconcile\s+-\s+-\s+pending\s*$/);

    const after = rowWith(
      await show(
        { type: 'drill_started', scenario: 'silent-partial-drop', index: 0, total: 2 },
        finishedDrill(sampleResult('silent-partial-drop', { expected_control: 'reconciliation' }), 1234),
      ),
      'silent_partial_drop',
    );
    expect(after).toMatch(
      /^✔ silent-partial-drop\s+silent_partial_drop\s+reconciliation\s+yes\s+yes\s+pass\s+1\.2 s$/,
    );
  });

  it('shows a clean baseline\'s fired and caught as "-": it has no fault to fire or catch', async () => {
    const { show } = await mount();
    const frame = await show(
      gamedayStarted(1, [['baseline', 'none']]),
      finishedDrill(
        sampleResult('baseline', {
          failure_mode: 'none',
          expected_control: 'none',
          fault_fired: false,
          caught: false,
        }),
      ),
    );
    expect(rowWith(frame, 'baseline')).toMatch(/^✔ baseline\s+none\s+none\s+-\s+-\s+pass/);
  });

  it("counts a running drill's time up on the session's clock, and the game day's total with it", async () => {
    const { show, clock, frame } = await mount();
    await show(started, { type: 'drill_started', scenario: 'poisoned-template', index: 1, total: 2 });
    expect(rowWith(frame(), 'poisoned_template')).toMatch(/running\s+0\.0 s$/);
    clock.advance(2500);
    await show();
    expect(rowWith(frame(), 'poisoned_template')).toMatch(/running\s+2\.4 s$|running\s+2\.5 s$/);
    expect(lineWith(frame(), 'batchguard game day')).toMatch(/0\/2 done · 2\.[45] s$/);
    await show(finishedDrill(failed, 2600));
    clock.advance(10_000);
    await show();
    // Final once done: the drill's own duration, not the clock's.
    expect(rowWith(frame(), 'poisoned_template')).toMatch(/fail\s+2\.6 s$/);
    const done = await show({
      type: 'gameday_finished',
      results: [sampleResult('silent-partial-drop'), failed],
      elapsedMs: 61_000,
    });
    expect(lineWith(done, 'batchguard game day')).toContain('2 drills in 1 m 01 s');
  });

  it('estimates the time left at the pace of the drills done so far', async () => {
    const { show, clock } = await mount();
    const three = gamedayStarted(1, [
      ['a', 'expiry'],
      ['b', 'expiry'],
      ['c', 'expiry'],
    ]);
    const before = await show(three, { type: 'drill_started', scenario: 'a', index: 0, total: 3 });
    expect(lineWith(before, 'batchguard game day')).not.toContain('left');
    clock.advance(4000);
    await show(finishedDrill(sampleResult('a'), 4000), {
      type: 'drill_started',
      scenario: 'b',
      index: 1,
      total: 3,
    });
    clock.advance(1000);
    // One drill done in the 5 s since the start: two to go at that pace. (Drills run side by side
    // take longer each than their share of the whole, so their own times would say more.)
    expect(lineWith(await show(), 'batchguard game day')).toMatch(/ · 1\/3 done · 5\.0 s · ~10\.0 s left$/);
  });

  it('says what the running drill is doing and how many alarms it raised, under the list', async () => {
    const { show } = await mount();
    const frame = await show(
      started,
      { type: 'drill_started', scenario: 'poisoned-template', index: 1, total: 2 },
      runEntry('poisoned-template', 1, 'submit', 'batch_created'),
      runEntry('poisoned-template', 2, 'canary', 'canary_halted', 'alarm'),
    );
    expect(rowWith(frame, 'poisoned_template')).toMatch(
      /^▶ poisoned-template\s+poisoned_template\s.*running/,
    );
    expect(frame).toContain('▶ poisoned-template · canary canary_halted · 1 alarm');
    expect(frame).not.toContain('batch_created');
  });

  it('ends with how many drills passed', async () => {
    const { show } = await mount();
    const frame = await show(started, {
      type: 'gameday_finished',
      results: [sampleResult('silent-partial-drop'), failed],
      elapsedMs: 20,
    });
    expect(rowWith(frame, 'poisoned_template')).toMatch(
      /^✘ poisoned-template\s+poisoned_template\s+canary\s+yes\s+no\s+fail/,
    );
    expect(frame).toContain('1/2 drills passed');
  });

  const wrongColumn = sampleResult('wrong-column', {
    failure_mode: 'poisoned_template',
    expected_control: 'canary',
    fault_fired: false,
    caught: false,
    caught_by: [],
    verdict: 'not_applicable',
    reasons: ['not applicable: the template uses one column, so no other can take its place'],
    gaps: ['the template uses one column, so no other can take its place'],
    run_status: 'not_run',
  });

  it('shows a drill that does not apply as n/a, with nothing fired or caught, since it never ran', async () => {
    const { show } = await mount();
    const frame = await show(
      gamedayStarted(1, [['wrong-column', 'poisoned_template']]),
      finishedDrill(wrongColumn),
    );
    expect(rowWith(frame, 'wrong-column')).toMatch(
      /^– wrong-column\s+poisoned_template\s+canary\s+-\s+-\s+n\/a/,
    );
  });
});

describe('GamedayView keys', () => {
  const done: GamedayEvent = {
    type: 'gameday_finished',
    results: [sampleResult('silent-partial-drop'), failed],
    elapsedMs: 20,
  };

  it('moves the selection with j/k and the arrow keys, staying within the list', async () => {
    const { show, press } = await mount();
    await show(started, done);
    const selected = (frame: string) => frame.split('\n').find((l) => l.startsWith('›'));
    expect(selected(await press())).toContain('silent-partial-drop');
    expect(selected(await press('j'))).toContain('poisoned-template');
    expect(selected(await press('j'))).toContain('poisoned-template');
    expect(selected(await press('k'))).toContain('silent-partial-drop');
    expect(selected(await press('\u001b[B'))).toContain('poisoned-template');
    expect(selected(await press('\u001b[A'))).toContain('silent-partial-drop');
  });

  it('opens the selected drill with Enter: its hypothesis, evidence, what caught it, why, gaps, alarms, log and replay', async () => {
    const { show, press } = await mount();
    await show(
      started,
      { type: 'drill_started', scenario: 'poisoned-template', index: 1, total: 2 },
      runEntry('poisoned-template', 41, 'submit', 'batch_created'),
      runEntry('poisoned-template', 42, 'gate', 'missing_ids', 'alarm', {
        submission_id: 's0002',
        count: 3,
        expected: 1500,
        received: 1497,
      }),
      finishedDrill(failed, 4200),
      done,
    );
    const detail = await press('j', '\r');
    expect(detail).toContain('poisoned-template · Title of poisoned-template');
    expect(detail).toContain('verdict FAIL · seed 42 · 4.2 s · run held');
    expect(detail).toMatch(/^hypothesis:\n {2}the run halted after the canary$/m);
    expect(detail).toContain('fault fired: yes · evidence: poisoned 1,000');
    expect(detail).toContain('caught: no · caught by: golden_drift');
    expect(detail).toContain('invariants held: yes');
    expect(detail).toContain('canary did not catch it: its event is not in the run log');
    expect(detail).toContain('canary.enabled is false');
    expect(detail).toContain('alarms: 1');
    // An alarm reads as its sentence, with its numbers, as the plain output prints it.
    expect(detail).toContain(
      'ALARM 0042 gate: 3 ids missing from submission s0002 (expected 1,500, got 1,497)',
    );
    expect(detail).toContain('0041 submit batch_created');
    expect(detail).toContain('replay: npx batchguard drill scenarios/poisoned-template.yaml --seed 8812731');
    expect(detail).not.toContain('silent-partial-drop');
  });

  it('closes the detail with Enter, Esc or Backspace, back to the list', async () => {
    const { show, press } = await mount();
    await show(started, done);
    for (const close of ['\r', '\u001b', '\u007f']) {
      expect(await press('\r')).toContain('replay:');
      const list = await press(close);
      expect(list).not.toContain('replay:');
      expect(list).toMatch(/scenario\s+failure mode/);
    }
  });

  it('shows only the failed drills with f, and all of them again with f', async () => {
    const { show, press } = await mount();
    await show(started, done);
    const failures = await press('f');
    expect(failures).toContain('poisoned-template');
    expect(failures).not.toContain('silent-partial-drop');
    expect(await press('f')).toContain('silent-partial-drop');
  });

  it('keeps a failed drill in view among the failures while it is re-run, open or not', async () => {
    const { show, press } = await mount();
    await show(started, done);
    await press('f', '\r', 'r');
    const open = await show({ type: 'drill_started', scenario: 'poisoned-template', index: 0, total: 1 });
    expect(open).toContain('poisoned-template · Title of poisoned-template');
    expect(open).toContain('verdict running');
    expect(rowWith(await press('\u001b'), 'poisoned_template')).toMatch(/running/);
  });

  it('says so when f finds no failure', async () => {
    const { show, press } = await mount();
    await show(started, {
      type: 'gameday_finished',
      results: [sampleResult('silent-partial-drop')],
      elapsedMs: 1,
    });
    expect(await press('f')).toContain('no failed drills');
  });

  it('lists the keys with ? and hides them with ?', async () => {
    const { show, press } = await mount();
    await show(started);
    expect(await press('?')).toMatch(/Enter\s+open the drill/);
    expect(await press('?')).not.toMatch(/Enter\s+open the drill/);
  });

  it('asks its owner to re-run the selected drill with r once the game day has ended, and not before', async () => {
    const { show, press, onRerun } = await mount();
    await show(started, { type: 'drill_started', scenario: 'silent-partial-drop', index: 0, total: 2 });
    expect(await press('r')).toContain('r re-runs a drill once the game day has ended');
    expect(onRerun).not.toHaveBeenCalled();
    await show(finishedDrill(sampleResult('silent-partial-drop')), done);
    await press('j', 'r');
    expect(onRerun).toHaveBeenCalledExactlyOnceWith('poisoned-template');
  });

  it('shows a re-run as running again, then its new verdict and time', async () => {
    const { show, press, clock } = await mount();
    await show(started, done);
    await press('j', 'r');
    const running = await show({ type: 'drill_started', scenario: 'poisoned-template', index: 0, total: 1 });
    expect(rowWith(running, 'poisoned_template')).toMatch(/running\s+0\.0 s$/);
    clock.advance(900);
    const rerun = await show(
      finishedDrill(sampleResult('poisoned-template', { failure_mode: 'poisoned_template' }), 900),
    );
    expect(rowWith(rerun, 'poisoned_template')).toMatch(/pass\s+0\.9 s$/);
    expect(await press('\r')).toContain('re-run 1×');
  });

  it('quits with q once nothing runs, leaving the whole list and the summary on the screen', async () => {
    const { show, press, onQuit, onExit, frame } = await mount({ rows: 8 });
    await show(started, done);
    await press('q');
    expect(onQuit).toHaveBeenCalledOnce();
    await vi.waitFor(() => expect(onExit).toHaveBeenCalledOnce());
    expect(frame()).toContain('silent-partial-drop');
    expect(frame()).toContain('replay: npx batchguard drill scenarios/poisoned-template.yaml --seed 8812731');
  });

  it('quits while a drill runs only once it ends, saying so', async () => {
    const { show, press, onQuit, onExit } = await mount();
    await show(started, { type: 'drill_started', scenario: 'silent-partial-drop', index: 0, total: 2 });
    expect(await press('q')).toContain('stopping once silent-partial-drop ends…');
    expect(onQuit).toHaveBeenCalledOnce();
    expect(onExit).not.toHaveBeenCalled();
    const last = await show(finishedDrill(sampleResult('silent-partial-drop')));
    await vi.waitFor(() => expect(onExit).toHaveBeenCalledOnce());
    expect(last).toContain('stopped: 1 of 2 drills ran');
  });
});
