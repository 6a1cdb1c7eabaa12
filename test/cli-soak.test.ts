import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { RunDb } from '../src/pipeline/db/run-db.js';
import { cli, cliInProcess } from './support/cli-in-process.js';
import type { Switches } from './support/control-breaks.js';
import { BIN } from './support/serve-process.js';

/*
 * `batchguard soak`, as a person runs it: many seeded runs of the real pipeline with random fault
 * mixes over worker processes, every invariant checked, a summary, failures with the command that
 * replays them, all stored in the soak database; Ctrl-C stops it with the summary of what finished.
 */

// To see a failure honestly, one control is broken for the runs made in this process (the soak's
// in-process runner, --workers 0): promote writes its before-images, then they are lost, so a
// rollback cannot put back the rows a run overwrote. Worker processes load the real module.
const broken = vi.hoisted(() => ({}) as Switches);
vi.mock('../src/pipeline/run/promote.js', async (original) =>
  (await import('./support/control-breaks.js')).promote(await original(), broken),
);

interface RunJson {
  seed: number;
  faults: string[];
  crash: string | null;
  status: string;
  fired_by_family: Record<string, number>;
  alarms_by_kind: Record<string, number>;
  failures: string[];
  ms: number;
}

const folder = () => mkdtempSync(join(tmpdir(), 'batchguard-soak-test-'));
const withoutTime = ({ ms: _, ...run }: RunJson) => run;
const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/** Add up one count field of every run, by name. */
function total(runs: RunJson[], field: 'fired_by_family' | 'alarms_by_kind'): Record<string, number> {
  const out: Record<string, number> = {};
  for (const run of runs) for (const [k, n] of Object.entries(run[field])) out[k] = (out[k] ?? 0) + n;
  return out;
}

/** Rows of the soak database at `path`, read after its soak's process has let go of it. */
async function query<T>(path: string, sql: string): Promise<T[]> {
  const db = await RunDb.open(path);
  try {
    return await db.all<T>(sql);
  } finally {
    db.close();
    await RunDb.release(path);
  }
}

