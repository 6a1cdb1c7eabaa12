import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchEnv } from './support/scratch-env.js';

describe('scratchEnv', () => {
  it('names a folder with room as TMPDIR, and nothing for one that is not there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'batchguard-scratch-'));
    try {
      // This machine's temporary folder has well over a gigabyte free.
      expect(scratchEnv(dir)).toEqual({ TMPDIR: dir });
      expect(scratchEnv(join(dir, 'missing'))).toEqual({});
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is what the tests run with', () => {
    const expected = scratchEnv().TMPDIR;
    if (expected !== undefined) expect(tmpdir()).toBe(expected);
  });
});
