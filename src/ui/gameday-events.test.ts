import { describe, expect, it } from 'vitest';
import type { GamedayEvent } from '../drills/drill-result.js';
import { gamedayChannel } from './gameday-events.js';
import { gamedayStarted, runEntry, sampleResult } from './gameday-fixtures.js';

function recorder(): { events: GamedayEvent[]; listener: (e: GamedayEvent) => void } {
  const events: GamedayEvent[] = [];
  return { events, listener: (e) => events.push(e) };
}

const started = gamedayStarted(7, [
  ['a', 'expiry'],
  ['b', 'schema_drift'],
]);

describe('gamedayChannel', () => {
  it('hands each event to every subscriber, in order, as it is emitted', () => {
    const channel = gamedayChannel();
    const first = recorder();
    const second = recorder();
    channel.subscribe(first.listener);
    channel.subscribe(second.listener);
    const entry = runEntry('a', 1, 'submit', 'batch_created');
    channel.emit(started);
    channel.emit(entry);
    expect(first.events).toEqual([started, entry]);
    expect(second.events).toEqual([started, entry]);
  });

  it('stops calling a listener once it unsubscribes', () => {
    const channel = gamedayChannel();
    const { events, listener } = recorder();
    const unsubscribe = channel.subscribe(listener);
    unsubscribe();
    channel.emit(started);
    expect(events).toEqual([]);
  });

  it("replays the start, each drill's progress and the finish to a late subscriber, but no run-log entries", () => {
    const channel = gamedayChannel();
    const aStarted: GamedayEvent = { type: 'drill_started', scenario: 'a', index: 0, total: 2 };
    const aFinished: GamedayEvent = {
      type: 'drill_finished',
      scenario: 'a',
      result: sampleResult('a'),
      elapsedMs: 5,
    };
    const bStarted: GamedayEvent = { type: 'drill_started', scenario: 'b', index: 1, total: 2 };
    const finished: GamedayEvent = { type: 'gameday_finished', results: [sampleResult('a')], elapsedMs: 9 };
    for (const e of [started, aStarted, runEntry('a', 1, 'submit', 'batch_created'), aFinished, bStarted])
      channel.emit(e);
    channel.emit(runEntry('b', 1, 'submit', 'batch_created'));
    channel.emit(finished);

    const late = recorder();
    channel.subscribe(late.listener);
    // a's finish replaces its start, so the buffer holds one event per scenario.
    expect(late.events).toEqual([started, aFinished, bStarted, finished]);
  });

  it('forgets the previous game day when a new one starts', () => {
    const channel = gamedayChannel();
    channel.emit(started);
    channel.emit({ type: 'drill_started', scenario: 'a', index: 0, total: 2 });
    channel.emit({ type: 'gameday_finished', results: [], elapsedMs: 1 });
    const next = gamedayStarted(8, [['c', 'expiry']]);
    channel.emit(next);
    const late = recorder();
    channel.subscribe(late.listener);
    expect(late.events).toEqual([next]);
  });

  it('remembers the progress of at most replayScenariosMax scenarios', () => {
    const channel = gamedayChannel({ replayScenariosMax: 1 });
    channel.emit(started);
    channel.emit({ type: 'drill_started', scenario: 'a', index: 0, total: 2 });
    channel.emit({ type: 'drill_started', scenario: 'b', index: 1, total: 2 });
    const late = recorder();
    channel.subscribe(late.listener);
    expect(late.events.map((e) => (e.type === 'drill_started' ? e.scenario : e.type))).toEqual([
      'gameday_started',
      'a',
    ]);
  });
});
