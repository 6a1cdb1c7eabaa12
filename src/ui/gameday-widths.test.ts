import { stripVTControlCharacters } from 'node:util';
import { cleanup, render } from 'ink-testing-library';
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { GamedayEvent } from '../drills/drill-result.js';
import { GamedayView } from './GamedayView.js';
import { gamedayChannel } from './gameday-events.js';
import {
  gamedayStarted,
  manualClock,
  runEntry,
  SHIPPED_SCENARIOS,
  sampleResult,
} from './gameday-fixtures.js';

// The game day at the widths people's terminals have: 80 columns first, then wider.

async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Sets ink-testing-library's stdout (a fixed 100 columns, no rows) to a size, and says resize as a terminal would. */
function resize(stdout: NodeJS.EventEmitter, columns: number, rows: number): void {
  Object.defineProperty(stdout, 'columns', { value: columns, configurable: true });
  Object.defineProperty(stdout, 'rows', { value: rows, configurable: true });
  stdout.emit('resize');
}

async function mount(columns: number, rows: number) {
  const channel = gamedayChannel();
  const view = render(createElement(GamedayView, { source: channel, clock: manualClock() }));
  resize(view.stdout, columns, rows);
  await settle();
  const frame = () => stripVTControlCharacters(view.lastFrame() ?? '');
  return {
    frame,
    show: async (...events: GamedayEvent[]) => {
      for (const e of events) channel.emit(e);
      await settle();
      return frame();
    },
    press: async (...keys: string[]) => {
      for (const key of keys) {
        view.stdin.write(key);
        await settle();
      }
      return frame();
    },
    resize: async (c: number, r: number) => {
      resize(view.stdout, c, r);
      await settle();
      return frame();
    },
  };
}

afterEach(() => cleanup());

const long = 'x'.repeat(200);
const mixedFailed = sampleResult('mixed', {
  failure_mode: SHIPPED_SCENARIOS[9]![1],
  expected_control: SHIPPED_SCENARIOS[9]![2],
  verdict: 'fail',
  caught: false,
  caught_by: [],
  reasons: [`a reason as long as a paragraph ${long}`],
  gaps: [`a gap that goes on ${long}`],
  evidence: { dropped: 12, drifted: 30, stale: 4, injected: 9 },
  replay: `npx batchguard drill scenarios/mixed.yaml --job ${'deep/'.repeat(12)}job.yaml --seed 8812731`,
});

/** The shipped game day half done: every drill before `mixed` finished, `mixed` failed, one running with a long log line. */
const halfDone: GamedayEvent[] = [
  gamedayStarted(8812731, SHIPPED_SCENARIOS, 'a/rather/long/path/to/the/team/job-file-name.yaml'),
  ...SHIPPED_SCENARIOS.slice(0, 9).map(
    ([scenario, failure_mode, expected_control]): GamedayEvent => ({
      type: 'drill_finished',
      scenario,
      result: sampleResult(scenario, { failure_mode, expected_control }),
      elapsedMs: 1234,
    }),
  ),
  { type: 'drill_finished', scenario: 'mixed', result: mixedFailed, elapsedMs: 65_432 },
  { type: 'drill_started', scenario: 'poisoned-template', index: 11, total: 19 },
  runEntry('poisoned-template', 9999, 'canary', `canary_halted_${long}`, 'alarm'),
];

/** Frame lines wider than `width` cells. */
function tooWide(frame: string, width: number): string[] {
  return frame.split('\n').filter((line) => Array.from(line).length > width);
}

const HEADING = /^ {3}scenario +failure mode +(expected control|control) +(fired +caught +)?verdict +time$/;

