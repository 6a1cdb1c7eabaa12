import { cleanup, render } from 'ink-testing-library';
import { createElement } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GamedayEvent } from '../drills/drill-result.js';
import { GamedayView } from './GamedayView.js';
import { gamedayChannel } from './gameday-events.js';
import { gamedayStarted, runEntry, sampleResult } from './gameday-fixtures.js';

// Written as a .ts file with createElement: vitest collects only src/**/*.test.ts.

/** Lets React commit the dispatched events and Ink draw the frame (both happen off the emit's stack). */
async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
}

async function mount(onFinished?: () => void) {
  const channel = gamedayChannel();
  const view = render(createElement(GamedayView, { source: channel, onFinished }));
  await settle();
  const show = async (...events: GamedayEvent[]) => {
    for (const e of events) channel.emit(e);
    await settle();
    return view.lastFrame() ?? '';
  };
  return { show };
}

/** The frame's line that mentions `text`. */
function lineWith(frame: string, text: string): string {
  const line = frame.split('\n').find((l) => l.includes(text));
  if (line === undefined) throw new Error(`no line with ${JSON.stringify(text)} in:\n${frame}`);
  return line;
}

afterEach(() => cleanup());

const started = gamedayStarted(8812731, [
  ['silent-partial-drop', 'silent_partial_drop'],
  ['poisoned-template', 'poisoned_template'],
]);

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
    expect(title).toContain('batchguard game day · team/job.yaml · seed 3');
    const example = lineWith(await show(gamedayStarted(3, [['a', 'expiry']])), 'batchguard game day');
    expect(example).toContain('batchguard game day · seed 3');
  });

  it('turns a pending row into a passing one when its drill passes', async () => {
    const { show } = await mount();
    const before = lineWith(await show(started), 'silent_partial_drop');
    expect(before).toMatch(/^· silent-partial-drop\s+silent_partial_drop\s+reconcile\s+-\s+-\s+pending/);

    const after = lineWith(
      await show(
        { type: 'drill_started', scenario: 'silent-partial-drop', index: 0, total: 2 },
        {
          type: 'drill_finished',
          scenario: 'silent-partial-drop',
          result: sampleResult('silent-partial-drop', { expected_control: 'reconciliation' }),
          elapsedMs: 3,
        },
      ),
      'silent_partial_drop',
    );
    expect(after).toMatch(/^✔ silent-partial-drop\s+silent_partial_drop\s+reconciliation\s+yes\s+yes\s+pass/);
  });

  it('shows a clean baseline\'s fired and caught as "-": it has no fault to fire or catch', async () => {
    const { show } = await mount();
    const frame = await show(gamedayStarted(1, [['baseline', 'none']]), {
      type: 'drill_finished',
      scenario: 'baseline',
      result: sampleResult('baseline', {
        failure_mode: 'none',
        expected_control: 'none',
        fault_fired: false,
        caught: false,
      }),
      elapsedMs: 1,
    });
    expect(lineWith(frame, 'baseline')).toMatch(/^✔ baseline\s+none\s+none\s+-\s+-\s+pass/);
  });

  it("shows the running drill's last four run-log lines, marks its alarms and counts them", async () => {
    const { show } = await mount();
    const frame = await show(
      started,
      { type: 'drill_started', scenario: 'poisoned-template', index: 1, total: 2 },
      runEntry('poisoned-template', 1, 'preflight', 'estimate_written'),
      runEntry('poisoned-template', 2, 'submit', 'batch_created'),
      runEntry('poisoned-template', 3, 'poll', 'batch_ended'),
      runEntry('poisoned-template', 4, 'collect', 'results_read'),
      runEntry('poisoned-template', 5, 'canary', 'canary_halted', 'alarm'),
    );
    expect(lineWith(frame, 'poisoned_template')).toMatch(
      /^▶ poisoned-template\s+poisoned_template\s.*running/,
    );
    expect(frame).not.toContain('estimate_written');
    expect(lineWith(frame, 'batch_created')).not.toContain('ALARM');
    expect(lineWith(frame, 'batch_ended')).toBeDefined();
    expect(lineWith(frame, 'results_read')).toBeDefined();
    expect(lineWith(frame, 'canary_halted')).toMatch(/ALARM canary canary_halted/);
    expect(frame).toContain('alarms so far: 1');
    // The tail sits under the running drill's row.
    const lines = frame.split('\n');
    expect(lines.indexOf(lineWith(frame, 'batch_created'))).toBe(
      lines.indexOf(lineWith(frame, 'poisoned_template')) + 1,
    );
  });

  it("drops a drill's tail once it finishes", async () => {
    const { show } = await mount();
    const frame = await show(
      started,
      { type: 'drill_started', scenario: 'silent-partial-drop', index: 0, total: 2 },
      runEntry('silent-partial-drop', 1, 'submit', 'batch_created'),
      {
        type: 'drill_finished',
        scenario: 'silent-partial-drop',
        result: sampleResult('silent-partial-drop'),
        elapsedMs: 3,
      },
    );
    expect(frame).not.toContain('batch_created');
    expect(frame).not.toContain('alarms so far');
  });

  it('ends with how many drills passed, and for each failure its reasons and replay command', async () => {
    const { show } = await mount();
    const failed = sampleResult('poisoned-template', {
      failure_mode: 'poisoned_template',
      expected_control: 'canary',
      caught: false,
      verdict: 'fail',
      reasons: ['caught: no canary_halted event in the run log', 'invariant: no bad row promoted'],
      replay: 'npx batchguard drill scenarios/poisoned-template.yaml --seed 8812731',
    });
    const passed = sampleResult('silent-partial-drop');
    const frame = await show(started, {
      type: 'gameday_finished',
      results: [passed, failed],
      elapsedMs: 20,
    });
    expect(lineWith(frame, 'poisoned_template')).toMatch(
      /^✘ poisoned-template\s+poisoned_template\s+canary\s+yes\s+no\s+fail/,
    );
    expect(frame).toContain('1/2 drills passed');
    const summary = frame.slice(frame.indexOf('1/2 drills passed'));
    expect(summary).toContain('poisoned-template');
    expect(summary).toContain('caught: no canary_halted event in the run log');
    expect(summary).toContain('invariant: no bad row promoted');
    expect(summary).toContain('replay: npx batchguard drill scenarios/poisoned-template.yaml --seed 8812731');
    expect(summary).not.toContain('silent-partial-drop');
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
    const frame = await show(gamedayStarted(1, [['wrong-column', 'poisoned_template']]), {
      type: 'drill_finished',
      scenario: 'wrong-column',
      result: wrongColumn,
      elapsedMs: 1,
    });
    expect(lineWith(frame, 'wrong-column')).toMatch(
      /^– wrong-column\s+poisoned_template\s+canary\s+-\s+-\s+n\/a/,
    );
  });

  it('counts drills that do not apply in the summary and gives each its reason, and each failure its gaps', async () => {
    const { show } = await mount();
    const failed = sampleResult('poisoned-template', {
      failure_mode: 'poisoned_template',
      expected_control: 'canary',
      caught: false,
      caught_by: [],
      verdict: 'fail',
      reasons: ['canary did not catch it: its event is not in the run log'],
      gaps: ['canary.enabled is false, so no slice was graded before the rest ran: set it to true'],
    });
    const frame = await show(started, {
      type: 'gameday_finished',
      results: [sampleResult('silent-partial-drop'), failed, wrongColumn],
      elapsedMs: 20,
    });
    const summary = frame.slice(frame.indexOf('1/3 drills passed'));
    expect(summary).toMatch(/^1\/3 drills passed, 1 failed, 1 not applicable/);
    expect(summary).toContain('caught by: none');
    expect(summary).toContain('gap: canary.enabled is false');
    expect(summary).toContain('– wrong-column (poisoned_template): not applicable');
    expect(summary).toContain('the template uses one column, so no other can take its place');
    // A drill that did not apply is no failure: it is not listed with the failures' replay lines.
    expect(summary.indexOf('replay:')).toBeLessThan(summary.indexOf('wrong-column'));
  });

  it('tells its owner once the game day has finished, and not before', async () => {
    const onFinished = vi.fn();
    const { show } = await mount(onFinished);
    await show(started, { type: 'drill_started', scenario: 'silent-partial-drop', index: 0, total: 2 });
    expect(onFinished).not.toHaveBeenCalled();
    await show({ type: 'gameday_finished', results: [sampleResult('silent-partial-drop')], elapsedMs: 4 });
    // React runs the effect that calls it on its own schedule, a busy machine's later than a frame.
    await vi.waitFor(() => expect(onFinished).toHaveBeenCalledOnce());
  });
});
