import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasRoom, scratchRoot } from './support/scratch-env.js';

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

  it('is where every test of this run makes its files', () => {
    const root = process.env.BATCHGUARD_SCRATCH;
    expect(root).toMatch(/batchguard-tests-/);
    expect(tmpdir()).toBe(root);
  });
});
