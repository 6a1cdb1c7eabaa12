import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { databaseProblem, type OutputCheck, outputTarget, writePathProblem } from './write-path.js';

export { writePathProblem } from './write-path.js';

/**
 * Refuse, before any work, a file the command was asked to write and could not, or must not:
 * its folder missing or not writable, the path a folder, a device, a pipe or a socket, the run
 * database in use (or its write-ahead log), or any DuckDB database. A game day should not run
 * every drill only to fail writing its JUnit file, and no report may replace the runs it reports.
 */
export function checkOutputPath(flag: string, path: string, check: OutputCheck = {}): void {
  const problem = writePathProblem(path) ?? databaseProblem(path, check);
  if (problem) throw badOutput(flag, path, problem);
}

const badOutput = (flag: string, path: string, problem: string): UsageError =>
  new UsageError(
    'bad_output',
    `Failed to write ${flag} ${path}: ${problem}.`,
    `Pass ${flag} a new or ordinary file in a folder that exists and can be written; an output never replaces a database.`,
  );

let stages = 0;

/**
 * A file written beside the one it replaces and renamed over it on `commit`, so the old file
 * stays whole until the new one is: a failed or interrupted write (an error, a full disk, a
 * kill) leaves the old file as it was. The stage has a name of its own, created exclusively, so
 * it never replaces anything either; `discard` removes it.
 */
export class StagedOutput {
  private constructor(
    /** The path as the user gave it, for messages. */
    readonly path: string,
    /** The file replaced on commit: a symbolic link's target, so the link stays a link. */
    readonly target: string,
    private readonly stage: string,
    private readonly flag: string,
    private fd: number | null,
  ) {}

  /**
   * Stage a replacement for `path`, named `flag` in errors. Checked again here, as a database
   * may have appeared at the path since the command's first check (a game day takes minutes).
   */
  static open(path: string, flag = 'output'): StagedOutput {
    const problem = writePathProblem(path) ?? databaseProblem(path);
    if (problem) throw badOutput(flag, path, problem);
    const target = outputTarget(path);
    const stage = join(dirname(target), `${basename(target)}.${process.pid}-${stages++}.partial`);
    const out = new StagedOutput(path, target, stage, flag, null);
    out.fd = out.attempt(() => openSync(stage, 'wx'));
    return out;
  }

  write(text: string): void {
    const fd = this.open();
    this.attempt(() => writeSync(fd, text));
  }

  /** Put the written file in place of the old one, in one rename. */
  commit(): void {
    const fd = this.open();
    this.attempt(() => fsyncSync(fd));
    this.attempt(() => renameSync(this.stage, this.target));
    closeSync(fd);
    this.fd = null;
  }

  /** Remove the stage, unless it was committed: the old file (if any) is left as it was. */
  discard(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
    rmSync(this.stage, { force: true });
  }

  private open(): number {
    if (this.fd === null) throw new Error(`${this.stage} is already committed or discarded`);
    return this.fd;
  }

  /** A file the user named that cannot be written is their input to fix (exit 2), not a bug. */
  private attempt<T>(step: () => T): T {
    try {
      return step();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === undefined) throw error;
      this.discard();
      throw badOutput(this.flag, this.path, code);
    }
  }
}

/** Write a whole text file, replacing any file at `path` only once the new one is complete. */
export function writeWhole(path: string, text: string, flag = 'output'): void {
  const out = StagedOutput.open(path, flag);
  try {
    out.write(text);
    out.commit();
  } finally {
    out.discard();
  }
}
