import { render, useApp } from 'ink';
import { GamedayView } from './GamedayView.js';
import type { GamedayEventSource } from './gameday-events.js';

export interface RenderGamedayOptions {
  /** Where the UI draws; process.stdout unless given. */
  stdout?: NodeJS.WriteStream;
}

export interface GamedayUi {
  /** Resolves once the game day has finished and its final frame is drawn (or the UI was unmounted). */
  waitUntilFinished(): Promise<void>;
  /** Takes the UI down early, e.g. when the game day itself failed. */
  unmount(): void;
}

function GamedayApp({ source }: { source: GamedayEventSource }) {
  const { exit } = useApp();
  return <GamedayView source={source} onFinished={exit} />;
}

/** Draws the game day in the terminal until it finishes; the caller runs the game day and feeds `source`. */
export function renderGameday(source: GamedayEventSource, options: RenderGamedayOptions = {}): GamedayUi {
  const instance = render(<GamedayApp source={source} />, {
    stdout: options.stdout ?? process.stdout,
    // The CLI prints through its Io, not console, so patching the global console would buy nothing.
    patchConsole: false,
  });
  // Ask for the exit promise now: Ink settles it only if someone asked before the unmount, and the
  // game day may finish before the caller gets round to waiting.
  const exited = instance.waitUntilExit().then(() => undefined);
  // Nobody may await it (the caller may unmount instead); an error still reaches whoever does.
  exited.catch(() => {});
  return { waitUntilFinished: () => exited, unmount: () => instance.unmount() };
}
