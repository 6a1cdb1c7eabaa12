import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasRoom, scratchEnv, scratchRoot } from './support/scratch-env.js';

describe('the tests’ scratch folder', () => {
  it('is a new folder in the first candidate with room, or in the temporary folder', () => {
    const parent = mkdtempSync(join(tmpdir(), 'batchguard-scratch-'));
    try {
      // This run's temporary folder has well over a gigabyte free; a missing folder has none.
      expect([hasRoom(parent), hasRoom(join(parent, 'missing'))]).toEqual([true, false]);
      const root = scratchRoot([join(parent, 'missing'), parent]);
      expect(dirname(root)).toBe(parent);
      expect(existsSync(root)).toBe(true);
      expect(scratchRoot([join(parent, 'missing')]).startsWith(tmpdir())).toBe(true);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('is made once per process however often the config asks, and never taken over from another process', () => {
    const saved = { root: process.env.BATCHGUARD_SCRATCH, pid: process.env.BATCHGUARD_SCRATCH_PID };
    let made: string | undefined;
    try {
      // This worker inherited the run's root from the process that made it: a root of its own.
      made = scratchEnv().BATCHGUARD_SCRATCH;
      expect(made).toMatch(/batchguard-tests-/);
      expect(made).not.toBe(saved.root);
      // Asked again in this process: the same root, no second folder.
      expect(scratchEnv().BATCHGUARD_SCRATCH).toBe(made);
    } finally {
      if (made) rmSync(made, { recursive: true, force: true });
      for (const [name, value] of [
        ['BATCHGUARD_SCRATCH', saved.root],
        ['BATCHGUARD_SCRATCH_PID', saved.pid],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('is where every test of this run makes its files', () => {
    const root = process.env.BATCHGUARD_SCRATCH;
    expect(root).toMatch(/batchguard-tests-/);
    expect(tmpdir()).toBe(root);
  });
});
