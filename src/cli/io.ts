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
  /**
   * On a terminal: show `line` as the one status line under the output, in place of the last
   * (null takes it away); lines printed meanwhile scroll above it. Absent where there is no
   * terminal to redraw, and then progress goes out as plain lines instead.
   */
  status?(line: string | null): void;
}

/** The status line on the terminal (stderr), kept under whatever is printed. */
const terminalStatus = {
  line: '',
  clear() {
    if (this.line !== '') process.stderr.write('\r\x1b[2K');
  },
  draw() {
    if (this.line !== '') process.stderr.write(this.line);
  },
  set(line: string | null) {
    this.clear();
    // One character short of the width: a line that fills it would wrap, and \r would then
    // return to the wrapped half, leaving the first half behind.
    const width = Math.max(20, (process.stderr.columns ?? 80) - 1);
    this.line = line === null ? '' : line.length > width ? `${line.slice(0, width - 1)}…` : line;
    this.draw();
  },
  around(write: () => void) {
    this.clear();
    write();
    this.draw();
  },
};

export const processIo: Io = {
  clock: realClock,
  out: (line) => terminalStatus.around(() => process.stdout.write(`${line}\n`)),
  err: (line) => terminalStatus.around(() => process.stderr.write(`${line}\n`)),
  interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
  status: process.stderr.isTTY && process.stdout.isTTY ? (line) => terminalStatus.set(line) : undefined,
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
