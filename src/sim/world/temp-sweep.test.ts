import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ResultsFolder } from './results-file.js';
import { processAlive, sweepStaleSimFolders } from './temp-sweep.js';

/** The pid of a process that has ended (a pid is not reused within a test's milliseconds). */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid;

function folderWith(names: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'batchguard-sweep-'));
  for (const name of names) mkdirSync(join(root, name));
  return root;
}

describe('sweeping the results folders left by simulated worlds that died', () => {
  it('removes the folders of dead processes and only those', () => {
    const dead = deadPid();
    expect(processAlive(dead)).toBe(false);
    expect(processAlive(process.ppid)).toBe(true);
    const root = folderWith([
      `batchguard-sim-${dead}-AbC123`, // its process is gone
      `batchguard-sim-${process.ppid}-xYz789`, // a live process's
      `batchguard-sim-${process.pid}-QwErTy`, // this process's own
      'batchguard-sim-Legacy', // named before folders carried their pid: cannot tell
      'batchguard-simulator',
    ]);
    writeFileSync(join(root, `batchguard-sim-${dead}-NotDir`), 'a file, not a folder');
    expect(sweepStaleSimFolders(root)).toEqual([`batchguard-sim-${dead}-AbC123`]);
    expect(readdirSync(root).sort()).toEqual(
      [
        `batchguard-sim-${dead}-NotDir`,
        `batchguard-sim-${process.ppid}-xYz789`,
        `batchguard-sim-${process.pid}-QwErTy`,
        'batchguard-sim-Legacy',
        'batchguard-simulator',
      ].sort(),
    );
  });

  it('asks about every pid it finds, and keeps every folder whose process is alive', () => {
    const root = folderWith([
      'batchguard-sim-101-aaaaaa',
      'batchguard-sim-202-bbbbbb',
      'batchguard-sim-303-cccccc',
    ]);
    const asked: number[] = [];
    const swept = sweepStaleSimFolders(root, (pid) => {
      asked.push(pid);
      return pid !== 202;
    });
    expect(asked.sort()).toEqual([101, 202, 303]);
    expect(swept).toEqual(['batchguard-sim-202-bbbbbb']);
    expect(readdirSync(root).sort()).toEqual(['batchguard-sim-101-aaaaaa', 'batchguard-sim-303-cccccc']);
  });

  it('is done by the first results folder a process makes, which is named for its pid', () => {
    const stale = `batchguard-sim-${deadPid()}-ZZZZZZ`;
    const root = folderWith([stale]);
    const folder = new ResultsFolder(root);
    const file = folder.fileFor('msgbatch_1');
    expect(existsSync(join(root, stale))).toBe(false);
    expect(dirname(file)).toBe(join(root, readdirSync(root)[0]!));
    expect(basename(dirname(file))).toMatch(new RegExp(`^batchguard-sim-${process.pid}-[A-Za-z0-9]{6}$`));
    folder.dispose();
    expect(readdirSync(root)).toEqual([]);
  });
});
