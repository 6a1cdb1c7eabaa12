import { expect } from 'vitest';
import { parseRfc3339 } from '../../src/core/rfc3339.js';
import type { RunDb } from '../../src/pipeline/db/run-db.js';
import { compileOutputSchema } from '../../src/pipeline/gate/compile-schema.js';
import type { Job } from '../../src/pipeline/job/job.js';
import type { LogEntry } from '../../src/pipeline/run/run-log.js';
import { keysOf, type Review, type SimRun } from './pipeline-harness.js';

/*
 * Passive checks of a finished run: readers of the run database and the world's ground truth, and
 * the invariants every pipeline test ends with. None of them changes what it reads.
 */

/** The run's log entries that are alarms of `kind`. */
/** The time between each log entry and the one before it, in ms (backoffs, poll intervals). */
export const gapsMs = (entries: readonly LogEntry[]): number[] =>
  entries.slice(1).map((e, i) => parseRfc3339(e.at) - parseRfc3339(entries[i]!.at));

export const alarms = (run: SimRun, kind: string) =>
  run.entries.filter((e) => e.phase === 'alarm' && e.kind === kind);

/** The phase, kind and detail of each log entry at `step`, in order. */
export const atStep = (entries: readonly LogEntry[], step: string) =>
  entries.filter((e) => e.step === step).map(({ phase, kind, detail }) => ({ phase, kind, detail }));

/** The phase and kind of each of the run's log entries at `step`, in order. */
export const kindsAt = (run: SimRun, step: string) =>
  atStep(run.entries, step).map(({ phase, kind }) => ({ phase, kind }));

/** The kinds of the run's log entries, in order. */
export const kinds = (run: SimRun): string[] => run.entries.map((e) => e.kind);

/** The single number a query returns. */
export async function count(db: RunDb, sql: string): Promise<number> {
  const row = await db.one<Record<string, unknown>>(sql);
  return Number(Object.values(row!)[0]);
}

export interface SinkRow {
  key: string;
  value: string;
  run_id: string;
  custom_id: string;
}

/** The sink table `record`, ordered by key; empty when no run has created it. */
export async function sinkRows(db: RunDb): Promise<SinkRow[]> {
  const exists = await count(
    db,
    "SELECT count(*) FROM information_schema.tables WHERE table_name = 'record'",
  );
  return exists ? db.all<SinkRow>('SELECT * FROM record ORDER BY key') : [];
}

/** Each row key's disposition and its reason. */
export async function dispositionsByKey(
  db: RunDb,
): Promise<Map<string, { disposition: string; reason: string | null }>> {
  const rows = await db.all<{ row_key: string; disposition: string; reason: string | null }>(
    'SELECT row_key, disposition, reason FROM row_dispositions',
  );
  return new Map(rows.map((r) => [r.row_key, { disposition: r.disposition, reason: r.reason }]));
}

/** What the world has billed, USD. */
export function spentUsd(run: SimRun): number {
  return run.sim.world.groundTruth().billing.reduce((sum, b) => sum + b.costUsd, 0);
}

/** Coverage, nothing invalid promoted, and spend within the ceiling with no batch billed twice. */
export async function expectInvariants(
  run: SimRun,
  runId: string,
  job: Job,
  rows: readonly Review[],
): Promise<void> {
  await expectCoverage(run.db, runId, keysOf(rows));
  await expectNothingInvalidPromoted(run.db, runId, job, rows);
  await expectSpendBounded(run, job);
}

/** Every key has exactly one disposition (the `row_dispositions` view), and no other key has one. */
export async function expectCoverage(db: RunDb, runId: string, keys: readonly string[]): Promise<void> {
  const disposed = await db.all<{ row_key: string; n: number }>(
    'SELECT row_key, count(*)::INTEGER AS n FROM row_dispositions WHERE run_id = ? GROUP BY row_key ORDER BY row_key',
    [runId],
  );
  expect(disposed.map((d) => d.row_key)).toEqual([...keys].sort());
  expect(disposed.filter((d) => d.n !== 1)).toEqual([]);
}

/** What the run put in the sink is exactly its promoted rows, each valid by the job's own schema. */
export async function expectNothingInvalidPromoted(
  db: RunDb,
  runId: string,
  job: Job,
  rows: readonly Review[],
): Promise<void> {
  const sink = (await sinkRows(db)).filter((r) => r.run_id === runId);
  const promoted = await db.all<{ row_key: string; output_json: string }>(
    "SELECT row_key, output_json FROM row_dispositions WHERE run_id = ? AND disposition = 'promoted' ORDER BY row_key",
    [runId],
  );
  expect(sink.map((r) => [r.key, r.value])).toEqual(promoted.map((p) => [p.row_key, p.output_json]));
  const validate = compileOutputSchema(job.schema);
  const texts = new Map(rows.map((r) => [r.id, r.text]));
  for (const row of sink) {
    const value = JSON.parse(row.value);
    expect(validate(value), `${row.key}: ${row.value}`).toBe(true);
    expect(texts.get(row.key), row.key).toContain(value.evidence);
  }
}

/** Billed spend ≤ the ceiling, and every billed batch is the batch of exactly one submission. */
export async function expectSpendBounded(run: SimRun, job: Job): Promise<void> {
  const billing = run.sim.world.groundTruth().billing;
  const claimed = (
    await run.db.all<{ batch_id: string }>(
      'SELECT batch_id FROM submission_batches WHERE batch_id IS NOT NULL',
    )
  ).map((s) => s.batch_id);
  expect(spentUsd(run)).toBeLessThanOrEqual(job.costCeilingUsd);
  expect(new Set(billing.map((b) => b.batchId)).size).toBe(billing.length);
  for (const bill of billing)
    expect(
      claimed.filter((id) => id === bill.batchId),
      bill.batchId,
    ).toHaveLength(1);
}
