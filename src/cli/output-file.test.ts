import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.js';
import { assessCommand } from './assess-command.js';
import { gamedayCommand } from './gameday-command.js';
import { capturingIo } from './io.js';
import { checkOutputPath, StagedOutput, writeWhole } from './output-file.js';
import { reportCommand } from './report-command.js';

const dir = mkdtempSync(join(tmpdir(), 'batchguard-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('files a command was asked to write', () => {
  it('refuses a path in a missing folder, a folder, or a folder it cannot write, naming the flag', () => {
    mkdirSync(join(dir, 'a-folder'));
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    const cases: [string, string][] = [
      [join(dir, 'missing', 'x.xml'), `its folder ${join(dir, 'missing')} does not exist`],
      [join(dir, 'a-folder'), 'it is a folder'],
    ];
    // root may write anywhere: the read-only folder is a case only for other users.
    if (process.getuid?.() !== 0)
      cases.push([join(locked, 'x.xml'), `its folder ${locked} is not writable (EACCES)`]);
    for (const [path, problem] of cases) {
      const error = (() => {
        try {
          checkOutputPath('--junit', path);
        } catch (e) {
          return e;
        }
      })();
      expect(error, path).toBeInstanceOf(UsageError);
      expect((error as Error).message).toBe(`Failed to write --junit ${path}: ${problem}.`);
    }
    expect(() => checkOutputPath('--junit', join(dir, 'fine.xml'))).not.toThrow();
  });

  it('writes a file whole, leaving nothing beside it', () => {
    const path = join(dir, 'whole.txt');
    writeWhole(path, 'text\n');
    expect(readFileSync(path, 'utf8')).toBe('text\n');
    expect(readdirSync(dir).filter((name) => name.includes('.partial'))).toEqual([]);
  });

  it('replaces a file only once its replacement is whole: a write that fails leaves the old file as it was', () => {
    const path = join(dir, 'ids.txt');
    writeFileSync(path, 'old\n');
    const out = StagedOutput.open(path, '--out');
    out.write('new 1\n');
    expect(readFileSync(path, 'utf8')).toBe('old\n');
    out.discard(); // what a command does when it fails half-way
    expect(readFileSync(path, 'utf8')).toBe('old\n');
    const next = StagedOutput.open(path, '--out');
    next.write('new 1\n');
    next.write('new 2\n');
    next.commit();
    next.discard(); // after a commit, nothing to do
    expect(readFileSync(path, 'utf8')).toBe('new 1\nnew 2\n');
    expect(readdirSync(dir).filter((name) => name.includes('.partial'))).toEqual([]);
  });

  it('never replaces a file in its way while staging: a file named like a stage is left alone', () => {
    const path = join(dir, 'report.md');
    writeFileSync(`${path}.partial`, 'mine\n');
    writeWhole(path, 'report\n');
    expect(readFileSync(`${path}.partial`, 'utf8')).toBe('mine\n');
    expect(readFileSync(path, 'utf8')).toBe('report\n');
  });

  it('checks again as it writes: a DuckDB database that appeared at the path since is not replaced', () => {
    const path = join(dir, 'late.duckdb');
    const duck = Buffer.concat([Buffer.alloc(8), Buffer.from('DUCK'), Buffer.alloc(16)]);
    writeFileSync(path, duck);
    expect(() => writeWhole(path, 'junit', '--junit')).toThrow(
      `Failed to write --junit ${path}: it is a DuckDB database.`,
    );
    expect(readFileSync(path)).toEqual(duck);
  });

  it.each([
    ['gameday', () => gamedayCommand(['--junit', join(dir, 'missing', 'junit.xml')], capturingIo(lines))],
    [
      'report',
      () =>
        reportCommand(
          ['--db', join(dir, 'none.duckdb'), '--out', join(dir, 'missing', 'r.md')],
          capturingIo(lines),
        ),
    ],
    [
      'assess',
      () =>
        assessCommand(
          ['run-1', '--db', join(dir, 'none.duckdb'), '--out', join(dir, 'missing', 'ids.txt')],
          capturingIo(lines),
        ),
    ],
  ])('%s refuses an unwritable output before doing anything', async (_, command) => {
    lines.length = 0;
    await expect(command()).rejects.toMatchObject({ code: 'bad_output' });
    expect(lines).toEqual([]); // no drill ran, no database was read
    expect(existsSync(join(dir, 'none.duckdb'))).toBe(false);
  });
});

const lines: string[] = [];
