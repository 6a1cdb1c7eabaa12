import { describe, expect, it, vi } from 'vitest';
import { keyboard, recordingStdout } from '../../test/support/fake-terminal.js';
import type { GamedayEvent } from '../drills/drill-result.js';
import { gamedayChannel } from './gameday-events.js';
import { gamedayStarted, manualClock, sampleResult } from './gameday-fixtures.js';
import { renderGameday } from './render-gameday.js';

async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) await new Promise((resolve) => setImmediate(resolve));
}

const started = gamedayStarted(5, [['expiry', 'expiry']]);
const drillStarted: GamedayEvent = { type: 'drill_started', scenario: 'expiry', index: 0, total: 1 };
const drillFinished: GamedayEvent = {
  type: 'drill_finished',
  scenario: 'expiry',
  result: sampleResult('expiry'),
  elapsedMs: 3,
};
const finished: GamedayEvent = { type: 'gameday_finished', results: [sampleResult('expiry')], elapsedMs: 3 };

function mount(onRerun?: (scenario: string) => void) {
  const channel = gamedayChannel();
  const out = recordingStdout();
  const keys = keyboard();
  const ui = renderGameday(channel, { clock: manualClock(), stdout: out.stdout, stdin: keys.stdin, onRerun });
  let exited = false;
  void ui.waitUntilExit().then(() => {
    exited = true;
  });
  return { channel, out, keys, ui, exited: () => exited };
}

describe('renderGameday', () => {
  it('stays on screen after the game day has finished, and goes once the person presses q', async () => {
    const { channel, out, keys, ui, exited } = mount();
    await settle();
    channel.emit(started);
    channel.emit(drillStarted);
    channel.emit(drillFinished);
    channel.emit(finished);
    await settle();
    // Longer than Ink's frame (30 a second): the UI has had time to go, were it going on its own.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(exited()).toBe(false);
    keys.press('q');
    await ui.waitUntilExit();
    expect(ui.quitRequested()).toBe(true);
    // Under CI Ink draws only its last frame, so the text is read once the UI is down.
    expect(out.text()).toContain('1/1 drills passed');
  });

  it('on q while a drill runs, says the session should stop, and goes only once the drill has ended', async () => {
    const { channel, out, keys, ui, exited } = mount();
    await settle();
    channel.emit(started);
    channel.emit(drillStarted);
    await settle();
    expect(ui.quitRequested()).toBe(false);
    keys.press('q');
    await settle();
    expect(ui.quitRequested()).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(exited()).toBe(false);
    channel.emit(drillFinished);
    await ui.waitUntilExit();
    expect(out.text()).toContain('stopped: 1 of 1 drills ran');
  });

  it('takes Ctrl-C as q: the session is asked to stop after the running drill, and the UI waits for it', async () => {
    const { channel, keys, ui } = mount();
    await settle();
    channel.emit(started);
    channel.emit(drillStarted);
    await settle();
    keys.press('\u0003');
    await settle();
    expect(ui.quitRequested()).toBe(true);
    channel.emit(drillFinished);
    await ui.waitUntilExit();
  });

  it('hands r on to whoever re-runs drills', async () => {
    const onRerun = vi.fn();
    const { channel, keys, ui } = mount(onRerun);
    await settle();
    channel.emit(started);
    channel.emit(finished);
    await settle();
    keys.press('r');
    await settle();
    expect(onRerun).toHaveBeenCalledExactlyOnceWith('expiry');
    ui.unmount();
  });

  it('lets its owner take it down early, and still resolves a wait that begins after that', async () => {
    const channel = gamedayChannel();
    const ui = renderGameday(channel, {
      clock: manualClock(),
      stdout: recordingStdout().stdout,
      stdin: keyboard().stdin,
    });
    channel.emit(started);
    ui.unmount();
    // Ink settles its exit promise on the stream's write callback; ask only after that has run.
    await settle();
    await expect(ui.waitUntilExit()).resolves.toBeUndefined();
  });
});
