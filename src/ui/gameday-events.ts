import type { GamedayEvent } from '../drills/drill-result.js';

/** Where a view reads a game day's progress from; it never drives the game day. */
export interface GamedayEventSource {
  /** Calls `listener` for each event from now on (after a replay of the progress so far); returns unsubscribe. */
  subscribe(listener: (e: GamedayEvent) => void): () => void;
}

export interface GamedayChannelOptions {
  /** Most scenarios whose progress is kept for late subscribers; later ones are not replayed. */
  replayScenariosMax?: number;
}

/**
 * A synchronous fan-out of game-day events. A view mounts a little after the game day begins, so a
 * late subscriber is first handed the progress so far: the game day's start, each scenario's latest
 * drill_started or drill_finished, and the game day's end. Run-log entries are never kept (a drill
 * writes thousands), so memory stays bounded by the number of scenarios.
 */
export function gamedayChannel(
  options: GamedayChannelOptions = {},
): GamedayEventSource & { emit(e: GamedayEvent): void } {
  const replayScenariosMax = options.replayScenariosMax ?? 1000;
  const listeners = new Set<(e: GamedayEvent) => void>();
  let started: GamedayEvent | null = null;
  let finished: GamedayEvent | null = null;
  // Keyed by scenario so a drill_finished replaces its drill_started instead of adding to the buffer.
  const drills = new Map<string, GamedayEvent>();

  function remember(e: GamedayEvent): void {
    if (e.type === 'gameday_started') {
      started = e;
      finished = null;
      drills.clear();
    } else if (e.type === 'gameday_finished') {
      finished = e;
    } else if (e.type === 'drill_started' || e.type === 'drill_finished') {
      if (drills.has(e.scenario) || drills.size < replayScenariosMax) drills.set(e.scenario, e);
    }
  }

  return {
    emit(e) {
      remember(e);
      // A snapshot, so a listener that unsubscribes (or subscribes) mid-emit does not skip another.
      for (const listener of [...listeners]) listener(e);
    },
    subscribe(listener) {
      const replay = [started, ...drills.values(), finished].filter((e): e is GamedayEvent => e !== null);
      for (const e of replay) listener(e);
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
