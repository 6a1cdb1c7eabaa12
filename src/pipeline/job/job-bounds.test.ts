import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MINIMAL_JOB_YAML as MINIMAL } from '../../../test/support/job-yaml.js';
import { UsageError } from '../../core/errors.js';
import { jobModelProblems } from './job-schema.js';
import { parseJob } from './load-job.js';

/*
 * Every number of a job file has bounds a run can live with: an interval that never advances a
 * simulated clock, or a canary larger than any batch, would hang or explode a run long after the
 * file was accepted.
 */

const dir = mkdtempSync(join(tmpdir(), 'batchguard-job-bounds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'reviews.csv'), 'id,text\nr1,great\n');
const jobPath = join(dir, 'job.yaml');

function problemsOf(text: string): string[] {
  try {
    parseJob(text, jobPath);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return error.message
      .split('\n')
      .slice(1)
      .map((line) => line.replace(/^ {2}- /, ''));
  }
  return [];
}

describe('the bounds of a job file’s numbers', () => {
  it('polls at most once a second: 1e-300 seconds would never move a simulated clock', () => {
    for (const interval of ['1e-300', '0.5', '0'])
      expect(problemsOf(`${MINIMAL}poll_interval_seconds: ${interval}\n`), interval).toEqual([
        'poll_interval_seconds: must be at least 1',
      ]);
    expect(parseJob(`${MINIMAL}poll_interval_seconds: 1\n`, jobPath).pollIntervalSeconds).toBe(1);
  });

  it('bounds the canary’s least rows at one batch’s 100,000 requests', () => {
    expect(problemsOf(`${MINIMAL}canary: {min_rows: 1000000000000}\n`)).toEqual([
      'canary.min_rows: must be at most 100000',
    ]);
    expect(parseJob(`${MINIMAL}canary: {min_rows: 100000}\n`, jobPath).canary.minRows).toBe(100_000);
  });

  it('refuses NaN and infinities spelled in YAML, in every numeric key', () => {
    const text = `${MINIMAL.replace('max_tokens: 200', 'max_tokens: .inf').replace('cost_ceiling_usd: 5', 'cost_ceiling_usd: .nan')}
canary: {fraction: .nan}
thresholds: {validity_min: -.inf}
attempts: .inf
poll_interval_seconds: .inf
`;
    expect(problemsOf(text)).toEqual([
      'max_tokens: must be a number, not Infinity',
      'cost_ceiling_usd: must be a number, not NaN',
      'canary.fraction: must be a number, not NaN',
      'thresholds.validity_min: must be a number, not -Infinity',
      'attempts: must be a number, not Infinity',
      'poll_interval_seconds: must be a number, not Infinity',
    ]);
  });

  it('holds a run below validity_min only when the job says so (default: alarm and promote)', () => {
    expect(parseJob(MINIMAL, jobPath).thresholds.holdBelowValidityMin).toBe(false);
    const held = parseJob(`${MINIMAL}thresholds: {hold_below_validity_min: true}\n`, jobPath);
    expect(held.thresholds.holdBelowValidityMin).toBe(true);
    expect(problemsOf(`${MINIMAL}thresholds: {hold_below_validity_min: "yes"}\n`)).toEqual([
      'thresholds.hold_below_validity_min: must be true or false, not "yes"',
    ]);
  });
});

describe('jobModelProblems', () => {
  it('names a model with no known price and a max_tokens above what a model can write, with their paths', () => {
    const job = parseJob(
      MINIMAL.replace(
        '{primary: claude-haiku-4-5}',
        '{primary: claude-haiku-4-5, escalation: claude-nope-1}',
      ).replace('max_tokens: 200', 'max_tokens: 100000'),
      jobPath,
    );
    expect(jobModelProblems(job)).toEqual([
      {
        code: 'max_tokens_too_large',
        path: ['max_tokens'],
        message: 'max_tokens 100000 is above the 64000 that claude-haiku-4-5 can write',
        hint: 'Lower max_tokens to 64000 or less in the job file.',
      },
      {
        code: 'unknown_model',
        path: ['models', 'escalation'],
        message: 'no price is known for model "claude-nope-1": use a model from src/core/price-table.ts',
        hint: 'Or add the model there, with its prices.',
      },
    ]);
    expect(jobModelProblems(parseJob(MINIMAL, jobPath))).toEqual([]);
  });
});

describe('file paths in a job file', () => {
  it('treats a path holding a NUL byte as a file not found, where node threw (exit 3; found by the job fuzzer)', () => {
    const text = MINIMAL.replace(/^source: .*$/m, 'source: "bad\\0name.csv"');
    expect(text).not.toBe(MINIMAL);
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^source(\.path)?: source file not found: .*bad/);
  });
});
