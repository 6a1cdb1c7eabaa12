import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { launchQuestion } from '../src/cli/run-command.js';
import type { CostBreakdown } from '../src/pipeline/run/preflight.js';
import { cli, cliInProcess } from './support/cli-in-process.js';
import { jobFolder, reviews } from './support/pipeline-harness.js';

/*
 * The first test types its commands as a person does, each in its own process through the
 * binary. The refusals run the same `main` in this process: they exercise the checks, not the
 * binary's wiring, and a process each cost about two seconds.
 */
describe('batchguard run, report and rollback, as a person types them', () => {
  it('runs a job in simulation, reports it as the JSON contract, and rolls back chosen ids', async () => {
    const { dir } = jobFolder(reviews(40));
    const run = cli(['run', 'job.yaml', '--seed', '5', '--db', 'runs.duckdb'], dir);
    expect(run.stdout).toMatch(/^seed: 5$/m);
    expect(run.stdout).toContain('coverage 100.0%');
    expect(run.status).toBe(0);

    const report = JSON.parse(cli(['report', '--db', 'runs.duckdb', '--format', 'json'], dir).stdout);
    expect(report.runs).toHaveLength(1);
    const [entry] = report.runs;
    expect(Object.keys(entry).sort()).toEqual([
      'counts',
      'job',
      'metrics',
      'mode',
      'run_id',
      'seed',
      'status',
      'trend',
    ]);
    expect(entry).toMatchObject({ status: 'promoted', mode: 'simulation', seed: 5, trend: null });
    expect(entry.counts).toEqual({ source: 40, promoted: 40, quarantined: 0, dead_lettered: 0, held: 0 });
    expect(Object.keys(entry.metrics).sort()).toEqual(
      ['cost_per_good_row', 'cost_usd', 'coverage', 'escalation_rate', 'golden_score', 'validity'].sort(),
    );
    expect(entry.metrics.coverage).toBe(1);
    expect(entry.metrics.cost_usd).toBeGreaterThan(0);

    const table = cli(['report', '--db', 'runs.duckdb'], dir).stdout.split('\n');
    expect(table[0]).toMatch(/^run +job +status/);
    expect(table[1]).toContain(entry.run_id);

    const tag = entry.run_id.split('-')[2]; // the run's tag ends its custom_ids
    writeFileSync(join(dir, 'ids.txt'), `# two rows\nr_rev-0001_1_${tag}\nrev-0002\n`);
    const rollback = cli(['rollback', entry.run_id, '--ids', 'ids.txt', '--db', 'runs.duckdb'], dir);
    expect(rollback.stdout).toContain('0 restored, 2 removed, 0 left alone');
    expect(rollback.status).toBe(0);
    // The job again at another seed: its report says how each metric moved since the first run.
    const second = await cliInProcess(['run', 'job.yaml', '--seed', '6', '--db', 'runs.duckdb'], dir);
    expect(second.status).toBe(0);
    const again = JSON.parse(cli(['report', '--db', 'runs.duckdb', '--format', 'json'], dir).stdout);
    expect(again.runs[0].status).toBe('partially_rolled_back');
    const [first, latest] = again.runs;
    expect(latest.trend.since).toBe(entry.run_id);
    for (const name of ['coverage', 'validity', 'cost_per_good_row', 'escalation_rate', 'golden_score'])
      expect(latest.trend[name], name).toBeCloseTo(latest.metrics[name] - first.metrics[name], 12);
  });

  it.each([
    [
      'a missing column',
      { template: 'Classify. labels: positive, negative.\n{{review_text}}' },
      'has no column "review_text"',
    ],
    [
      'a placeholder with a typo',
      { template: 'Classify. labels: positive, negative.\n{{txet}}' },
      'has no column "txet" (it has id, sku, text). Did you mean "txet" → "text"?',
    ],
    ['a missing ceiling', { cost_ceiling_usd: null }, 'cost_ceiling_usd: is required'],
    ['a schema that does not compile', { schema: { type: 'nope' } }, 'schema: does not compile'],
    [
      'an unknown model',
      { models: { primary: 'claude-nope-1' } },
      'no price is known for model "claude-nope-1"',
    ],
  ])('refuses %s with exit code 2 before any spend, writing nothing', async (_, overrides, message) => {
    const { dir } = jobFolder(reviews(10));
    // Written by hand: the harness parses its jobs, so it cannot make a bad one.
    const job = { ...YAML.parse(readFileSync(join(dir, 'job.yaml'), 'utf8')), ...overrides };
    for (const [key, value] of Object.entries(job)) if (value === null) delete job[key];
    writeFileSync(join(dir, 'job.yaml'), YAML.stringify(job));
    const result = await cliInProcess(['run', 'job.yaml', '--db', 'runs.duckdb'], dir);
    expect(result.stderr).toContain(message);
    expect(result.status).toBe(2);
    // Refused before anything is printed as a run (no seed line, no log) or a database made.
    expect(result.stdout).toBe('');
    expect(existsSync(join(dir, 'runs.duckdb'))).toBe(false);
  });

  it('shows progress off a terminal: a [progress] line per batch end with its counts, spend and the canary verdict', async () => {
    const { dir } = jobFolder(reviews(200), { poll_interval_seconds: 20 });
    const result = await cliInProcess(['run', 'job.yaml', '--seed', '3', '--db', 'runs.duckdb'], dir);
    expect(result.status).toBe(0);
    const progress = result.stdout.split('\n').filter((line) => line.startsWith('[progress] '));
    expect(progress.length).toBeGreaterThan(1);
    // A poll's first line, then one as the canary's batch ends, all its requests with it.
    expect(progress[0]).toMatch(
      /^\[progress\] canary round 1 · s0001 \d+\/\d+ · spend ≤ \$0\.00 of \$[\d,.]+ · time left not known yet$/,
    );
    expect(progress).toContainEqual(
      expect.stringMatching(
        /^\[progress\] canary round 1 · s0001 (\d+)\/\1 done · spend ≤ \$[\d.]+ of \$[\d,.]+ · batches ended$/,
      ),
    );
    // The main wave's lines name the canary's verdict.
    expect(progress.at(-1)).toMatch(
      /^\[progress\] main round \d+ · .* done · spend ≤ .* · canary released · batches ended$/,
    );
  });

  it('names the endpoint and the worst case before a live launch', () => {
    const breakdown = { rows: 3060, worstCaseUsd: 7.08373, ceilingUsd: 10 } as CostBreakdown;
    expect(launchQuestion(breakdown, 'claude-haiku-4-5', undefined)).toBe(
      'Launch 3,060 requests to claude-haiku-4-5 at https://api.anthropic.com (the real API: this is billed), worst case $7.08 (ceiling $10.00)?',
    );
    expect(launchQuestion(breakdown, 'claude-haiku-4-5', 'http://127.0.0.1:4010')).toBe(
      'Launch 3,060 requests to claude-haiku-4-5 at http://127.0.0.1:4010, worst case $7.08 (ceiling $10.00)?',
    );
  });

  it('refuses duplicate keys with exit code 2, naming them', async () => {
    const rows = reviews(10);
    rows[3] = { ...rows[3]!, id: rows[2]!.id };
    const { dir } = jobFolder(rows);
    const result = await cliInProcess(['run', 'job.yaml', '--db', 'runs.duckdb'], dir);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      `key column "id" must be unique and non-empty; found "${rows[2]!.id}" ×2`,
    );
  });

  it('reports a database that does not exist as bad input rather than creating one', async () => {
    const { dir } = jobFolder(reviews(2));
    const result = await cliInProcess(['report', '--db', 'nowhere.duckdb'], dir);
    expect(result.status).toBe(2);
    expect(existsSync(join(dir, 'nowhere.duckdb'))).toBe(false);
  });

  it('refuses a --db in a missing folder, a folder, or a file that is not a database, with exit code 2', async () => {
    const { dir } = jobFolder(reviews(2));
    mkdirSync(join(dir, 'a-folder'));
    writeFileSync(join(dir, 'notes.duckdb'), 'not a database\n');
    for (const [db, problem] of [
      ['missing/runs.duckdb', `its folder ${join(dir, 'missing')} does not exist`],
      ['a-folder', 'it is a folder'],
      ['notes.duckdb', 'is not a valid DuckDB database file'],
    ] as const) {
      const result = await cliInProcess(['run', 'job.yaml', '--db', db], dir);
      expect(result.status, db).toBe(2);
      expect(result.stderr).toContain(`error: Failed to open run database ${join(dir, db)}: `);
      expect(result.stderr).toContain(problem);
      expect(result.stderr).toContain('Pass --db the file `batchguard run` wrote');
    }
    expect(existsSync(join(dir, 'missing'))).toBe(false);
    expect(readFileSync(join(dir, 'notes.duckdb'), 'utf8')).toBe('not a database\n'); // left as it was
  });

  it('refuses a BATCHGUARD_DUCKDB_THREADS or _MEMORY that is not a count or an amount, printing nothing else and making no file', async () => {
    const { dir } = jobFolder(reviews(2));
    for (const [name, value] of [
      ['BATCHGUARD_DUCKDB_THREADS', 'many'],
      ['BATCHGUARD_DUCKDB_MEMORY', 'lots'],
    ] as const) {
      const result = await cliInProcess(['run', 'job.yaml', '--db', 'runs.duckdb'], dir, { [name]: value });
      expect(result.status, name).toBe(2);
      expect(result.stdout, name).toBe('');
      expect(result.stderr).toContain(`error: Failed to open the run database: ${name}=${value} is not`);
      expect(existsSync(join(dir, 'runs.duckdb'))).toBe(false);
    }
  });

  it('says DuckDB ran out of its memory ceiling and how to give it more, recording nothing: not a bad source, not a bug', async () => {
    const { dir } = jobFolder(reviews(40));
    // DuckDB's CSV reader asks for a 16 MiB buffer, whatever the file's size: the check of the
    // source, before anything is recorded, is where 4 MB runs out.
    const result = await cliInProcess(['run', 'job.yaml', '--db', 'runs.duckdb'], dir, {
      BATCHGUARD_DUCKDB_MEMORY: '4MB',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^error: DuckDB ran out of its 4MB memory ceiling \(could not allocate block of size 16\.0 MiB/,
    );
    expect(result.stderr).toContain('Give it more for this command: BATCHGUARD_DUCKDB_MEMORY=1GB');
    expect(result.stderr).not.toContain('Failed to read source');
    expect(result.stderr).not.toContain('a bug in batchguard');
    expect(result.stdout).toBe('');
    expect(existsSync(join(dir, 'runs.duckdb'))).toBe(false);
  });
});
