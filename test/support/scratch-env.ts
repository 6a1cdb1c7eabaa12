import { existsSync, mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Free space a tmpfs needs before the tests put their scratch files there. */
const SCRATCH_FREE_MIN = 1024 ** 3;

/** Whether `dir` is a folder with at least SCRATCH_FREE_MIN free. */
export function hasRoom(dir: string): boolean {
  try {
    const fs = statfsSync(dir);
    return fs.bavail * fs.bsize >= SCRATCH_FREE_MIN;
  } catch {
    return false;
  }
}

/**
 * One folder for every scratch file of a test run (every DuckDB file, job folder and world a test
 * makes), on a tmpfs where the machine has one with room: DuckDB syncs its write-ahead log to disk
 * at each commit, 1–3 ms on this machine's disk, and a run commits about a hundred times, so about
 * a sixth of a property case went to waiting on the disk. The tests' crashes are the process's
 * death (the database file stays), which a tmpfs survives as a disk does; no test is about a power
 * cut. Elsewhere (no /dev/shm, or a small one, as in a default Docker container) the folder is in
 * the usual temporary folder. The run's teardown removes it whole, with whatever a test left.
 */
export function scratchRoot(candidates: readonly string[] = ['/dev/shm']): string {
  const base = candidates.find(hasRoom) ?? tmpdir();
  return mkdtempSync(join(base, 'batchguard-tests-'));
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
