import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunDb } from '../src/pipeline/db/run-db.js';
import { ROOT } from './source-files.js';
import { cliInProcess } from './support/cli-in-process.js';
import { MINIMAL_JOB_YAML } from './support/job-yaml.js';

/*
 * The files a command writes (`report --out`, `assess --out`, `gameday --junit`, `dataset --out
 * --golden`) and the run database it opens (`--db`), named badly: the database itself, another
 * DuckDB file, a folder no one can write (even root, under /proc), a FIFO, a device, a socket.
 * Each is refused before any work, exit 2, and the file that was there is left whole.
 */

const dir = mkdtempSync(join(tmpdir(), 'batchguard-outputs-'));
const db = join(dir, 'runs.duckdb');
const other = join(dir, 'other.duckdb');
const job = join(dir, 'job', 'job.yaml');
const run = (args: string[]) => cliInProcess(args, dir);

/** DuckDB writes its magic, "DUCK", at byte 8 of every database file. */
const isDuckDb = (path: string) => readFileSync(path).subarray(8, 12).toString('latin1') === 'DUCK';

beforeAll(async () => {
  mkdirSync(join(dir, 'job'));
  writeFileSync(job, MINIMAL_JOB_YAML);
  writeFileSync(join(dir, 'job', 'reviews.csv'), 'id,text\n1,fine\n');
  for (const path of [db, other]) {
    (await RunDb.open(path)).close();
    await RunDb.release(path);
  }
});

