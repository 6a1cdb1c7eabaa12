import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasRoom, removeScratch, scratchBase, scratchFolder } from './scratch-folder.js';

describe('the scratch folder of drills, cases and the soak', () => {
  const withParent = (body: (parent: string) => void) => {
    const parent = mkdtempSync(join(tmpdir(), 'batchguard-scratch-'));
    try {
      body(parent);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  };

  it('is the first candidate with a gigabyte free, else the temporary folder', () => {
    withParent((parent) => {
      // This run's temporary folder has well over a gigabyte free; a missing folder has none.
      expect([hasRoom(parent), hasRoom(join(parent, 'missing'))]).toEqual([true, false]);
      expect(scratchBase([join(parent, 'missing'), parent], {})).toBe(parent);
      expect(scratchBase([join(parent, 'missing')], {})).toBe(tmpdir());
    });
  });

  it('is the temporary folder when TMPDIR names one, a choice kept over a faster folder', () => {
    withParent((parent) => {
      expect(scratchBase([parent], { TMPDIR: '/somewhere' })).toBe(tmpdir());
    });
  });

  it('is removed by removeScratch, and until then as the process exits, with one exit hook for all', () => {
    // Other folders of this process (a world a test left undisposed) may hold the hook too, so
    // its removal with the last folder is checked in a fresh process (exit-cleanup.test.ts).
    const hooks = () => process.listeners('exit').filter((hook) => hook.name === 'removeLive').length;
    const a = scratchFolder('batchguard-scratch-test-');
    const b = scratchFolder('batchguard-scratch-test-');
    expect(hooks()).toBe(1);
    removeScratch(a);
    expect([existsSync(a), existsSync(b), hooks()]).toEqual([false, true, 1]);
    removeScratch(b);
    expect(existsSync(b)).toBe(false);
  });

  it('is made new and empty each time', () => {
    const a = scratchFolder('batchguard-scratch-test-');
    const b = scratchFolder('batchguard-scratch-test-');
    try {
      expect(a).not.toBe(b);
      expect(dirname(a)).toBe(scratchBase());
    } finally {
      rmSync(a, { recursive: true, force: true });
      rmSync(b, { recursive: true, force: true });
    }
  });
});