describe.each([80, 100, 160])('the game day at %i columns', (width) => {
  it('keeps every line of the list, the key list and a detail within the width', async () => {
    const { show, press } = await mount(width, 40);
    const list = await show(...halfDone);
    expect(list).toContain('mixed');
    expect(tooWide(list, width)).toEqual([]);
    expect(list.split('\n').some((line) => line.length === width || line.endsWith('…'))).toBe(true);
    expect(tooWide(await press('?'), width)).toEqual([]);
    const detail = await press('?', ...Array(9).fill('j'), '\r');
    expect(detail).toContain('mixed · Title of mixed');
    expect(tooWide(detail, width)).toEqual([]);
    // The replay line is wrapped, not cut: every word of it is on the screen.
    expect(detail.replace(/\n\s*/g, ' ')).toContain(
      'deep/deep/deep/deep/deep/deep/deep/deep/deep/deep/deep/deep/job.yaml --seed 8812731',
    );
  });

  it('heads the columns with words apart, each row under them', async () => {
    const { show } = await mount(width, 40);
    const lines = (await show(...halfDone)).split('\n');
    expect(lines[1]).toMatch(HEADING);
    const verdictAt = lines[1]!.indexOf('verdict');
    expect(lines.find((l) => l.includes('cost-runaway-crash'))!.indexOf('pass')).toBe(verdictAt);
    expect(lines.find((l) => l.includes('poisoned-template '))!.indexOf('running')).toBe(verdictAt);
  });

  it('shows each scenario whole, and the failed and running drills with their times', async () => {
    const { show } = await mount(width, 40);
    const frame = await show(...halfDone);
    for (const [scenario] of SHIPPED_SCENARIOS) expect(frame).toMatch(new RegExp(`^.. ${scenario} `, 'm'));
    expect(frame).toMatch(/✘ mixed .* fail +1 m 05 s$/m);
    expect(frame).toMatch(/✔ cost-runaway-crash .* pass +1\.2 s$/m);
    expect(frame).toMatch(/▶ poisoned-template .* running +0\.0 s$/m);
  });
});

describe('the game day on a short or changing terminal', () => {
  it('shows fired and caught only where there is room for them', async () => {
    const wide = await mount(160, 40);
    expect((await wide.show(...halfDone)).split('\n')[1]).toContain('fired caught');
    cleanup();
    const narrow = await mount(80, 40);
    expect((await narrow.show(...halfDone)).split('\n')[1]).not.toContain('fired');
  });

  it('draws fewer lines than the terminal has rows, scrolling the list to keep the selection in view', async () => {
    const { show, press } = await mount(80, 12);
    const top = await show(...halfDone);
    expect(top.split('\n').length).toBeLessThan(12);
    expect(top).toContain('baseline');
    expect(top).toMatch(/\(1–\d+ of 19\)/);
    const bottom = await press(...Array(18).fill('j'));
    expect(bottom.split('\n').length).toBeLessThan(12);
    expect(bottom).toMatch(/^›. stale-mapping/m);
    expect(bottom).not.toContain('baseline');
    expect(bottom).toMatch(/\(\d+–19 of 19\)/);
  });

  it('takes keys that arrive together, as tmux sends them or a fast typist types them, one at a time', async () => {
    const { show, press } = await mount(80, 40);
    await show(...halfDone);
    expect(await press('jjj')).toMatch(/^›. cost-runaway-resubmission /m);
    expect(await press('jjk')).toMatch(/^›. cost-runaway /m);
  });

  it('scrolls a detail longer than the screen with j and k', async () => {
    const { show, press } = await mount(80, 10);
    await show(...halfDone);
    const top = await press(...Array(9).fill('j'), '\r');
    expect(top.split('\n').length).toBeLessThan(10);
    expect(top).toContain('mixed · Title of mixed');
    expect(top).not.toContain('replay:');
    const bottom = await press(...Array(30).fill('j'));
    expect(bottom).toContain('replay:');
    expect(bottom).not.toContain('mixed · Title of mixed');
    expect(await press(...Array(30).fill('k'))).toContain('mixed · Title of mixed');
  });

  it('lays the list out again when the terminal is resized', async () => {
    const { show, resize } = await mount(160, 40);
    expect(tooWide(await show(...halfDone), 160)).toEqual([]);
    const narrowed = await resize(80, 40);
    expect(tooWide(narrowed, 80)).toEqual([]);
    expect(narrowed.split('\n')[1]).toMatch(HEADING);
    expect(narrowed.split('\n')[1]).not.toContain('fired');
  });
});
