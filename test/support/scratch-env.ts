import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { scratchBase } from '../../src/core/scratch-folder.js';

/**
 * One folder for every scratch file of a test run (every DuckDB file, job folder and world a test
 * makes), where src/core/scratch-folder.ts puts a drill's: on a tmpfs where the machine has one
 * with room, as DuckDB's commits there cost a fraction of a disk's. The tests' crashes are the
 * process's death (the database file stays), which a tmpfs survives as a disk does; no test is
 * about a power cut. The run's teardown removes it whole, with whatever a test left.
 */
export function scratchRoot(
  candidates: readonly string[] = ['/dev/shm'],
  env: NodeJS.ProcessEnv = process.env,
): string {
  return mkdtempSync(join(scratchBase(candidates, env), 'batchguard-tests-'));
}

/**
 * The environment of the test workers (and of the CLI processes they start): TMPDIR in a new
 * scratch root, named also as BATCHGUARD_SCRATCH, which this process keeps for its teardown.
 */
export function scratchEnv(): Record<string, string> {
  // vitest evaluates its config more than once in one process: one root for all of them, or
  // every run left an empty folder behind for each evaluation but the last. Only a root this
  // process made: one inherited from another run's process is that run's to remove.
  const made = process.env.BATCHGUARD_SCRATCH;
  const ours = made && process.env.BATCHGUARD_SCRATCH_PID === String(process.pid) && existsSync(made);
  const root = ours ? made : scratchRoot();
  process.env.BATCHGUARD_SCRATCH = root;
  process.env.BATCHGUARD_SCRATCH_PID = String(process.pid);
  return { TMPDIR: root, BATCHGUARD_SCRATCH: root };
}

/** vitest's global setup: at the end of the run, remove the scratch root and all in it. */
export default function setup(): () => void {
  return () => {
    const root = process.env.BATCHGUARD_SCRATCH;
    if (root) rmSync(root, { recursive: true, force: true });
  };
}
