import { createInterface } from 'node:readline/promises';

/** What a command may do to the outside world: print, ask, and wait for Ctrl-C. Injected for tests. */
export interface Io {
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
  untilInterrupted: () =>
    new Promise((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }),
};
