import { rmSync } from 'node:fs';

/*
 * Folders this process made and has not removed yet (drills' scratch folders, a simulated world's
 * results folder), removed as the process exits. A command stopped by Ctrl-C or by a reader that
 * closed the pipe (`gameday | head`) ends through process.exit with work in flight, whose own
 * clean-up never runs; a folder left on /dev/shm holds memory until the machine restarts. A
 * process killed outright (SIGKILL) leaves its folders, as a crash must. The exit hook is there
 * only while some folder is.
 */

const LIVE = new Set<string>();

function removeLive(): void {
  for (const dir of LIVE) rmSync(dir, { recursive: true, force: true });
  LIVE.clear();
}

/** Remove `dir` as the process exits, unless removeFolder removed it first; returns `dir`. */
export function removeAtExit(dir: string): string {
  if (LIVE.size === 0) process.once('exit', removeLive);
  LIVE.add(dir);
  return dir;
}

/** Remove a folder and everything in it, now. */
export function removeFolder(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  if (LIVE.delete(dir) && LIVE.size === 0) process.off('exit', removeLive);
}
