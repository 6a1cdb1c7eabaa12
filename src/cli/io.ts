/** What a command may do to the outside world: print, and wait for Ctrl-C. Injected for tests. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Resolves when the process is asked to stop (SIGINT or SIGTERM). */
  untilInterrupted(): Promise<void>;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  untilInterrupted: () =>
    new Promise((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }),
};
