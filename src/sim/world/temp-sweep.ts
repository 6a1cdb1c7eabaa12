import { lstatSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A simulated world keeps its results files in a folder of the temp folder named for the process
 * that owns it, `batchguard-sim-<pid>-XXXXXX`: a process killed where it cannot clean up
 * (SIGKILL, a power cut) leaves its folder behind, and the next one to start can tell it is stale.
 */
export const simFolderPrefix = (pid: number = process.pid): string => `batchguard-sim-${pid}-`;

const SIM_FOLDER = /^batchguard-sim-(\d+)-[A-Za-z0-9]{6}$/;

/** Whether process `pid` is alive (one of another user's answers EPERM: alive too). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove the results folders in `root` whose owning process is gone; returns their names.
 * A live process's folder is never touched (nor, when its pid was reused, a dead one's: a
 * folder left is safer than a live world's files removed), nor anything named otherwise.
 */
export function sweepStaleSimFolders(root: string, alive: (pid: number) => boolean = processAlive): string[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const swept: string[] = [];
  for (const name of names) {
    const pid = Number(SIM_FOLDER.exec(name)?.[1] ?? 0);
    if (pid <= 0 || pid === process.pid || alive(pid)) continue;
    const path = join(root, name);
    try {
      if (!lstatSync(path).isDirectory()) continue;
      rmSync(path, { recursive: true, force: true });
      swept.push(name);
    } catch {
      // Removed by another process sweeping at the same moment, or not ours to remove: leave it.
    }
  }
  return swept;
}
