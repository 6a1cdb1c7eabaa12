import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * In a fresh process, whose only folders are the script's: the hook is there while a folder is,
 * gone with the last one removed, and what is left at process.exit is removed.
 */

const MODULE = fileURLToPath(new URL('./exit-cleanup.ts', import.meta.url));

describe('folders removed as the process exits', () => {
  it('are removed by removeFolder, or at exit, with one hook while any is left', () => {
    const parent = mkdtempSync(join(tmpdir(), 'batchguard-exit-cleanup-'));
    try {
      const script = `
        import { mkdirSync } from 'node:fs';
        import { removeAtExit, removeFolder } from ${JSON.stringify(MODULE)};
        const hooks = () => process.listenerCount('exit');
        const counts = [hooks()];
        const made = (name) => { const dir = ${JSON.stringify(parent)} + '/' + name; mkdirSync(dir); return removeAtExit(dir); };
        const a = made('a');
        const b = made('b');
        counts.push(hooks());
        removeFolder(a);
        counts.push(hooks());
        removeFolder(b);
        counts.push(hooks());
        made('left');
        counts.push(hooks());
        console.log(JSON.stringify(counts));
        process.exit(0);`;
      const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        encoding: 'utf8',
      });
      expect(child.status, child.stderr).toBe(0);
      const [before, ...counts] = JSON.parse(child.stdout) as number[];
      expect(counts).toEqual([before! + 1, before! + 1, before!, before! + 1]);
      expect([existsSync(join(parent, 'a')), readdirSync(parent)]).toEqual([false, []]);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
