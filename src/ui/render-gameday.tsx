import { render, useApp } from 'ink';
import type { Clock } from '../core/clock.js';
import { GamedayView } from './GamedayView.js';
import type { GamedayEventSource } from './gameday-events.js';

export interface RenderGamedayOptions {
  /** The session's clock, for elapsed times. */
  clock: Clock;
  /** Each scenario's steady-state hypothesis, one claim a line. */
  hypotheses?: ReadonlyMap<string, readonly string[]>;
  /** Re-runs a drill at its seed when the person presses r (after the game day has ended). */
  onRerun?: (scenario: string) => void;
  /** Where the UI draws; process.stdout unless given. */
  stdout?: NodeJS.WriteStream;
  /** Where the keys come from; process.stdin unless given. */
  stdin?: NodeJS.ReadStream;
}

export interface GamedayUi {
  /** Resolves once the person has quit and the last frame is drawn (or the UI was unmounted). */
  waitUntilExit(): Promise<void>;
  /** Has the person asked to quit? The session then starts no further drill. */
  quitRequested(): boolean;
  /** Takes the UI down early, e.g. when the game day itself failed. */
  unmount(): void;
}

function GamedayApp(
  props: Omit<RenderGamedayOptions, 'stdout' | 'stdin'> & { source: GamedayEventSource; onQuit: () => void },
) {
  const { exit } = useApp();
  return <GamedayView {...props} onExit={exit} />;
}

/**
 * Draws the game day in the terminal and takes its keys until the person quits (q), after the
 * game day has ended or while it runs; the caller runs the game day and feeds `source`.
 */
export function renderGameday(source: GamedayEventSource, options: RenderGamedayOptions): GamedayUi {
  let quit = false;
  const { stdout, stdin, ...props } = options;
  const instance = render(<GamedayApp {...props} source={source} onQuit={() => (quit = true)} />, {
    stdout: stdout ?? process.stdout,
    stdin: stdin ?? process.stdin,
    // The CLI prints through its Io, not console, so patching the global console would buy nothing.
    patchConsole: false,
    // Ctrl-C is q here: it stops the game day after the running drill, with its verdict stored,
    // rather than leaving the game day running behind a UI that has gone.
    exitOnCtrlC: false,
  });
  // Ask for the exit promise now: Ink settles it only if someone asked before the unmount, and the
  // person may quit before the caller gets round to waiting.
  const exited = instance.waitUntilExit().then(() => undefined);
  // Nobody may await it (the caller may unmount instead); an error still reaches whoever does.
  exited.catch(() => {});
  return { waitUntilExit: () => exited, quitRequested: () => quit, unmount: () => instance.unmount() };
}