describe('an output that names a database', () => {
  it.each([
    ['report --out', ['report', '--db', db, '--out', db]],
    ['assess --out', ['assess', 'run-1', '--db', db, '--out', db]],
    ['report --out (another database)', ['report', '--db', db, '--out', other]],
    ['assess --out (another database)', ['assess', 'run-1', '--db', db, '--out', other]],
    ['dataset --out', ['dataset', 'reviews', '--rows', '5', '--out', db]],
    [
      'dataset --golden',
      ['dataset', 'reviews', '--rows', '5', '--out', join(dir, 'r.csv'), '--golden', other],
    ],
  ])('%s is refused, exit 2, and the database stays whole', async (_, args) => {
    const result = await run(args);
    expect(result.stderr).toMatch(
      /^error: Failed to write --(out|golden) .*: it is (the run database|a DuckDB database)/,
    );
    expect(result.status).toBe(2);
    expect(isDuckDb(db) && isDuckDb(other)).toBe(true);
    expect(existsSync(join(dir, 'r.csv'))).toBe(false);
    expect((await run(['report', '--db', db])).status).toBe(0);
  });

  it('is refused through a symbolic link to the database, and as its write-ahead log', async () => {
    const link = join(dir, 'link.md');
    symlinkSync(db, link);
    for (const out of [link, `${db}.wal`]) {
      const result = await run(['report', '--db', db, '--out', out]);
      expect(result.stderr, out).toContain(`Failed to write --out ${out}: it is the run database`);
      expect(result.status).toBe(2);
    }
    expect(isDuckDb(db)).toBe(true);
    expect(existsSync(`${db}.wal`)).toBe(false);
  });

  it('gameday --junit naming its --db is refused before any drill runs, even when the database is new', async () => {
    const scenarios = join(dir, 'scenarios');
    mkdirSync(scenarios);
    copyFileSync(join(ROOT, 'scenarios', 'baseline.yaml'), join(scenarios, 'baseline.yaml'));
    const fresh = join(dir, 'gameday.duckdb');
    const result = await run(['gameday', '--scenarios', scenarios, '--db', fresh, '--junit', fresh]);
    expect(result.stderr).toContain(`Failed to write --junit ${fresh}: it is the run database`);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(existsSync(fresh)).toBe(false);
  });

  it('dataset refuses --golden naming the same file as --out', async () => {
    const out = join(dir, 'same.csv');
    const result = await run(['dataset', 'reviews', '--rows', '5', '--out', out, '--golden', out]);
    expect(result.stderr).toContain(`Failed to write --golden ${out}: it is also --out.`);
    expect(result.status).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
});

describe('an output that already exists', () => {
  it('is replaced whole, through a symbolic link to it, leaving nothing beside it', async () => {
    const folder = join(dir, 'replace');
    mkdirSync(folder);
    const target = join(folder, 'report.md');
    writeFileSync(target, 'old\n');
    symlinkSync(target, join(folder, 'latest.md'));
    const result = await run(['report', '--db', db, '--format', 'md', '--out', join(folder, 'latest.md')]);
    expect(result.status).toBe(0);
    expect(readFileSync(target, 'utf8')).toMatch(/^\| run \| job \|/);
    expect(readdirSync(folder).sort()).toEqual(['latest.md', 'report.md']);
  });

  it('is left as it was when the command fails after its checks (assess of an unknown run)', async () => {
    const ids = join(dir, 'ids.txt');
    writeFileSync(ids, 'kept\n');
    const result = await run(['assess', 'run-none', '--db', db, '--out', ids]);
    expect(result.status).toBe(2);
    expect(readFileSync(ids, 'utf8')).toBe('kept\n');
    expect(readdirSync(dir).filter((name) => name.includes('partial'))).toEqual([]);
  });
});

// /proc refuses new files even to root, for whom access(W_OK) always says yes.
describe.runIf(existsSync('/proc/self'))('a folder no one can write (/proc)', () => {
  it.each([
    ['report --out', ['report', '--db', db, '--out', '/proc/batchguard-report.md'], '--out'],
    ['assess --out', ['assess', 'run-1', '--db', db, '--out', '/proc/ids.txt'], '--out'],
    ['dataset --out', ['dataset', 'reviews', '--rows', '5', '--out', '/proc/reviews.csv'], '--out'],
  ])('%s is refused, exit 2, before any work', async (_, args, flag) => {
    const result = await run(args);
    expect(result.stderr).toMatch(
      new RegExp(`^error: Failed to write ${flag} /proc/\\S+: its folder /proc is not writable`),
    );
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
  });

  it('gameday --junit is refused before any drill runs', async () => {
    const result = await run(['gameday', '--db', join(dir, 'gd.duckdb'), '--junit', '/proc/junit.xml']);
    expect(result.stderr).toMatch(
      /^error: Failed to write --junit \/proc\/junit.xml: its folder \/proc is not writable/,
    );
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(existsSync(join(dir, 'gd.duckdb'))).toBe(false);
  });

  it('run --db under /proc is refused, exit 2', async () => {
    const result = await run(['run', job, '--db', '/proc/runs.duckdb']);
    expect(result.stderr).toMatch(
      /^error: Failed to open run database \/proc\/runs.duckdb: its folder \/proc is not writable/,
    );
    expect(result.status).toBe(2);
  });
});

describe('a --db or an output that is not a regular file', () => {
  let socket: Server;
  const fifo = join(dir, 'pipe');
  const sock = join(dir, 'sock');
  beforeAll(async () => {
    execFileSync('mkfifo', [fifo]);
    socket = createServer();
    await new Promise<void>((resolve) => socket.listen(sock, resolve));
  });
  afterAll(() => socket.close());

  it.each([
    ['a FIFO', () => fifo, 'a named pipe (FIFO)'],
    ['a character device', () => '/dev/zero', 'a character device'],
    ['a socket', () => sock, 'a socket'],
  ])('--db naming %s is refused at once, exit 2', async (_, path, kind) => {
    for (const command of [['report'], ['run', job]]) {
      const result = await run([...command, '--db', path()]);
      expect(result.stderr).toContain(
        `Failed to open run database ${path()}: it is ${kind}, not a regular file.`,
      );
      expect(result.status).toBe(2);
    }
  });

  it('--out naming a FIFO is refused rather than replaced or waited on', async () => {
    const result = await run(['report', '--db', db, '--out', fifo]);
    expect(result.stderr).toContain(
      `Failed to write --out ${fifo}: it is a named pipe (FIFO), not a regular file.`,
    );
    expect(result.status).toBe(2);
  });
});
