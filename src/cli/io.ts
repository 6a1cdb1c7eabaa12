import { createInterface } from 'node:readline/promises';
import type { Clock } from '../core/clock.js';
import { realClock } from '../core/real-clock.js';

/** What a command may do to the outside world: print, ask, wait for Ctrl-C, tell the time. Injected for tests. */
export interface Io {
  /** The time commands stamp their log entries with: the real clock, or a drill's virtual one. */
  readonly clock: Clock;
  out(line: string): void;
  err(line: string): void;
  /** Is a person at a terminal to answer questions? */
  readonly interactive: boolean;
  /** Ask a question on the terminal and return the answer. */
  ask(question: string): Promise<string>;
  /** Resolves when the process is asked to stop (SIGINT or SIGTERM). */
  untilInterrupted(): Promise<void>;
}

export const processIo: Io = {
  clock: realClock,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
  ask: async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      return await rl.question(question);
    } finally {
      rl.close();
    }
  },
  // Both listeners go at the first signal: a second one, while the command stops, finds only the
  // binary's own handler, which ends the process at once (bin/batchguard.js).
  untilInterrupted: () =>
    new Promise((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    }),
};

/**
 * An Io that collects every line a command prints (out and err alike) into `lines`, with no
 * terminal to ask, on `clock`: for commands run in-process (a drill's runbook, tests).
 */
export function capturingIo(
  lines: string[],
  clock: Clock = realClock,
  echo: (line: string) => void = () => {},
): Io {
  const capture = (line: string) => {
    lines.push(line);
    echo(line);
  };
  return {
    clock,
    out: capture,
    err: capture,
    interactive: false,
    ask: async () => '',
    untilInterrupted: () => new Promise(() => {}),
  };
}
