import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './source-files.js';
import { BIN } from './support/serve-process.js';

/*
 * A simulated run keeps its results files in a `batchguard-sim-<pid>-…` folder of the temp
 * folder. Stopped by Ctrl-C or SIGTERM, the binary removes it and exits with the shell's code
 * for the signal (130, 143). Each run here has a temp folder of its own, to look into.
 */

const simFolders = (dir: string) => readdirSync(dir).filter((name) => name.startsWith('batchguard-sim-'));

/** A simulated run of the example job, stopped by `signal` as soon as its results folder exists. */
async function interruptedRun(signal: NodeJS.Signals) {
  const dir = mkdtempSync(join(tmpdir(), 'batchguard-signals-'));
  const temp = join(dir, 'tmp');
  mkdirSync(temp);
  cpSync(join(ROOT, 'examples', 'reviews'), join(dir, 'job'), { recursive: true });
  const child = spawn(process.execPath, [BIN, 'run', 'job/job.yaml', '--db', 'runs.duckdb'], {
    cwd: dir,
    env: { ...process.env, TMPDIR: temp },
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let seen: string[] = [];
  for (let waited = 0; seen.length === 0; waited += 20) {
    if (child.exitCode !== null || waited > 20_000)
      throw new Error('the run ended before its folder was seen');
    await new Promise((resolve) => setTimeout(resolve, 20));
    seen = simFolders(temp);
  }
  child.kill(signal);
  return { code: await exited, seen, pid: child.pid, left: simFolders(temp) };
}

/**
 * A game day stopped while drills are in flight, by `stop` (given the child), once a drill's
 * scratch folder exists: what is left in its temp folder.
 */
async function interruptedGameday(stop: (child: ReturnType<typeof spawn>) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'batchguard-signals-'));
  const temp = join(dir, 'tmp');
  mkdirSync(temp);
  const child = spawn(process.execPath, [BIN, 'gameday', '--db', 'gd.duckdb'], {
    cwd: dir,
    env: { ...process.env, TMPDIR: temp, CI: 'true' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const drillFolders = () => readdirSync(temp).filter((name) => name.startsWith('batchguard-drill-'));
  for (let waited = 0; drillFolders().length === 0; waited += 20) {
    if (child.exitCode !== null || waited > 20_000)
      throw new Error('the game day ended before a drill began');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  stop(child);
  // (tsx keeps its cache in the temp folder too.)
  return { code: await exited, left: readdirSync(temp).filter((name) => name.startsWith('batchguard-')) };
}

describe('a game day stopped with drills in flight', () => {
  // Its drills keep their files in scratch folders (on /dev/shm, memory, where it has room):
  // stopped, it must not leave them behind, whatever ends it.
  it('removes their scratch folders on Ctrl-C, and when its reader closes the pipe (gameday | head)', async () => {
    const [interrupted, piped] = await Promise.all([
      interruptedGameday((child) => child.kill('SIGINT')),
      interruptedGameday((child) => child.stdout?.destroy()),
    ]);
    expect([interrupted.code, piped.code]).toEqual([130, 0]);
    expect([interrupted.left, piped.left]).toEqual([[], []]);
  }, 60_000);
});

describe('a simulated run stopped by a signal', () => {
  // The two runs go side by side: each costs a process and a canary (seconds).
  it('removes its results folder and exits 130 on Ctrl-C (SIGINT), 143 on SIGTERM', async () => {
    const runs = await Promise.all([interruptedRun('SIGINT'), interruptedRun('SIGTERM')]);
    for (const run of runs)
      expect(run.seen).toEqual([expect.stringMatching(new RegExp(`^batchguard-sim-${run.pid}-`))]);
    expect(runs.map((run) => run.code)).toEqual([130, 143]);
    expect(runs.map((run) => run.left)).toEqual([[], []]);
  }, 60_000);
});
