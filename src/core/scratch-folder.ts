import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
 * Scratch folders made and not yet removed. Their makers remove them (removeScratch) when done;
 * what is left when the process exits is removed then: a game day stopped by Ctrl-C, or by a
 * reader that closed the pipe (`gameday | head`), ends through process.exit with drills in flight,
 * whose own clean-up never runs, and a folder left on /dev/shm holds memory until the machine
 * restarts. A process killed outright (SIGKILL) leaves its folders, as a crash must.
 */
const LIVE = new Set<string>();

function removeLive(): void {
  for (const dir of LIVE) rmSync(dir, { recursive: true, force: true });
  LIVE.clear();
}

/** A new empty scratch folder whose name begins with `prefix`; its maker removes it (removeScratch). */
export function scratchFolder(prefix: string): string {
  const dir = mkdtempSync(join(scratchBase(), prefix));
  if (LIVE.size === 0) process.once('exit', removeLive);
  LIVE.add(dir);
  return dir;
}

/** Remove a scratch folder and everything in it. */
export function removeScratch(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  if (LIVE.delete(dir) && LIVE.size === 0) process.off('exit', removeLive);
}
