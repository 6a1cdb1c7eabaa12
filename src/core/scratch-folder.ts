import { mkdtempSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeAtExit, removeFolder } from './exit-cleanup.js';

/*
 * Where drills, generated cases and the soak keep their throwaway files (a scratch database per
 * run, its simulated world, its job folder). DuckDB syncs its write-ahead log to disk at each
 * commit, 1–3 ms on a disk, and a run commits about a hundred times: on a memory-backed folder a
 * small run takes about a sixth less time. A drill's crash is the process's death, which such a
 * folder survives as a disk does. The folder is /dev/shm when it has room, unless TMPDIR names
 * one: a choice made on purpose is kept. Elsewhere it is the usual temporary folder.
 */

/** Free space a memory-backed folder needs before scratch files go there. */
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

/** The folder scratch folders are made in (see above). */
export function scratchBase(
  candidates: readonly string[] = ['/dev/shm'],
  env: NodeJS.ProcessEnv = process.env,
): string {
  if (env.TMPDIR) return tmpdir();
  return candidates.find(hasRoom) ?? tmpdir();
}

/**
 * A new empty scratch folder whose name begins with `prefix`; its maker removes it
 * (removeScratch), or, if the process exits first, the exit does (exit-cleanup.ts).
 */
export function scratchFolder(prefix: string): string {
  return removeAtExit(mkdtempSync(join(scratchBase(), prefix)));
}

/** Remove a scratch folder and everything in it. */
export const removeScratch = removeFolder;