describe('batchguard soak', () => {
  it('runs seeded runs over two workers, and its summary adds up, in --json and in words alike', async () => {
    const dir = folder();
    const json = cli(['soak', '--runs', '6', '--workers', '2', '--seed', '1000', '--json'], dir);
    expect(json.status, json.stderr).toBe(0);
    expect(json.stderr).toMatch(/^\[soak\] 6 runs of the shipped example job, seed 1000/);
    expect(json.stderr).toMatch(/\[soak\] \d\/6 runs, 0 failed/);
    const soak = JSON.parse(json.stdout);
    const runs: RunJson[] = soak.runs;
    expect(runs.map((r) => r.seed)).toEqual([1000, 1001, 1002, 1003, 1004, 1005]);
    expect(soak).toMatchObject({
      runs_requested: 6,
      runs_done: 6,
      interrupted: false,
      workers: 2,
      failures: [],
    });
    expect(sum(soak.statuses)).toBe(6);
    expect(soak.fired_by_family).toEqual(total(runs, 'fired_by_family'));
    expect(soak.alarms_by_kind).toEqual(total(runs, 'alarms_by_kind'));
    // Faults really fired: evidence from the world, not the fault list.
    expect(sum(soak.fired_by_family)).toBeGreaterThan(0);
    expect(await query(join(dir, 'soak.duckdb'), 'SELECT count(*)::INTEGER AS n FROM soak_runs')).toEqual([
      { n: 6 },
    ]);

    // The same seed in words, in another folder and in this very process: the same runs, so the
    // seed alone decides them, not the workers or the order they took them in.
    const words = await cliInProcess(['soak', '--runs', '6', '--workers', '0', '--seed', '1000'], folder());
    expect(words.status, words.stderr).toBe(0);
    const out = words.stdout;
    expect(out).toMatch(/\[soak\] 1\/6 runs, 0 failed, .* elapsed, about .* left/);
    expect(out).toContain(`[soak] 6 of 6 runs in `);
    const ended = Object.entries(soak.statuses as Record<string, number>)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([status, n]) => `${status} ${n}`)
      .join(', ');
    expect(out).toContain(`  ended: ${ended}\n`);
    for (const [family, n] of Object.entries(soak.fired_by_family))
      expect(out).toContain(`${family} ${n} (in `);
    expect(out).toContain('  invariant failures: none');
    expect(out).toMatch(/stored as soak-0001 in .*soak\.duckdb/);

    // `--runs 1 --seed X` is run X of the bigger soak, exactly.
    const one = await cliInProcess(['soak', '--runs', '1', '--seed', '1003', '--json'], folder());
    expect(one.status, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout).runs.map(withoutTime)).toEqual([withoutTime(runs[3]!)]);
    // About 15 s on an idle machine; the bound leaves room for one shared with other work.
  }, 120_000);

  it('prints a failed invariant with its run seed and replay command, and stores it', async () => {
    const dir = folder();
    broken.beforeImages = true;
    try {
      const soak = await cliInProcess(['soak', '--runs', '4', '--seed', '1000', '--workers', '0'], dir);
      expect(soak.status, soak.stderr).toBe(1);
      // Seeds 1001 and 1003 promote over rows that were in the sink before them.
      for (const seed of [1001, 1003]) {
        expect(soak.stdout).toContain(`FAIL run seed ${seed} (promoted;`);
        expect(soak.stdout).toContain(`    replay: npx batchguard soak --seed ${seed} --runs 1\n`);
      }
      expect(soak.stdout).toMatch(
        / {4}rollback: after the rollback the sink differs from before the run in \d+ rows/,
      );
      expect(soak.stdout).toContain('  invariant failures: 2 of 4 runs');
      const stored = await query<{ run_seed: number; replay: string; failures_json: string }>(
        join(dir, 'soak.duckdb'),
        'SELECT run_seed::INTEGER AS run_seed, replay, failures_json FROM soak_failures',
      );
      expect(stored.map((f) => [f.run_seed, f.replay])).toEqual([
        [1001, 'npx batchguard soak --seed 1001 --runs 1'],
        [1003, 'npx batchguard soak --seed 1003 --runs 1'],
      ]);
      expect(JSON.parse(stored[0]!.failures_json)).toEqual([expect.stringMatching(/^rollback: /)]);

      // The replay line replays it: that run alone fails the same way.
      const replay = await cliInProcess(
        ['soak', '--seed', '1001', '--runs', '1', '--workers', '0', '--json'],
        dir,
      );
      expect(replay.status).toBe(1);
      expect(JSON.parse(replay.stdout).failures[0].failures).toEqual(JSON.parse(stored[0]!.failures_json));
    } finally {
      broken.beforeImages = false;
    }
  }, 60_000);

  it('stops on Ctrl-C: no new runs, the summary of those that finished, stored, exit 130', async () => {
    const dir = folder();
    const child = spawn(process.execPath, [BIN, 'soak', '--runs', '200', '--workers', '2', '--seed', '7'], {
      cwd: dir,
    });
    let out = '';
    let interrupted = false;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      // Once: a second Ctrl-C ends the process at once, summary or not (bin/batchguard.js).
      if (/\[soak\] 1\/200 runs/.test(out) && !interrupted) interrupted = child.kill('SIGINT');
    });
    // 'close', not 'exit': the summary may still be in the pipe when the process has exited.
    const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
    expect(code, out).toBe(130);
    const done = Number(/\[soak\] interrupted: (\d+) of 200 runs/.exec(out)?.[1]);
    expect(done, out).toBeGreaterThanOrEqual(1);
    expect(done).toBeLessThan(200);
    const [soak] = await query<{ state: string; runs_done: number; stored: number }>(
      join(dir, 'soak.duckdb'),
      "SELECT state, runs_done, (SELECT count(*)::INTEGER FROM soak_runs) AS stored FROM soaks WHERE soak_id = 'soak-0001'",
    );
    expect(soak).toEqual({ state: 'interrupted', runs_done: done, stored: done });
  }, 60_000);

  it('refuses bad input with exit 2, naming what is wrong, and writes nothing', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'bad.yaml'), 'name: [unclosed\n');
    const cases: [string[], RegExp][] = [
      [['--runs', '0'], /Invalid --runs "0": expected a whole number from 1/],
      [['--workers', 'abc'], /Invalid --workers "abc"/],
      [['--job', 'bad.yaml'], /bad\.yaml/],
      [['--job', 'missing.yaml'], /missing\.yaml/],
      [['extra'], /unexpected argument "extra"/],
    ];
    for (const [args, message] of cases) {
      const result = await cliInProcess(['soak', ...args], dir);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
    }
    expect(existsSync(join(dir, 'soak.duckdb'))).toBe(false);
  });
});
