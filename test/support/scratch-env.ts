import { statfsSync } from 'node:fs';

/** Free space a tmpfs needs before the tests put their scratch files there. */
const SCRATCH_FREE_MIN = 1024 ** 3;

/**
 * The environment that puts the tests' scratch files (every DuckDB file a test makes) on a tmpfs,
 * where the machine has one with room: DuckDB syncs its write-ahead log to disk at each commit,
 * 1–3 ms on this machine's disk and a run commits about a hundred times, so about a sixth of a
 * property case went to waiting on the disk. The tests' crashes are the process's death (the
 * database file stays), which a tmpfs survives as a disk does; no test is about a power cut.
 * Elsewhere (no /dev/shm, or a small one, as in a default Docker container) nothing changes.
 */
export function scratchEnv(dir = '/dev/shm'): Record<string, string> {
  try {
    const fs = statfsSync(dir);
    return fs.bavail * fs.bsize >= SCRATCH_FREE_MIN ? { TMPDIR: dir } : {};
  } catch {
    return {};
  }
}
