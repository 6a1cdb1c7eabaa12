import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MINIMAL_JOB_YAML } from '../../../test/support/job-yaml.js';
import { RunDb } from '../db/run-db.js';
import { parseJob } from '../job/load-job.js';
import { gradeCanaryStep } from './canary-step.js';
import type { RunContext } from './run-context.js';
import { type LogEntry, RunLog } from './run-log.js';
import { UNSENT } from './submissions.js';

/*
 * What the canary counts, row by row, from the outcomes the gate wrote: answers (valid, invalid,
 * errored, refused) against rows that were never answered or never sent; golden rows scored only
 * on answers; the label spread only over the canary's valid answers. The end-to-end tests see
 * the verdict; this one sees every tally, over a run database filled by hand.
 */

const dir = mkdtempSync(join(tmpdir(), 'batchguard-canary-step-'));
for (const file of ['reviews.csv', 'golden.jsonl']) writeFileSync(join(dir, file), '');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const JOB = `name: reviews\n${MINIMAL_JOB_YAML}golden: {path: golden.jsonl, baseline: 0.5}\n`;

type Kind = 'valid' | 'invalid' | 'retry' | 'failed';
interface Row {
  key: string;
  golden?: { label: string };
  /** The row's latest outcome, or none at all (not answered yet). */
  outcome?: { kind: Kind; reason?: string; label?: string; submission?: string };
}

const ROWS: Row[] = [
  { key: 'c-valid-1', outcome: { kind: 'valid', label: 'positive' } },
  { key: 'c-valid-2', outcome: { kind: 'valid', label: 'positive' } },
  { key: 'c-valid-3', outcome: { kind: 'valid', label: 'negative' } },
  { key: 'c-invalid', outcome: { kind: 'invalid', reason: 'schema' } },
  { key: 'c-errored', outcome: { kind: 'retry', reason: 'errored:overloaded_error' } },
  { key: 'c-refused', outcome: { kind: 'failed', reason: 'invalid_request' } },
  { key: 'c-expired', outcome: { kind: 'retry', reason: 'expired' } },
  { key: 'c-missing', outcome: { kind: 'retry', reason: 'missing' } },
  { key: 'c-unsent', outcome: { kind: 'invalid', reason: 'unfenceable', submission: UNSENT } },
  { key: 'c-pending' },
  { key: 'golden:g-right', golden: { label: 'positive' }, outcome: { kind: 'valid', label: 'positive' } },
  { key: 'golden:g-wrong', golden: { label: 'positive' }, outcome: { kind: 'valid', label: 'negative' } },
  { key: 'golden:g-invalid', golden: { label: 'negative' }, outcome: { kind: 'invalid', reason: 'range' } },
  {
    key: 'golden:g-errored',
    golden: { label: 'negative' },
    outcome: { kind: 'retry', reason: 'errored:api_error' },
  },
  {
    key: 'golden:g-refused',
    golden: { label: 'negative' },
    outcome: { kind: 'failed', reason: 'invalid_request' },
  },
];

let databases = 0;

async function graded(rows: readonly Row[], distributionField: string | null = 'label') {
  const path = join(dir, `run-${++databases}.duckdb`);
  const db = await RunDb.open(path);
  const runId = 'run-1';
  for (const row of rows) {
    await db.exec('INSERT INTO source_rows VALUES (?, ?, ?, ?, ?, ?, ?, NULL)', [
      runId,
      row.key,
      JSON.stringify({ id: row.key, text: 'a review' }),
      'hash',
      row.golden !== undefined,
      row.golden ? JSON.stringify(row.golden) : null,
      row.golden === undefined,
    ]);
    const o = row.outcome;
    if (!o) continue;
    const output = o.label ? JSON.stringify({ label: o.label }) : null;
    await db.exec('INSERT INTO outcomes VALUES (?, ?, ?, ?, 1, ?, ?, ?, NULL, ?)', [
      runId,
      o.submission ?? 's0001',
      `id-${row.key}`,
      row.key,
      'claude-haiku-4-5',
      o.kind,
      o.reason ?? null,
      output,
    ]);
  }
  const entries: LogEntry[] = [];
  const clock = { now: () => 0, sleep: async () => {} };
  const job = parseJob(
    `${JOB}distribution_field: ${distributionField === null ? 'null' : distributionField}\n`,
    join(dir, 'job.yaml'),
  );
  const log = await RunLog.open(db, runId, clock, (e) => entries.push(e));
  const ctx = { db, runId, job, log } as unknown as RunContext;
  const verdict = await gradeCanaryStep(ctx);
  db.close();
  await RunDb.release(path, { discard: true });
  return { verdict, entries };
}

describe('gradeCanaryStep', () => {
  it('counts answers apart from rows never answered or never sent, and golden rows on answers only', async () => {
    const { verdict, entries } = await graded(ROWS);
    expect(entries).toHaveLength(1);
    const [entry] = entries;
    expect(entry).toMatchObject({ step: 'canary', phase: 'alarm', kind: 'canary_halted' });
    expect(entry!.detail).toMatchObject({
      stats: {
        // Canary answers: 3 valid, 1 invalid, 1 errored, 1 refused; golden answers: all 5.
        rows: 11,
        valid: 5,
        // The errored and the refused rows, canary and golden.
        errored: 4,
        // An errored or refused golden row is no evidence either way.
        goldenTotal: 3,
        goldenCorrect: 1,
        // Valid canary answers only: golden rows say nothing of the spread.
        distribution: { positive: 2, negative: 1 },
      },
      unanswered: 2,
      unsent: 1,
    });
    expect(verdict.release).toBe(false);
    expect(verdict.goldenScore).toBeCloseTo(1 / 3);
  });

  it('releases a canary of good answers, as an outcome, and counts no spread without a field', async () => {
    const good = ROWS.filter((r) => r.outcome?.kind === 'valid');
    const { verdict, entries } = await graded(
      [...good, ...good.map((r) => ({ ...r, key: `${r.key}-b` }))],
      null,
    );
    expect(entries[0]).toMatchObject({ phase: 'outcome', kind: 'canary_released' });
    expect(entries[0]!.detail).toMatchObject({
      stats: { rows: 10, valid: 10, errored: 0, distribution: {} },
    });
    expect(verdict.release).toBe(true);
  });
});
