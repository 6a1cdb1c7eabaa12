import { describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.js';
import { GAMEDAY_PARALLEL } from '../drills/gameday.js';
import { COMMANDS } from './commands.js';
import { parseCommand } from './parse-command.js';
import { USAGE } from './usage.js';

/** The UsageError parseCommand throws for argv, as `error: message hint` would print it. */
function refusal(name: Parameters<typeof parseCommand>[0], argv: string[]): string {
  try {
    parseCommand(name, argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return `${(error as UsageError).message} ${(error as UsageError).hint}`;
  }
  throw new Error(`accepted ${argv.join(' ')}`);
}

describe('parseCommand', () => {
  it('gives a command its values typed and checked, with the table’s defaults', () => {
    expect(parseCommand('soak', ['--runs', '7', '--json', '--seed', '0'])).toEqual({
      values: { job: undefined, runs: 7, workers: undefined, seed: 0, json: true, db: undefined },
      positional: undefined,
    });
    expect(parseCommand('soak', []).values.runs).toBe(100);
    const dataset = parseCommand('dataset', ['reviews', '--injection-rate', '0.25']);
    expect(dataset.positional).toBe('reviews');
    expect(dataset.values).toMatchObject({ rows: 3000, seed: 1, 'golden-rows': 60, 'injection-rate': 0.25 });
    expect(parseCommand('assess', ['run-1', '--batch', 'a', '--batch', 'b']).values.batch).toEqual([
      'a',
      'b',
    ]);
    expect(
      parseCommand('export', ['r', '--rows', 'held', '--format', 'jsonl', '--out', 'x.jsonl']).values,
    ).toEqual({ rows: 'held', format: 'jsonl', out: 'x.jsonl', db: undefined });
  });

  it('takes the game day’s --parallel from 1 to 16, its help naming the default the game day uses', () => {
    expect(parseCommand('gameday', ['--parallel', '3']).values.parallel).toBe(3);
    expect(parseCommand('gameday', []).values.parallel).toBeUndefined();
    expect(refusal('gameday', ['--parallel', '0'])).toMatch(/--parallel/);
    expect(refusal('gameday', ['--parallel', '17'])).toMatch(/--parallel/);
    expect(COMMANDS.gameday.options.parallel.describe).toContain(`default ${GAMEDAY_PARALLEL}`);
  });

  it('checks --seed once for every command: a whole number from 0 to the largest safe integer', () => {
    for (const name of ['run', 'drill', 'gameday', 'serve', 'dataset'] as const) {
      const argv = name === 'run' || name === 'drill' ? ['x.yaml'] : name === 'dataset' ? ['reviews'] : [];
      for (const bad of ['-1', '1.5', 'abc', '', '9007199254740992'])
        expect(refusal(name, [...argv, `--seed=${bad}`]), `${name} ${bad}`).toBe(
          `Invalid --seed "${bad}": expected a whole number from 0 to 9007199254740991. Pass --seed N, for example --seed 1.`,
        );
      expect(parseCommand(name, [...argv, '--seed', '9007199254740991']).values.seed).toBe(
        Number.MAX_SAFE_INTEGER,
      );
    }
    // A soak's run seeds S + i must stay exact: its own, lower bound.
    expect(refusal('soak', ['--seed', String(2 ** 48 + 1)])).toMatch(/from 0 to 281474976710656\./);
  });

  it('wants exactly one argument where the command takes one, and none elsewhere', () => {
    expect(refusal('resume', [])).toBe(`Failed to resume: give exactly one run id. Usage: ${USAGE.resume}`);
    expect(refusal('run', ['a.yaml', 'b.yaml'])).toBe(
      `Failed to run: give exactly one job file (got 2: a.yaml b.yaml). Usage: ${USAGE.run}`,
    );
    expect(refusal('soak', ['extra'])).toBe(
      `Failed to start the soak: unexpected argument "extra". Name a job with --job JOB.yaml. Usage: ${USAGE.soak}`,
    );
    expect(refusal('serve', ['now'])).toBe(
      `Failed to serve: unexpected argument "now". Usage: ${USAGE.serve}`,
    );
    // After `--`, a word that starts with a dash is the argument.
    expect(parseCommand('halt', ['--', '--odd-run']).positional).toBe('--odd-run');
  });

  it('names a required option that is missing (or empty), with what it may be', () => {
    expect(refusal('export', ['r', '--format', 'csv', '--out', 'x.csv'])).toMatch(
      /^Failed to export: --rows is missing; expected one of promoted, quarantined, dead_lettered, held, all\. Pass --rows promoted /,
    );
    expect(refusal('export', ['r', '--rows', 'all', '--format', 'csv', '--out', ''])).toMatch(
      /^Failed to export: --out is missing\. Pass --out FILE \(the file to write/,
    );
  });

  it('suggests the enumerated value, the option and the argument a typo was meant to be, with the valid list', () => {
    expect(refusal('report', ['--format', 'mdd'])).toBe(
      'Invalid --format "mdd": expected one of table, md, json, html, csv. Did you mean --format md?',
    );
    expect(refusal('report', ['--format', 'xml'])).toBe(
      'Invalid --format "xml": expected one of table, md, json, html, csv. Pass --format json, for example.',
    );
    expect(refusal('run', ['job.yaml', '--seeed', '3'])).toBe(
      `Unknown option '--seeed'. Did you mean --seed? Usage: ${USAGE.run}`,
    );
    expect(refusal('run', ['job.yaml', '--jsno'])).toMatch(
      /^Unknown option '--jsno'\. To pass an argument that starts with '-', put it after '--'\. Usage: /,
    );
    expect(refusal('dataset', ['reveiws'])).toBe(
      `Failed to generate dataset "reveiws": the only dataset is "reviews". Did you mean reviews? Usage: ${USAGE.dataset}`,
    );
  });

  it('reports node’s own parse errors on one line with the usage', () => {
    expect(refusal('halt', ['r', '--db'])).toMatch(
      /^Option '--db <value>' argument missing\. Usage: batchguard halt /,
    );
  });
});
