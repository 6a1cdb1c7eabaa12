import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { USAGE } from '../src/cli/usage.js';
import { cliInProcess } from './support/cli-in-process.js';
import { jobFolder } from './support/pipeline-harness.js';

/*
 * A typo in a command, an option, an enumerated value or a job's or scenario's enumerated field
 * is answered with what was probably meant and the valid list: exit 2, nothing printed on stdout,
 * nothing written (no database, no output file) in the folder the command ran in.
 */
async function refused(args: string[], dir = jobFolder(20).dir) {
  const before = readdirSync(dir).sort();
  const result = await cliInProcess(args, dir);
  expect(result.status, args.join(' ')).toBe(2);
  expect(result.stdout).toBe('');
  expect(readdirSync(dir).sort(), 'files written').toEqual(before);
  return result.stderr;
}

describe('batchguard suggests what a typo meant, exit 2, writing nothing', () => {
  it('names the command a misspelt one is closest to', async () => {
    const stderr = await refused(['gamday', '--db', 'runs.duckdb']);
    expect(stderr.split('\n')[0]).toBe('Unknown command "gamday". Did you mean gameday?');
  });

  it('names the option a misspelt one is closest to, with the command’s usage', async () => {
    expect(await refused(['run', 'job.yaml', '--seeed', '3', '--db', 'runs.duckdb'])).toBe(
      `error: Unknown option '--seeed'. Did you mean --seed? Usage: ${USAGE.run}\n`,
    );
    expect(await refused(['soak', '--runz', '5'])).toBe(
      `error: Unknown option '--runz'. Did you mean --runs? Usage: ${USAGE.soak}\n`,
    );
  });

  it('names the value an enumerated option was meant to take, with the valid values', async () => {
    expect(await refused(['report', '--format', 'mdd', '--db', 'runs.duckdb'])).toBe(
      'error: Invalid --format "mdd": expected one of table, md, json, html, csv. Did you mean --format md?\n',
    );
    expect(
      await refused([
        'export',
        'run-1',
        '--rows',
        'promted',
        '--format',
        'csv',
        '--out',
        'x.csv',
        '--db',
        'runs.duckdb',
      ]),
    ).toBe(
      'error: Invalid --rows "promted": expected one of promoted, quarantined, dead_lettered, held, all. Did you mean --rows promoted?\n',
    );
  });

  it('refuses a --seed that is not a whole number from 0 to the largest safe integer, for every command alike', async () => {
    for (const args of [
      ['run', 'job.yaml', '--seed=-1', '--db', 'runs.duckdb'],
      ['drill', 'x.yaml', '--seed', '1.5', '--db', 'runs.duckdb'],
      ['gameday', '--seed', 'abc', '--db', 'runs.duckdb'],
    ])
      expect(await refused(args)).toMatch(
        /^error: Invalid --seed "[^"]+": expected a whole number from 0 to 9007199254740991\. Pass --seed N, for example --seed 1\.\n$/,
      );
  });

  it('names the failure mode a scenario misspelt, with the valid ones, before any drill or database', async () => {
    const { dir } = jobFolder(20);
    const scenario = readFileSync('scenarios/silent-partial-drop.yaml', 'utf8');
    expect(scenario).toMatch(/^failure_mode: silent_partial_drop$/m);
    writeFileSync(
      join(dir, 'typo.yaml'),
      scenario.replace(/^failure_mode: .*$/m, 'failure_mode: silent_partial_drp'),
    );
    const stderr = await refused(['drill', 'typo.yaml', '--db', 'runs.duckdb'], dir);
    expect(stderr).toContain(
      '  - failure_mode: "silent_partial_drp" is not valid: did you mean silent_partial_drop? valid values: none, silent_partial_drop, ',
    );
    expect(stderr).toContain(', prompt_injection, or a list of them');
    expect(stderr).not.toContain('Invalid input');
    expect(existsSync(join(dir, 'runs.duckdb'))).toBe(false);
  });

  it('names the value a job file misspelt, with the valid ones, before any run', async () => {
    const { dir } = jobFolder(20);
    const job = readFileSync(join(dir, 'job.yaml'), 'utf8');
    writeFileSync(
      join(dir, 'job.yaml'),
      job.replace('source: reviews.csv', 'source:\n  path: reviews.csv\n  format: parket'),
    );
    const stderr = await refused(['run', 'job.yaml', '--db', 'runs.duckdb'], dir);
    expect(stderr).toContain(
      '  - source.format: "parket" is not valid: did you mean parquet? valid values: csv, jsonl, ndjson, parquet',
    );
  });
});
