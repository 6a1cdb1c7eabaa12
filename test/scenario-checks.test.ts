import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/core/errors.js';
import { parseScenario } from '../src/drills/scenario.js';
import { cliInProcess } from './support/cli-in-process.js';

/*
 * A scenario's `job:` overrides and its expectations' numbers were once checked only while the
 * drills ran: `max_tokens: 999999` or `sink: runs` passed loading, and the game day stored its
 * first drill and then aborted naming a temporary path; `valid_share_min: 7` was accepted. Every
 * scenario is now checked whole, its job overrides by the job file's own schema laid over the
 * job they override, before any drill runs.
 */

const PATH = '/scenarios/bad.yaml';
const BASELINE = readFileSync(join(import.meta.dirname, '../scenarios/baseline.yaml'), 'utf8');

function problemsOf(text: string): string[] {
  try {
    parseScenario(text, PATH);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    expect(error.message.split('\n')[0]).toMatch(
      /^Failed to load scenario \/scenarios\/bad\.yaml: \d+ problems?\.$/,
    );
    return error.message
      .split('\n')
      .slice(1)
      .map((line) => line.replace(/^ {2}- /, ''));
  }
  return [];
}

/** The clean baseline with a `job:` mapping added. */
const withJob = (job: string) => `${BASELINE}\njob:\n${job.replace(/^/gm, '  ')}\n`;

describe('a scenario’s job overrides, checked at load', () => {
  it('are validated by the job file’s schema, each problem at its key path under job', () => {
    expect(
      problemsOf(
        withJob(
          'max_tokens: 999999\nsink: runs\npoll_interval_seconds: 1e-300\ncanary: {fraction: 0.9}\nmax_token: 5',
        ),
      ),
    ).toEqual([
      'job.max_tokens: must be at most 128000',
      'job.canary.fraction: must be at most 0.5',
      `job.sink.table: "runs" is one of batchguard's own tables in the run database: choose another name`,
      'job.poll_interval_seconds: must be at least 1',
      'job.max_token: unknown key (did you mean max_tokens?)',
    ]);
  });

  it('are checked against the job they override: its models and the drill’s source columns', () => {
    expect(problemsOf(withJob('max_tokens: 100000'))).toEqual([
      'job.max_tokens: max_tokens 100000 is above the 64000 that claude-haiku-4-5 can write',
      'job.max_tokens: max_tokens 100000 is above the 64000 that claude-sonnet-4-5 can write',
    ]);
    expect(problemsOf(withJob('models: {primary: claude-nope-1}'))).toEqual([
      'job.models.primary: no price is known for model "claude-nope-1": use a model from src/core/price-table.ts',
    ]);
    expect(problemsOf(withJob('template: "Classify {{review}} {{text}}"\nkey: review_id'))).toEqual([
      'job.key: the drill’s source has no column "review_id" (it has id, sku, country, text)',
      'job.template: the drill’s source has no column "review" (it has id, sku, country, text)',
    ]);
  });

  it('are listed with the scenario’s other problems, all at once', () => {
    const text = withJob('sink: runs').replace('title: Clean baseline raises no alarm', "title: ''");
    expect(problemsOf(text)).toEqual([
      'title: must not be empty',
      `job.sink.table: "runs" is one of batchguard's own tables in the run database: choose another name`,
    ]);
  });

  it('may change what a drill runs, as the shipped scenarios do', () => {
    expect(problemsOf(withJob('canary: {enabled: false}\ngolden: null\ncost_ceiling_usd: 3'))).toEqual([]);
  });
});

describe('a scenario’s expected checks, bounded at load', () => {
  const withChecks = (checks: string) =>
    BASELINE.replace(/ {2}hypothesis:\n(?: {4}- .*\n)+/, `  hypothesis: ${checks}\n`);

  it('take a share from 0 to 1 where they take a number, and no number where they take none', () => {
    expect(
      problemsOf(
        withChecks(
          '[{valid_share_min: 7}, {obeyed_share_max: -0.1}, {clean_quarantine_max: .nan}, {coverage: 1}, valid_share_min]',
        ),
      ),
    ).toEqual([
      'expect.hypothesis[0]: valid_share_min: must be a share from 0 to 1, not 7',
      'expect.hypothesis[1]: obeyed_share_max: must be a share from 0 to 1, not -0.1',
      'expect.hypothesis[2]: clean_quarantine_max: must be a share from 0 to 1, not NaN',
      'expect.hypothesis[3]: coverage takes no number',
      'expect.hypothesis[4]: valid_share_min needs its number (a share from 0 to 1): write `valid_share_min: 0.9`',
    ]);
    expect(problemsOf(withChecks('[coverage, {valid_share_min: 0.97}, {obeyed_share_max: 0}]'))).toEqual([]);
  });
});

describe('a scenario’s runbook, clean first run and ceiling margin', () => {
  it('are read with their defaults: a runbook runs the clean job first and reverses the whole run', () => {
    const runbook = parseScenario(BASELINE.replace(/^title:/m, 'kind: runbook\ntitle:'), PATH);
    expect(runbook).toMatchObject({ cleanRunFirst: true, runbookScope: 'run', ceilingMargin: null });
    const drill = parseScenario(`${BASELINE}\nclean_run_first: true\nceiling_margin: 0.2\n`, PATH);
    expect(drill).toMatchObject({ kind: 'drill', cleanRunFirst: true, ceilingMargin: 0.2 });
    const slice = parseScenario(
      BASELINE.replace(/^title:/m, 'kind: runbook\nrunbook: {scope: faulted_batches}\ntitle:'),
      PATH,
    );
    expect(slice.runbookScope).toBe('faulted_batches');
  });

  it('refuse a runbook scope outside a runbook, a runbook without its clean run, and a negative margin', () => {
    expect(problemsOf(`${BASELINE}\nrunbook: {scope: faulted_batches}\n`)).toEqual([
      'runbook: is for `kind: runbook` only',
    ]);
    expect(problemsOf(BASELINE.replace(/^title:/m, 'kind: runbook\nclean_run_first: false\ntitle:'))).toEqual(
      ['clean_run_first: cannot be false in a runbook, which restores the clean run’s rows'],
    );
    expect(problemsOf(`${BASELINE}\nceiling_margin: -1\n`)).toHaveLength(1);
  });
});

describe('batchguard gameday with a bad scenario among good ones', () => {
  it('runs no drill and stores nothing: exit 2, naming the file and the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'batchguard-scenarios-'));
    mkdirSync(join(dir, 'scenarios'));
    writeFileSync(join(dir, 'scenarios', 'a-baseline.yaml'), BASELINE);
    writeFileSync(join(dir, 'scenarios', 'b-bad.yaml'), withJob('sink: runs'));
    const result = await cliInProcess(['gameday', '--db', 'drills.duckdb'], dir);
    expect(result.stderr).toContain('b-bad.yaml');
    expect(result.stderr).toContain('job.sink.table: "runs" is one of batchguard\'s own tables');
    expect(result.stdout).not.toContain('[drill] 1/2');
    expect(result.status).toBe(2);
    expect(existsSync(join(dir, 'drills.duckdb'))).toBe(false);
  });
});
