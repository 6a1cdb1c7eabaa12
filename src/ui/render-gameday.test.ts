import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { GamedayEvent } from '../drills/drill-result.js';
import { gamedayChannel } from './gameday-events.js';
import { gamedayStarted, sampleResult } from './gameday-fixtures.js';
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

const started = gamedayStarted(5, [['expiry', 'expiry']]);
const finished: GamedayEvent = { type: 'gameday_finished', results: [sampleResult('expiry')], elapsedMs: 3 };

describe('renderGameday', () => {
  it('resolves waitUntilFinished once the game day has finished and its final frame is drawn', async () => {
    const channel = gamedayChannel();
    const out = recordingStdout();
    const ui = renderGameday(channel, { stdout: out.stdout });
    await new Promise((resolve) => setImmediate(resolve));
    channel.emit(started);
    channel.emit({ type: 'drill_started', scenario: 'expiry', index: 0, total: 1 });
    let done = false;
    const waiting = ui.waitUntilFinished().then(() => {
      done = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);

    channel.emit({
      type: 'drill_finished',
      scenario: 'expiry',
      result: sampleResult('expiry'),
      elapsedMs: 3,
    });
    channel.emit(finished);
    await waiting;
    expect(out.text()).toContain('1/1 drills passed');
  });

  it('finishes even when the whole game day was emitted before the UI subscribed', async () => {
    const channel = gamedayChannel();
    const out = recordingStdout();
    const ui = renderGameday(channel, { stdout: out.stdout });
    channel.emit(started);
    channel.emit(finished);
    await ui.waitUntilFinished();
    expect(out.text()).toContain('batchguard game day · seed 5');
    expect(out.text()).toContain('1/1 drills passed');
  });

  it('lets its owner take it down early, and still resolves a wait that begins after that', async () => {
    const channel = gamedayChannel();
    const ui = renderGameday(channel, { stdout: recordingStdout().stdout });
    channel.emit(started);
    ui.unmount();
    // Ink settles its exit promise on the stream's write callback; ask only after that has run.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    await expect(ui.waitUntilFinished()).resolves.toBeUndefined();
  });
});
