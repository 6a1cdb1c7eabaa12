import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchEnv, scratchRoot } from './support/scratch-env.js';
import { withEnv } from './support/with-env.js';

describe('the tests’ scratch folder', () => {
  it('is a new folder where drills keep theirs: the first candidate with room, unless TMPDIR names one', () => {
    const parent = mkdtempSync(join(tmpdir(), 'batchguard-scratch-'));
    try {
      const root = scratchRoot([join(parent, 'missing'), parent], {});
      expect(dirname(root)).toBe(parent);
      expect(existsSync(root)).toBe(true);
      expect(dirname(scratchRoot([parent], { TMPDIR: tmpdir() }))).toBe(tmpdir());
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('is made once per process however often the config asks, and never taken over from another process', async () => {
    // Whatever scratchEnv sets is put back as it was: this worker's root stays the run's.
    await withEnv(
      {
        BATCHGUARD_SCRATCH: process.env.BATCHGUARD_SCRATCH,
        BATCHGUARD_SCRATCH_PID: process.env.BATCHGUARD_SCRATCH_PID,
      },
      () => {
        const inherited = process.env.BATCHGUARD_SCRATCH;
        // This worker inherited the run's root from the process that made it: a root of its own.
        const made = scratchEnv().BATCHGUARD_SCRATCH;
        try {
          expect(made).toMatch(/batchguard-tests-/);
          expect(made).not.toBe(inherited);
          // Asked again in this process: the same root, no second folder.
          expect(scratchEnv().BATCHGUARD_SCRATCH).toBe(made);
        } finally {
          if (made) rmSync(made, { recursive: true, force: true });
        }
      },
    );
  });

  it('is where every test of this run makes its files', () => {
    const root = process.env.BATCHGUARD_SCRATCH;
    expect(root).toMatch(/batchguard-tests-/);
    expect(tmpdir()).toBe(root);
  });
});
