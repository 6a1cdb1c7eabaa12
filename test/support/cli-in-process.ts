import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { capturingIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { DEFAULT_DB } from '../../src/cli/open-db.js';
import { RunDb } from '../../src/pipeline/db/run-db.js';
import { BIN } from './serve-process.js';
import { withEnv } from './with-env.js';

/** What a command printed to each stream, and its exit code. */
export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `batchguard …args` typed in folder `cwd`, in its own process through `bin/batchguard.js`: what a
 * person or a CI job runs. Each costs a Node start and the loading of the sources (1.5–2.5 s
 * here), so the tests keep it for what needs a real process: the binary's wiring, a command that
 * must be killed, a server.
 */
export function cli(args: readonly string[], cwd: string, env: Record<string, string> = {}): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * The same command run in this process: the same `main` the binary calls, with relative paths
 * taken from `cwd`, `env` set for its duration, and what it prints collected per stream (as lines
 * ending in a newline, as the binary writes them). No terminal: it is never interactive. The
 * run database it used is released afterwards, as the end of its process would release it, so
 * the next command (in this process or another) can open it.
 */
export async function cliInProcess(
  args: readonly string[],
  cwd: string,
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const before = process.cwd();
  process.chdir(cwd);
  try {
    return await withEnv(env, async () => {
      // The Io the runbook's commands get, with standard error kept apart.
      const io = { ...capturingIo(out), err: (line: string) => err.push(line) };
      const status = await main([...args], io);
      const db = args.indexOf('--db');
      await RunDb.release(resolve(db >= 0 && args[db + 1] !== undefined ? args[db + 1]! : DEFAULT_DB));
      const text = (lines: string[]) => lines.map((line) => `${line}\n`).join('');
      return { status, stdout: text(out), stderr: text(err) };
    });
  } finally {
    process.chdir(before);
  }
}
