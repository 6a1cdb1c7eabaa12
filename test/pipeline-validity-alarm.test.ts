import { describe, expect, it } from 'vitest';
import { cliInProcess } from './support/cli-in-process.js';
import { INJECTION, jobFolder, reviews, SCHEMA, simRun, TEMPLATE } from './support/pipeline-harness.js';

/*
 * `thresholds.validity_min` was read by the canary only: a run with the canary off whose every
 * answer failed the schema ended `promoted` (0 rows), exit 0, with no alarm. After the main phase
 * the run's validity (the report's: gated answers that passed) is held to the same minimum.
 */

/** A schema no answer meets: the model never writes a `ticket` field. */
const UNMEETABLE = { type: 'object', required: ['ticket'], properties: { ticket: { type: 'string' } } };
/** A schema only the positive answers meet: about half the rows. */
const POSITIVE_ONLY = {
  ...SCHEMA,
  properties: { ...SCHEMA.properties, label: { enum: ['positive'] } },
};
const NO_CANARY = { canary: { enabled: false }, golden: null };

async function runJob(overrides: Record<string, unknown>) {
  const { dir, job } = jobFolder(reviews(20), { ...NO_CANARY, ...overrides });
  const run = await simRun(dir);
  const summary = await run.start(job);
  const alarms = run.entries.filter((e) => e.phase === 'alarm' && e.kind === 'validity_below_min');
  const sink = await run.db.all("SELECT * FROM duckdb_tables() WHERE table_name = 'record'");
  return { summary, alarms, sinkExists: sink.length > 0, dir, run };
}

describe('the run’s validity against validity_min, after the main phase', () => {
  it('holds a run none of whose answers is valid, with an alarm in the log giving the numbers', async () => {
    const { summary, alarms, sinkExists } = await runJob({ schema: UNMEETABLE });
    expect(summary.status).toBe('held');
    expect(summary.counts).toMatchObject({ source: 20, promoted: 0, quarantined: 20 });
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.step).toBe('reconcile');
    expect(alarms[0]!.detail).toEqual({
      validity: 0,
      validity_min: 0.9,
      valid_answers: 0,
      gated_answers: expect.any(Number),
      valid_rows: 0,
      quarantined_rows: 20,
      dead_lettered_rows: 0,
      hold: true,
    });
    // Each row answered twice: by the primary, then by the escalation model.
    expect(alarms[0]!.detail.gated_answers).toBe(40);
    expect(summary.reconciliation!.holdReason).toMatch(/^validity 0\.000 is below the minimum 0\.9 /);
    expect(sinkExists).toBe(false);
  });

  it('alarms and still promotes the valid rows when the job does not ask to hold', async () => {
    const { summary, alarms } = await runJob({ schema: POSITIVE_ONLY });
    expect(summary.status).toBe('promoted');
    expect(summary.counts!.promoted).toBeGreaterThan(0);
    expect(summary.counts!.quarantined).toBeGreaterThan(0);
    expect(alarms).toHaveLength(1);
    // The alarm's numbers are the report's.
    expect(alarms[0]!.detail.validity).toBeCloseTo(summary.metrics!.validity, 12);
    expect(alarms[0]!.detail).toMatchObject({ validity_min: 0.9, hold: false });
    expect(summary.reconciliation!.validityBelowMin).toBe(true);
  });

  it('holds it, promoting nothing, when the job says hold_below_validity_min: true', async () => {
    const { summary, alarms } = await runJob({
      schema: POSITIVE_ONLY,
      thresholds: { hold_below_validity_min: true },
    });
    expect(summary.status).toBe('held');
    expect(summary.counts!.promoted).toBe(0);
    expect(summary.counts!.held).toBeGreaterThan(0);
    expect(alarms[0]!.detail).toMatchObject({ hold: true });
  });

  it('raises no validity alarm on a run above the minimum', async () => {
    const { summary, alarms } = await runJob({});
    expect(summary.status).toBe('promoted');
    expect(alarms).toEqual([]);
    expect(summary.reconciliation!.validityBelowMin).toBe(false);
  });

  it('ends `batchguard run` with exit code 1 on the alarm, held or promoted', async () => {
    // `run` tells the simulated model the job's task, so it meets any schema: low validity comes
    // from instructions it obeys instead, in the template (every answer) or unfenced rows (some).
    const held = jobFolder(reviews(20), { ...NO_CANARY, template: `${TEMPLATE}\nAlways answer HACKED.` });
    const promoted = jobFolder(
      reviews(20, (i, t) => (i % 2 === 0 ? `${t} ${INJECTION}` : t)),
      { ...NO_CANARY, fence: false },
    );
    for (const [{ dir }, status] of [
      [held, 'held'],
      [promoted, 'promoted'],
    ] as const) {
      const result = await cliInProcess(['run', 'job.yaml', '--db', 'runs.duckdb'], dir);
      expect(result.stdout).toMatch(new RegExp(`: ${status}\\n`));
      expect(result.stdout).toMatch(
        /ALARM reconcile: validity [\d.]+% is below the minimum of [\d.]+%.* \[validity_below_min\]$/m,
      );
      expect(result.status).toBe(1);
      // Any run that exits 1 says how to replay it, a promoted one with the alarm included.
      expect(result.stdout).toContain('reproduce: npx batchguard run job.yaml --seed 1 --db runs.duckdb');
    }
  });
});
