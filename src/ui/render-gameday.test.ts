import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import type { GamedayEvent } from '../drills/drill-result.js';
import { gamedayChannel } from './gameday-events.js';
import { gamedayStarted, manualClock, sampleResult } from './gameday-fixtures.js';
import { renderGameday } from './render-gameday.js';

/** A terminal-like stream that keeps everything written to it. */
function recordingStdout(): { stdout: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  Object.assign(stream, { columns: 100, rows: 40 });
  return {
    stdout: stream as unknown as NodeJS.WriteStream,
    text: () => stripVTControlCharacters(chunks.join('')),
  };
}

/** A terminal's keyboard, as Ink reads it: raw mode, and a 'readable' event per key. */
function keyboard(): { stdin: NodeJS.ReadStream; press(key: string): void } {
  let pending: string | null = null;
  const stdin = Object.assign(new EventEmitter(), {
    isTTY: true,
    setRawMode: () => {},
    setEncoding: () => {},
    ref: () => {},
    unref: () => {},
    resume: () => {},
    pause: () => {},
    read: () => {
      const key = pending;
      pending = null;
      return key;
    },
  });
  return {
    stdin: stdin as unknown as NodeJS.ReadStream,
    press(key) {
      pending = key;
      stdin.emit('readable');
    },
  };
}

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
    // Ink draws at most 30 frames a second: the last one lands a little after the event.
    await vi.waitFor(() => expect(out.text()).toContain('1/1 drills passed'));
    expect(exited()).toBe(false);
    keys.press('q');
    await ui.waitUntilExit();
    expect(ui.quitRequested()).toBe(true);
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
    expect(exited()).toBe(false);
    await vi.waitFor(() => expect(out.text()).toContain('stopping once expiry ends…'));
    channel.emit(drillFinished);
    await ui.waitUntilExit();
  });

  it('takes Ctrl-C as q: the game day stops after the running drill, with nothing half-written', async () => {
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
